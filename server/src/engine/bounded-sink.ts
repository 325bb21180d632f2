import { Writable } from 'node:stream';

/**
 * Collects a stream's bytes up to `maxBytes`, dropping the rest: how both engines keep a one-shot
 * command's stdout and stderr bounded while still draining the stream, so the command never blocks.
 */
export function boundedSink(maxBytes: number): { sink: Writable; bytes: () => Buffer; truncated: () => boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const room = maxBytes - size;
      if (chunk.length > room) dropped = true;
      if (room > 0) {
        const kept = chunk.subarray(0, room);
        chunks.push(kept);
        size += kept.length;
      }
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks), truncated: () => dropped };
}
