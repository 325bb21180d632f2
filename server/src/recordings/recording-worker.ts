/**
 * The recording worker's entry: a worker_threads thread (one per console, started by
 * WorkerRecordingConverter) that turns every recording's record batches into its cast and input
 * trail, so the thread relaying terminals never decodes, escapes or writes them.
 */
import { parentPort } from 'node:worker_threads';
import type { CastHeader } from './cast-writer.js';
import { RecordingConversion, type RecordingFile } from './recording-conversion.js';

/** Messages to the worker. A batch is packed by RecordBatch and transferred, not copied. */
export type ToRecordingWorker =
  | { type: 'start'; id: string; castPath: string; inputPath: string; header: CastHeader }
  | { type: 'records'; id: string; batch: Uint8Array }
  | { type: 'finish'; id: string };

/** Messages from the worker. Progress is coalesced: at most one message per PROGRESS_EVERY_MS. */
export type FromRecordingWorker =
  | { type: 'progress'; updates: RecordingProgress[] }
  | { type: 'failed'; id: string; file: RecordingFile; reason: string }
  | { type: 'finished'; id: string; castBytes: number; inputBytes: number };

export interface RecordingProgress {
  id: string;
  /** Batch bytes converted so far. */
  applied: number;
  /** Bytes of whole lines in each file so far. */
  castBytes: number;
  inputBytes: number;
}

/**
 * How stale the session thread's view of a recording may be: its files' whole-line sizes (what
 * a live download serves) and how much output still waits for the worker (bounded by 16 MiB,
 * which this lag reaches only above 64 MB/s). Coalescing keeps the session thread from waking
 * up for every write: at most four messages a second, for all recordings together.
 */
const PROGRESS_EVERY_MS = 250;

const port = parentPort;
if (!port) throw new Error('recording-worker.ts runs as a worker thread (WorkerRecordingConverter starts it)');

interface Recording {
  conversion: RecordingConversion;
  progress: RecordingProgress;
}

const recordings = new Map<string, Recording>();
const changed = new Set<Recording>();
let reporting = false;

function post(message: FromRecordingWorker): void {
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

function start(message: Extract<ToRecordingWorker, { type: 'start' }>): void {
  const { id } = message;
  const progress: RecordingProgress = { id, applied: 0, castBytes: 0, inputBytes: 0 };
  const recording: Recording = {
    progress,
    conversion: new RecordingConversion({
      castPath: message.castPath,
      inputPath: message.inputPath,
      header: message.header,
      onFailure: (file, reason) => post({ type: 'failed', id, file, reason }),
      onWritten: (file, bytes) => {
        if (file === 'cast') progress.castBytes = bytes;
        else progress.inputBytes = bytes;
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
    post({ type: 'failed', id, file: 'cast', reason: `the recording could not be converted: ${error instanceof Error ? error.message : String(error)}` });
  }
  recording.progress.applied += batch.byteLength;
  reportLater(recording);
}

function finish(id: string): void {
  const recording = recordings.get(id);
  if (!recording) return;
  recordings.delete(id);
  changed.delete(recording);
  void recording.conversion.finish().then((bytes) => post({ type: 'finished', id, ...bytes }));
}

port.on('message', (message: ToRecordingWorker) => {
  switch (message.type) {
    case 'start':
      start(message);
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
