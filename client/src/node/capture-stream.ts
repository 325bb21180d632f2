import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { SondeClient } from '../sonde-client.js';

/** Streams a capture's pcap into `output` (a file, stdout) until the capture ends. */
export async function writeCapture(client: SondeClient, captureId: string, output: Writable, options: { signal?: AbortSignal } = {}): Promise<void> {
  const body = await client.capturePcap(captureId, options);
  // The DOM and Node declare the same WHATWG stream twice; they are one object at run time.
  await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), output, options.signal ? { signal: options.signal, end: false } : { end: false });
}
