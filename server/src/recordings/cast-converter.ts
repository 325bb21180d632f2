/**
 * Where record batches become .cast files. WorkerCastConverter (production) does it on a
 * worker thread; InlineCastConverter on the session's thread, one batch per event-loop turn:
 * the alternative the worker was measured against (server/bench/recorder-bench.ts), and what
 * tests use to put a failing disk under a cast (a worker cannot be handed a function).
 */
import { Worker } from 'node:worker_threads';
import { CastConversion } from './cast-conversion.js';
import type { FromCastWorker, ToCastWorker } from './cast-worker.js';
import type { CastHeader } from './cast-writer.js';
import type { OpenAppendTarget } from './line-appender.js';

export interface CastOpenOptions {
  /** The recording's id: unique among those open. */
  id: string;
  path: string;
  header: CastHeader;
  /** Called at most once: writing stopped (disk full, the worker died); the cast keeps its whole lines. */
  onFailure(reason: string): void;
}

export interface CastChannel {
  /** Bytes of whole lines in the file so far (what a download of a live recording serves). */
  readonly bytes: number;
  /** Batch bytes sent and not converted yet. */
  readonly pending: number;
  /** Hands over a batch packed by RecordBatch; the caller must not use it afterwards (it is transferred). */
  send(batch: Buffer): void;
  /**
   * Converts what was sent, ends the cast and closes it. `lost`: the converter died first, so
   * the file may end mid-line and `bytes` is the last whole-line size it reported.
   */
  finish(): Promise<{ bytes: number; lost: boolean }>;
}

export interface CastConverter {
  /** Gets ready now (starts the worker), so the first recording does not wait for that. */
  start(): void;
  open(options: CastOpenOptions): CastChannel;
  /** Stops the converter once no cast is open (the console is stopping). Idempotent; opening again restarts it. */
  close(): Promise<void>;
}

/** A cast being written by the worker, as the session's thread sees it. */
class WorkerChannel implements CastChannel {
  bytes = 0;
  /** Batch bytes sent, and converted as the worker last reported. */
  sent = 0;
  applied = 0;
  failed = false;
  private result: ((result: { bytes: number; lost: boolean }) => void) | undefined;
  private finishing: Promise<{ bytes: number; lost: boolean }> | undefined;

  constructor(
    readonly options: CastOpenOptions,
    private post: ((message: ToCastWorker, transfer?: ArrayBuffer[]) => void) | undefined,
  ) {}

  get pending(): number {
    return this.sent - this.applied;
  }

  send(batch: Buffer): void {
    if (this.failed || this.finishing || !this.post) return;
    this.sent += batch.length;
    this.post({ type: 'records', id: this.options.id, batch }, [batch.buffer as ArrayBuffer]);
  }

  finish(): Promise<{ bytes: number; lost: boolean }> {
    this.finishing ??= new Promise((resolve) => {
      if (!this.post) return resolve({ bytes: this.bytes, lost: true });
      this.result = resolve;
      this.post({ type: 'finish', id: this.options.id });
    });
    return this.finishing;
  }

  fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onFailure(reason);
  }

  /** The worker finished the file (`lost`: or died first); the channel is done either way. */
  settle(bytes: number, lost: boolean): void {
    this.bytes = bytes;
    this.applied = this.sent;
    this.result?.({ bytes, lost });
    this.result = undefined;
    // Nothing more goes to the worker for this cast; a finish() after the worker died answers at once.
    this.post = undefined;
  }
}

/** One worker thread for all recordings; started on the first, stopped by close(). */
export class WorkerCastConverter implements CastConverter {
  private worker: Worker | undefined;
  private readonly channels = new Map<string, WorkerChannel>();

  /** `spawn`: starts the worker (tests wrap it to hold on to the thread and stop it). */
  constructor(private readonly options: { spawn?: () => Worker } = {}) {}

  start(): void {
    this.worker ??= this.spawn();
  }

  open(options: CastOpenOptions): CastChannel {
    this.start();
    const worker = this.worker!;
    const channel = new WorkerChannel(options, (message, transfer) => worker.postMessage(message, transfer));
    this.channels.set(options.id, channel);
    worker.postMessage({ type: 'start', id: options.id, path: options.path, header: options.header } satisfies ToCastWorker);
    return channel;
  }

  async close(): Promise<void> {
    if (this.channels.size > 0 || !this.worker) return;
    const worker = this.worker;
    this.worker = undefined;
    await worker.terminate();
  }

  private spawn(): Worker {
    const worker = (this.options.spawn ?? spawnCastWorker)();
    // Never the reason a process stays up: the console closes it, and a test that forgets to is not held.
    worker.unref();
    let crash: string | undefined;
    worker.on('message', (message: FromCastWorker) => this.received(message));
    worker.on('error', (error) => (crash ??= error.message));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // closed on purpose
      this.worker = undefined;
      this.lost(crash ?? `it exited with code ${code}`);
    });
    return worker;
  }

  private received(message: FromCastWorker): void {
    switch (message.type) {
      case 'progress':
        for (const update of message.updates) {
          const channel = this.channels.get(update.id);
          if (!channel) continue;
          channel.bytes = update.bytes;
          channel.applied = update.applied;
        }
        break;
      case 'failed':
        this.channels.get(message.id)?.fail(message.reason);
        break;
      case 'finished':
        this.channels.get(message.id)?.settle(message.bytes, false);
        this.channels.delete(message.id);
        break;
      default: {
        const unknown: never = message;
        throw new Error(`unknown message ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The worker died: every open cast stops where its last reported whole line ended. */
  private lost(reason: string): void {
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) {
      channel.fail(`the recording worker stopped (${reason})`);
      channel.settle(channel.bytes, true);
    }
  }
}

/**
 * The worker's entry beside this module: compiled JavaScript in dist/. Under vitest this module
 * is TypeScript source, which Node 20 cannot load in a worker by itself; tsx (a dev dependency)
 * compiles the entry then.
 */
export function spawnCastWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./cast-worker.js', import.meta.url));
  const entry = new URL('./cast-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `const { tsImport } = await import(${JSON.stringify(tsx)}); await tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** Converts on the calling thread, one batch per event-loop turn (setImmediate) so other work interleaves. */
export class InlineCastConverter implements CastConverter {
  constructor(private readonly options: { openTarget?: OpenAppendTarget } = {}) {}

  start(): void {}

  open(options: CastOpenOptions): CastChannel {
    let failed = false;
    const conversion = new CastConversion({
      path: options.path,
      header: options.header,
      onFailure: (reason) => {
        failed = true;
        options.onFailure(reason);
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
      get bytes() {
        return conversion.bytes;
      },
      get pending() {
        return pending;
      },
      send(batch) {
        if (failed) return;
        queue.push(batch);
        pending += batch.length;
        draining ??= drain();
      },
      async finish() {
        while (draining) await draining;
        return { bytes: await conversion.finish(), lost: false };
      },
    };
  }

  async close(): Promise<void> {}
}
