/**
 * Appends whole lines to a file without ever making its writer wait: lines queue in memory and
 * go out in batches, one write at a time. The first failure (disk full) stops it for good and
 * cuts the file back to its last whole line, so what is on disk always parses line by line.
 */
import { open } from 'node:fs/promises';

/** The part of a file handle the appender uses; tests substitute a failing one. */
export interface AppendTarget {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenAppendTarget = (path: string) => Promise<AppendTarget>;

/** A new file only: two recordings never share one, and a stale file is never appended to. */
export const openNewFile: OpenAppendTarget = (path) => open(path, 'wx', 0o600);

/**
 * Output can outpace a slow disk for a while; beyond this much waiting in memory the recording
 * gives up rather than grow the console's memory without bound.
 */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export interface LineAppenderOptions {
  path: string;
  /** Called once, on the first failure, with a sentence for humans. Nothing is written afterwards. */
  onFailure(reason: string): void;
  /** Called after each successful write with the bytes of whole lines on disk. */
  onWritten?(bytes: number): void;
  openTarget?: OpenAppendTarget;
  maxPendingBytes?: number;
}

const NEWLINE = 0x0a;

export class LineAppender {
  private target: AppendTarget | undefined;
  private readonly opened: Promise<void>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  /** Bytes on disk, all of them whole lines. */
  private written = 0;
  private failure: string | undefined;
  private closing: Promise<void> | undefined;
  private readonly maxPendingBytes: number;

  constructor(private readonly options: LineAppenderOptions) {
    this.maxPendingBytes = options.maxPendingBytes ?? MAX_PENDING_BYTES;
    this.opened = (options.openTarget ?? openNewFile)(options.path).then(
      (target) => {
        this.target = target;
        this.schedule();
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** Bytes of whole lines on disk so far. */
  get bytes(): number {
    return this.written;
  }

  /** Why writing stopped, once it has. */
  get failed(): string | undefined {
    return this.failure;
  }

  /** Queues one line (without its newline). Never throws, never waits; ignored after a failure or close. */
  append(line: string): void {
    if (this.failure !== undefined || this.closing) return;
    const buffer = Buffer.from(`${line}\n`, 'utf8');
    this.pending.push(buffer);
    this.pendingBytes += buffer.length;
    if (this.pendingBytes > this.maxPendingBytes) {
      this.fail(new Error(`the disk did not keep up: more than ${Math.round(this.maxPendingBytes / 1024 / 1024)} MiB of output waited to be written`));
      return;
    }
    this.schedule();
  }

  /** Writes what is queued, then closes the file. Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.opened;
      while (this.writing) await this.writing;
      await this.target?.close().catch(() => undefined);
      this.target = undefined;
    })();
    return this.closing;
  }

  private schedule(): void {
    if (this.writing || !this.target || this.pending.length === 0 || this.failure !== undefined) return;
    const target = this.target;
    this.writing = this.writeBatch(target).finally(() => {
      this.writing = undefined;
      this.schedule();
    });
  }

  private async writeBatch(target: AppendTarget): Promise<void> {
    const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let done = 0;
    try {
      while (done < batch.length) {
        const { bytesWritten } = await target.write(batch, done, batch.length - done, this.written + done);
        if (bytesWritten <= 0) throw Object.assign(new Error('the disk accepted no more bytes'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
      this.written += done;
      this.options.onWritten?.(this.written);
    } catch (error) {
      // A batch is whole lines, so keep what was written up to its last newline.
      const lastNewline = batch.subarray(0, done).lastIndexOf(NEWLINE);
      this.written += lastNewline + 1;
      this.fail(error);
      await target.truncate(this.written).catch(() => undefined);
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = describeWriteError(error, this.options.path);
    this.pending = [];
    this.pendingBytes = 0;
    this.options.onFailure(this.failure);
  }
}

/** A sentence for the UI and the audit trail; the errno code stays for whoever searches logs. */
export function describeWriteError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return 'the disk quota is used up (EDQUOT)';
    case 'EROFS':
      return 'the disk is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `no permission to write ${path} (${code})`;
    case 'ENOENT':
      return `the recordings directory is gone (${code})`;
    default:
      return error instanceof Error ? `writing failed: ${error.message}` : 'writing failed';
  }
}
