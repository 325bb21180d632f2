/**
 * The cast worker's entry: a worker_threads thread (one per console, started by
 * WorkerCastConverter) that turns every recording's record batches into its .cast file, so the
 * thread relaying terminals never decodes or JSON-escapes their output.
 */
import { parentPort } from 'node:worker_threads';
import { CastConversion } from './cast-conversion.js';
import type { CastHeader } from './cast-writer.js';

/** Messages to the worker. A batch is packed by RecordBatch and transferred, not copied. */
export type ToCastWorker =
  | { type: 'start'; id: string; path: string; header: CastHeader }
  | { type: 'records'; id: string; batch: Uint8Array }
  | { type: 'finish'; id: string };

/** Messages from the worker. Progress is coalesced: at most one message per PROGRESS_EVERY_MS. */
export type FromCastWorker =
  | { type: 'progress'; updates: CastProgress[] }
  | { type: 'failed'; id: string; reason: string }
  | { type: 'finished'; id: string; bytes: number };

export interface CastProgress {
  id: string;
  /** Batch bytes converted so far. */
  applied: number;
  /** Bytes of whole lines in the file so far. */
  bytes: number;
}

const port = parentPort;
if (!port) throw new Error('cast-worker.ts runs as a worker thread (WorkerCastConverter starts it)');

interface Recording {
  conversion: CastConversion;
  progress: CastProgress;
}

/**
 * How stale the session thread's view of a cast may be: its whole-line size (what a live
 * download serves) and how much output still waits for the worker (bounded by 16 MiB, which
 * this lag reaches only above 64 MB/s). Coalescing keeps the session thread from waking up for
 * every write: at most four messages a second, for all recordings together.
 */
const PROGRESS_EVERY_MS = 250;

const recordings = new Map<string, Recording>();
const changed = new Set<Recording>();
let reporting = false;

function post(message: FromCastWorker): void {
  port!.postMessage(message);
}

function reportLater(recording: Recording): void {
  changed.add(recording);
  if (reporting) return;
  reporting = true;
  setTimeout(() => {
    reporting = false;
    const updates = [...changed].map((r) => ({ ...r.progress }));
    changed.clear();
    post({ type: 'progress', updates });
  }, PROGRESS_EVERY_MS);
}

function start(id: string, path: string, header: CastHeader): void {
  const progress: CastProgress = { id, applied: 0, bytes: 0 };
  const recording: Recording = {
    progress,
    conversion: new CastConversion({
      path,
      header,
      onFailure: (reason) => post({ type: 'failed', id, reason }),
      onWritten: (bytes) => {
        progress.bytes = bytes;
        reportLater(recording);
      },
    }),
  };
  recordings.set(id, recording);
}

function apply(id: string, batch: Uint8Array): void {
  const recording = recordings.get(id);
  if (!recording) return;
  try {
    recording.conversion.apply(Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength));
  } catch (error) {
    // A malformed batch is a bug on the sending side; the recording says so rather than the console dying.
    post({ type: 'failed', id, reason: `the recording could not be converted: ${error instanceof Error ? error.message : String(error)}` });
  }
  recording.progress.applied += batch.byteLength;
  reportLater(recording);
}

function finish(id: string): void {
  const recording = recordings.get(id);
  if (!recording) return;
  recordings.delete(id);
  changed.delete(recording);
  void recording.conversion.finish().then((bytes) => post({ type: 'finished', id, bytes }));
}

port.on('message', (message: ToCastWorker) => {
  switch (message.type) {
    case 'start':
      start(message.id, message.path, message.header);
      break;
    case 'records':
      apply(message.id, message.batch);
      break;
    case 'finish':
      finish(message.id);
      break;
    default: {
      const unknown: never = message;
      throw new Error(`unknown message ${JSON.stringify(unknown)}`);
    }
  }
});
