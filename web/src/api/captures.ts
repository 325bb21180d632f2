/**
 * Packet captures: start, stop, read one, the pcap download link, and the live feed (server-sent
 * events, docs/api.md "Packet captures": counters and decoded one-line summaries). Every feed
 * event is validated against its shared schema.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import { CaptureInfo, CapturePacketsEvent, type CreateCaptureRequest, type PacketLine } from '@sonde/shared';
import { Value } from 'typebox/value';
import type { Disposable } from '../lifecycle/disposable';

export interface CaptureFeedHandlers {
  onInfo(info: CaptureInfo): void;
  onLines(lines: PacketLine[], skipped: number): void;
}

export class Captures {
  constructor(private readonly client: SondeClient) {}

  /** The server checks the request, starts tcpdump in the target's namespace and answers once it runs. */
  start(request: CreateCaptureRequest): Promise<CaptureInfo> {
    return this.client.createCapture(request);
  }

  /** Stops it; one that is already gone counts as stopped. */
  async stop(id: string): Promise<void> {
    try {
      await this.client.stopCapture(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
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
