/**
 * Where record batches become a recording's files (cast and input trail).
 * WorkerRecordingConverter (production) does it on a worker thread; InlineRecordingConverter on
 * the session's thread, one batch per event-loop turn: the alternative the worker was measured
 * against (server/bench/recorder-bench.ts), and what tests use to put a failing disk under a
 * recording (a worker cannot be handed a function).
 */
import { Worker } from 'node:worker_threads';
import type { CastHeader } from './cast-writer.js';
import type { OpenAppendTarget } from './line-appender.js';
import { RecordingConversion, type RecordingFile } from './recording-conversion.js';
import type { FromRecordingWorker, ToRecordingWorker } from './recording-worker.js';

export interface RecordingOpenOptions {
  /** The recording's id: unique among those open. */
  id: string;
  castPath: string;
  inputPath: string;
  header: CastHeader;
  /** Called at most once per file: writing it stopped (disk full, the worker died); it keeps its whole lines. */
  onFailure(file: RecordingFile, reason: string): void;
}

export interface RecordingFilesResult {
  castBytes: number;
  inputBytes: number;
  /** The converter died first: the files may end mid-line, and the sizes are the last whole-line sizes it reported. */
  lost: boolean;
}

export interface RecordingChannel {
  /** Bytes of whole lines in each file so far (what a download of a live recording serves). */
  readonly castBytes: number;
  readonly inputBytes: number;
  /** Batch bytes sent and not converted yet. */
  readonly pending: number;
  /** Hands over a batch packed by RecordBatch; the caller must not use it afterwards (it is transferred). */
  send(batch: Buffer): void;
  /** Converts what was sent, ends the files and closes them. */
  finish(): Promise<RecordingFilesResult>;
}

export interface RecordingConverter {
  open(options: RecordingOpenOptions): RecordingChannel;
  /** Stops the converter once no recording is open (the console is stopping). Idempotent; opening again restarts it. */
  close(): Promise<void>;
}

/** A recording being written by the worker, as the session's thread sees it. */
class WorkerChannel implements RecordingChannel {
  castBytes = 0;
  inputBytes = 0;
  /** Batch bytes sent, and converted as the worker last reported. */
  sent = 0;
  applied = 0;
  private readonly failed = new Set<RecordingFile>();
  private result: ((result: RecordingFilesResult) => void) | undefined;
  private finishing: Promise<RecordingFilesResult> | undefined;

  constructor(
    readonly options: RecordingOpenOptions,
    private post: ((message: ToRecordingWorker, transfer?: ArrayBuffer[]) => void) | undefined,
  ) {}

  get pending(): number {
    return this.sent - this.applied;
  }

  send(batch: Buffer): void {
    if (this.failed.size === 2 || this.finishing || !this.post) return;
    this.sent += batch.length;
    this.post({ type: 'records', id: this.options.id, batch }, [batch.buffer as ArrayBuffer]);
  }

  finish(): Promise<RecordingFilesResult> {
    this.finishing ??= new Promise((resolve) => {
      if (!this.post) return resolve({ castBytes: this.castBytes, inputBytes: this.inputBytes, lost: true });
      this.result = resolve;
      this.post({ type: 'finish', id: this.options.id });
    });
    return this.finishing;
  }

  fail(file: RecordingFile, reason: string): void {
    if (this.failed.has(file)) return;
    this.failed.add(file);
    this.options.onFailure(file, reason);
  }

  /** The worker finished the files (`lost`: or died first); the channel is done either way. */
  settle(sizes: { castBytes: number; inputBytes: number }, lost: boolean): void {
    this.castBytes = sizes.castBytes;
    this.inputBytes = sizes.inputBytes;
    this.applied = this.sent;
    this.result?.({ castBytes: sizes.castBytes, inputBytes: sizes.inputBytes, lost });
    this.result = undefined;
    // Nothing more goes to the worker for this recording; a finish() after the worker died answers at once.
    this.post = undefined;
  }
}

/** One worker thread for all recordings; started by the first, stopped by close(). */
export class WorkerRecordingConverter implements RecordingConverter {
  private worker: Worker | undefined;
  private readonly channels = new Map<string, WorkerChannel>();

  /** `spawn`: starts the worker (tests wrap it to hold on to the thread and stop it). */
  constructor(private readonly options: { spawn?: () => Worker } = {}) {}

  open(options: RecordingOpenOptions): RecordingChannel {
    // Messages posted while the thread starts (tens of ms) wait in its port.
    const worker = (this.worker ??= this.spawn());
    const channel = new WorkerChannel(options, (message, transfer) => worker.postMessage(message, transfer));
    this.channels.set(options.id, channel);
    worker.postMessage({
      type: 'start',
      id: options.id,
      castPath: options.castPath,
      inputPath: options.inputPath,
      header: options.header,
    } satisfies ToRecordingWorker);
    return channel;
  }

  async close(): Promise<void> {
    if (this.channels.size > 0 || !this.worker) return;
    const worker = this.worker;
    this.worker = undefined;
    await worker.terminate();
  }

  private spawn(): Worker {
    const worker = (this.options.spawn ?? spawnRecordingWorker)();
    // Never the reason a process stays up: the console closes it, and a test that forgets to is not held.
    worker.unref();
    let crash: string | undefined;
    worker.on('message', (message: FromRecordingWorker) => this.received(message));
    worker.on('error', (error) => (crash ??= error.message));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // closed on purpose
      this.worker = undefined;
      this.lost(crash ?? `it exited with code ${code}`);
    });
    return worker;
  }

  private received(message: FromRecordingWorker): void {
    switch (message.type) {
      case 'progress':
        for (const update of message.updates) {
          const channel = this.channels.get(update.id);
          if (!channel) continue;
          channel.castBytes = update.castBytes;
          channel.inputBytes = update.inputBytes;
          channel.applied = update.applied;
        }
        break;
      case 'failed':
        this.channels.get(message.id)?.fail(message.file, message.reason);
        break;
      case 'finished':
        this.channels.get(message.id)?.settle(message, false);
        this.channels.delete(message.id);
        break;
      default: {
        const unknown: never = message;
        throw new Error(`unknown message ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The worker died: every open recording stops where its files' last reported whole lines ended. */
  private lost(reason: string): void {
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) {
      for (const file of ['cast', 'input'] as const) channel.fail(file, `the recording worker stopped (${reason})`);
      channel.settle(channel, true);
    }
  }
}

/**
 * The worker's entry beside this module: compiled JavaScript in dist/. Under vitest this module
 * is TypeScript source, which Node 20 cannot load in a worker by itself; tsx (a dev dependency)
 * compiles the entry then.
 */
export function spawnRecordingWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./recording-worker.js', import.meta.url));
  const entry = new URL('./recording-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `const { tsImport } = await import(${JSON.stringify(tsx)}); await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** Converts on the calling thread, one batch per event-loop turn (setImmediate) so other work interleaves. */
export class InlineRecordingConverter implements RecordingConverter {
  constructor(private readonly options: { openTarget?: OpenAppendTarget } = {}) {}

  open(options: RecordingOpenOptions): RecordingChannel {
    const failed = new Set<RecordingFile>();
    const conversion = new RecordingConversion({
      castPath: options.castPath,
      inputPath: options.inputPath,
      header: options.header,
      onFailure: (file, reason) => {
        failed.add(file);
        options.onFailure(file, reason);
      },
      onWritten: () => undefined,
      ...(this.options.openTarget ? { openTarget: this.options.openTarget } : {}),
    });
    const queue: Buffer[] = [];
    let pending = 0;
    let draining: Promise<void> | undefined;
    const drain = async () => {
      while (queue.length > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        const batch = queue.shift()!;
        conversion.apply(batch);
        pending -= batch.length;
      }
      draining = undefined;
    };
    return {
      get castBytes() {
        return conversion.castBytes;
      },
      get inputBytes() {
        return conversion.inputBytes;
      },
      get pending() {
        return pending;
      },
      send(batch) {
        if (failed.size === 2) return;
        queue.push(batch);
        pending += batch.length;
        draining ??= drain();
      },
      async finish() {
        while (draining) await draining;
        return { ...(await conversion.finish()), lost: false };
      },
    };
  }

  async close(): Promise<void> {}
}
