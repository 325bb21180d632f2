import type { Readable } from 'node:stream';

/** One server-sent event: its `event:` name and its `data:` line, parsed as JSON. */
export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * Splits server-sent event text, fed as it arrives, into events: the one parser for every test
 * that reads /api/events or a capture feed, whether through `app.inject` or a real socket.
 */
export class ServerSentEventParser {
  private pending = '';

  /** The events completed by `text`; an unfinished one waits for the next chunk. */
  push(text: string): ServerSentEvent[] {
    this.pending += text;
    const events: ServerSentEvent[] = [];
    let cut: number;
    while ((cut = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, cut);
      this.pending = this.pending.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as unknown });
    }
    return events;
  }
}

/** Every event in a whole stream's text. */
export function parseServerSentEvents(text: string): ServerSentEvent[] {
  return new ServerSentEventParser().push(text.endsWith('\n\n') ? text : `${text}\n\n`);
}

/**
 * Reads server-sent events from a streamed reply (`app.inject({ payloadAsStream: true })`) as
 * they come.
 */
export function eventReader(stream: Readable): { events: ServerSentEvent[]; ended: () => boolean } {
  const events: ServerSentEvent[] = [];
  const parser = new ServerSentEventParser();
  let ended = false;
  stream.on('data', (chunk: Buffer) => events.push(...parser.push(chunk.toString('utf8'))));
  stream.once('end', () => (ended = true));
  return { events, ended: () => ended };
}

/** A streamed reply's body as text, chunk by chunk as it arrives (UTF-8 split across chunks is kept whole). */
async function* textChunks(response: Response): AsyncGenerator<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield decoder.decode(value, { stream: true });
  }
}

/**
 * Reads a console's server-sent events over HTTP (`fetch`) into `into` until `signal` aborts, or
 * until `until` holds when given (awaited after each chunk: it may act on the events). Resolves when the stream ends, is aborted, or `until` holds.
 */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  into: ServerSentEvent[],
  options: { until?: (events: ServerSentEvent[]) => boolean | Promise<boolean>; onOpen?: (response: Response) => void } = {},
): Promise<void> {
  try {
    const response = await fetch(url, { headers, signal });
    options.onOpen?.(response);
    const chunks = textChunks(response);
    const parser = new ServerSentEventParser();
    while (!(await options.until?.(into))) {
      const { value, done } = await chunks.next();
      if (done) return;
      into.push(...parser.push(value));
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/**
 * A long-lived HTTP stream (server-sent events, a capture's feed) that a test holds open, as a
 * browser tab does, until it closes it.
 *
 * Node's fetch cancels the body of a Response that is garbage-collected unread, which closes the
 * connection whenever a collection happens to run: a test that only kept `response.status` saw its
 * stream end seconds before it meant to. Reading the body (a locked stream is never cancelled)
 * keeps the connection open until `close()`.
 */
export interface HeldStream {
  status: number;
  /** Everything the server sent so far, decoded as UTF-8. */
  readonly text: string;
  /** Settles when the server ends the stream or `close()` does. */
  ended: Promise<void>;
  /** Closes the connection from this side (a tab closing) and waits until the reader stopped. */
  close(): Promise<void>;
}

export async function holdStream(url: string, headers: Record<string, string>): Promise<HeldStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  let text = '';
  const ended = (async () => {
    try {
      for await (const chunk of textChunks(response)) text += chunk;
    } catch {
      // Aborted by close(), or the connection dropped: either way the stream has ended.
    }
  })();
  return {
    status: response.status,
    get text() {
      return text;
    },
    ended,
    close: async () => {
      controller.abort();
      await ended;
    },
  };
}
