/**
 * Packet captures: the list (running and kept ones; polled while one runs, so counters and the
 * status bar's elapsed time stay current), start, stop, remove, the pcap download link, and the
 * live feed (server-sent events, docs/api.md "Packet captures": counters and decoded one-line
 * summaries). Every feed event is validated against its shared schema.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import { CaptureInfo, CapturePacketsEvent, type CreateCaptureRequest, type PacketLine } from '@sonde/shared';
import { Value } from 'typebox/value';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

/** While a capture runs the list is fetched this often (there is no push event for counters). */
const RUNNING_POLL_MS = 2000;

export interface CaptureFeedHandlers {
  onInfo(info: CaptureInfo): void;
  onLines(lines: PacketLine[], skipped: number): void;
}

export class Captures implements Disposable {
  /** Mine (all of them for an admin), running first as the server lists them. */
  readonly list: LiveResource<CaptureInfo[]>;
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly offList: () => void;

  constructor(private readonly client: SondeClient) {
    this.list = new LiveResource(() => client.captures());
    this.offList = this.list.subscribe(() => this.pollWhileRunning());
  }

  /** The server checks the request, starts tcpdump in the target's namespace and answers once it runs. */
  async start(request: CreateCaptureRequest): Promise<CaptureInfo> {
    const capture = await this.client.createCapture(request);
    this.list.update((list = []) => [capture, ...list.filter((c) => c.id !== capture.id)]);
    return capture;
  }

  /** Stops it; one that is already gone counts as stopped. */
  async stop(id: string): Promise<void> {
    try {
      await this.client.stopCapture(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    await this.list.refresh();
  }

  /** Stops it if it runs, forgets it and deletes its file; one already gone counts as removed. */
  async remove(id: string): Promise<void> {
    try {
      await this.client.removeCapture(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    this.list.update((list = []) => list.filter((c) => c.id !== id));
  }

  /** A capture's latest state, as a follower reported it: the list shows it without refetching. */
  received(info: CaptureInfo): void {
    if (this.list.data?.some((c) => c.id === info.id && (c.packets !== info.packets || c.state !== info.state))) {
      this.list.update((list = []) => list.map((c) => (c.id === info.id ? info : c)));
    }
  }

  dispose(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    this.offList();
    this.list.dispose();
  }

  private pollWhileRunning(): void {
    const running = this.list.data?.some((c) => c.state === 'running') ?? false;
    if (running && this.poll === undefined) {
      this.poll = setInterval(() => void this.list.refresh(), RUNNING_POLL_MS);
    } else if (!running && this.poll !== undefined) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  get(id: string): Promise<CaptureInfo> {
    return this.client.capture(id);
  }

  pcapUrl(id: string): string {
    return this.client.capturePcapUrl(id);
  }

  /** Follows a capture's live feed (counters and decoded lines); dispose to stop following. */
  follow(capture: CaptureInfo, handlers: CaptureFeedHandlers): Disposable {
    const source = new EventSource(this.client.url(capture.eventsPath), { withCredentials: true });
    const parse = (event: MessageEvent<string>): unknown => {
      try {
        return JSON.parse(event.data);
      } catch {
        return undefined;
      }
    };
    const onInfo = (event: MessageEvent<string>) => {
      const data = parse(event);
      if (Value.Check(CaptureInfo, data)) handlers.onInfo(data);
    };
    source.addEventListener('capture', onInfo);
    source.addEventListener('end', (event: MessageEvent<string>) => {
      onInfo(event);
      // Ended for good: do not let EventSource reconnect and replay it.
      source.close();
    });
    source.addEventListener('packets', (event: MessageEvent<string>) => {
      const data = parse(event);
      if (Value.Check(CapturePacketsEvent, data)) handlers.onLines(data.lines, data.skipped);
    });
    return { dispose: () => source.close() };
  }
}
