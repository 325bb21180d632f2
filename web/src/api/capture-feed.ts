/**
 * The live feed of a packet capture (server-sent events, docs/api.md "Packet captures"):
 * counters and decoded one-line summaries. Every event is validated against its shared schema.
 */
import { CaptureInfo, CapturePacketsEvent, type PacketLine } from '@sonde/shared';
import { Value } from 'typebox/value';

export interface CaptureFeedHandlers {
  onInfo(info: CaptureInfo): void;
  onLines(lines: PacketLine[], skipped: number): void;
}

export function openCaptureFeed(url: string, handlers: CaptureFeedHandlers): { dispose(): void } {
  const source = new EventSource(url, { withCredentials: true });
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
