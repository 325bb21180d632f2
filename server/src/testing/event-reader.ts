import type { Readable } from 'node:stream';

/** One server-sent event: its `event:` name and its `data:` line, parsed as JSON. */
export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * Reads server-sent events from a streamed reply (`app.inject({ payloadAsStream: true })`) as
 * they come: the route tests of the capture feed and of /api/events read them alike.
 */
export function eventReader(stream: Readable): { events: ServerSentEvent[]; ended: () => boolean } {
  const events: ServerSentEvent[] = [];
  let pending = '';
  let ended = false;
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let cut: number;
    while ((cut = pending.indexOf('\n\n')) >= 0) {
      const block = pending.slice(0, cut);
      pending = pending.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as unknown });
    }
  });
  stream.once('end', () => (ended = true));
  return { events, ended: () => ended };
}
