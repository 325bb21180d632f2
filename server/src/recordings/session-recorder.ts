/**
 * Records every shell session: an asciicast v2 file of what the terminal showed, and beside it
 * an input trail of who typed what. A recording never gets in a session's way; when its disk
 * fails it stops, says why (row, audit trail, a notice in the terminal) and the session goes on.
 * On the session's thread output, resizes and keystrokes are only stamped and batched
 * (record-batch.ts); a worker thread decodes and writes both files (recording-converter.ts).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, describeTarget, type RecordingInfo, type ResolvedTarget } from '@sonde/shared';
import { SYSTEM_ACTOR, type AuditLog } from '../audit/audit-log.js';
import { ApiError } from '../http/api-error.js';
import type { SessionObserver } from '../sessions/session.js';
import type { PolicyScope } from '../policy/target-policy.js';
import type { Database } from '../store/database.js';
import { RecordingClock } from './cast-writer.js';
import { MAX_PENDING_BYTES, describeWriteError } from './line-appender.js';
import { RecordBatcher } from './record-batch.js';
import type { RecordingFile } from './recording-conversion.js';
import { WorkerRecordingConverter, type RecordingChannel, type RecordingConverter } from './recording-converter.js';
import { RecordingStore, toRecordingInfo, type RecordingRow } from './recording-store.js';

/** What the recorder needs of a session (Session has all of it). */
export interface RecordedSession {
  readonly id: string;
  readonly target: ResolvedTarget;
  readonly scope: PolicyScope;
  readonly terminalSize: { cols: number; rows: number };
  readonly endedAt: Date | undefined;
  readonly clientCount: number;
  observe(observer: SessionObserver): () => void;
  notify(level: 'info' | 'warning', message: string): void;
}

export interface SessionRecorderOptions {
  db: Database;
  audit: Pick<AuditLog, 'record'>;
  /** Recordings live in `<dataDir>/recordings/`. */
  dataDir: string;
  /** SONDE_RECORDING_FAILURE: `refuse` makes assertCanRecord refuse sessions while recordings cannot be written. */
  failureMode: 'continue' | 'refuse';
  log: { warn(obj: object, msg: string): void };
  /** Below this much free space the recordings directory counts as full (refuse mode). */
  minFreeBytes?: number;
  /** Writes the files; default: a worker thread (tests convert on their own thread, over a failing disk). */
  converter?: RecordingConverter;
  /** Monotonic milliseconds, for event times. */
  now?: () => number;
}

export const INTERRUPTED = 'the console stopped before the recording was finished';

/** Room for a few minutes of a busy terminal; less than this and a new recording would fail at once. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * A batch of output goes to the worker at FLUSH_BYTES, or with the first output FLUSH_AFTER_MS
 * after the batch began, or IDLE_FLUSH_MS after it began when output stopped (record-batch.ts).
 * Larger batches cost the session's thread fewer messages (each ~10 µs); the times bound how far
 * a live download lags (it is served up to the last line written) and what a killed console
 * loses. Per flooding session at most FLUSH_BYTES plus one chunk wait here.
 */
export const FLUSH_BYTES = 256 * 1024;
export const FLUSH_AFTER_MS = 50;
export const IDLE_FLUSH_MS = 250;

export class SessionRecorder {
  readonly directory: string;
  private readonly store: RecordingStore;
  private readonly active = new Map<string, SessionRecording>();
  private readonly finishing = new Set<Promise<void>>();
  private readonly converter: RecordingConverter;

  constructor(private readonly options: SessionRecorderOptions) {
    this.directory = path.join(options.dataDir, 'recordings');
    this.converter = options.converter ?? new WorkerRecordingConverter();
    this.store = new RecordingStore(options.db);
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      // Casts hold everything anyone typed and saw: only the console's user may read them.
      chmodSync(this.directory, 0o700);
    } catch (error) {
      // Not fatal: each recording then fails and says why; `refuse` mode refuses sessions.
      options.log.warn({ dir: this.directory, err: describeWriteError(error, this.directory) }, 'the recordings directory is not usable');
    }
    this.recoverInterrupted();
  }

  /** Starts recording a session; called before any client attaches, so the cast has its first byte. */
  record(session: RecordedSession): void {
    const id = randomBytes(16).toString('hex');
    const startedAt = new Date();
    const target = describeTarget(session.target);
    try {
      this.store.insert({ id, sessionId: session.id, target, access: { target: session.target, scope: session.scope }, startedAt: startedAt.toISOString(), file: castFileName(id) });
    } catch (error) {
      // The database itself is unwritable (its disk is full too): nothing to attach a recording to.
      this.options.log.warn({ session: session.id, err: error instanceof Error ? error.message : String(error) }, 'could not start a recording');
      session.notify('warning', 'This session is not being recorded: the console could not store the recording.');
      return;
    }
    const recording = new SessionRecording({
      id,
      session,
      target,
      startedAt,
      castPath: this.castPath(id),
      inputPath: this.inputPath(id),
      converter: this.converter,
      ...(this.options.now ? { now: this.options.now } : {}),
      onFailure: (reason) => this.recordFailure(recording, reason),
      onEnded: () => this.finish(recording),
    });
    this.active.set(id, recording);
  }

  /**
   * Puts a marker on the timeline of a session's live recording (a tool run from its drawer
   * started or ended). Returns whether one was being recorded; a stopped recording takes none.
   */
  mark(sessionId: string, label: string): boolean {
    for (const recording of this.active.values()) {
      if (recording.sessionId === sessionId) return recording.mark(label);
    }
    return false;
  }

  /** `readable` decides per recording (host recordings are for admins only; see recording-routes). */
  list(query: { sessionId?: string }, readable: (row: RecordingRow) => boolean): RecordingInfo[] {
    return this.store
      .list(query)
      .filter((row) => readable(row))
      .map((row) => this.info(row));
  }

  get(id: string, readable: (row: RecordingRow) => boolean): RecordingInfo | undefined {
    const row = this.store.get(id);
    return row && readable(row) ? this.info(row) : undefined;
  }

  /**
   * Where a recording's files are and how much of them is whole lines. A live recording is
   * read only up to the last line it finished writing, so a download always parses.
   */
  files(
    id: string,
    readable: (row: RecordingRow) => boolean,
  ): { sessionId: string; cast: { path: string; bytes: number }; input: { path: string; bytes: number | undefined } } | undefined {
    const row = this.store.get(id);
    if (!row || !readable(row)) return undefined;
    const live = this.active.get(id);
    return {
      sessionId: row.sessionId,
      cast: { path: path.join(this.directory, row.file), bytes: live ? live.castBytes : row.bytes },
      input: { path: this.inputPath(id), bytes: live ? live.inputBytes : undefined },
    };
  }

  /**
   * In `refuse` mode, throws 507 RECORDING_UNAVAILABLE while recordings cannot be written (the
   * directory is missing, read-only or full). Call it before creating a session; it is
   * synchronous and cheap (an access and a statfs call).
   */
  assertCanRecord(): void {
    if (this.options.failureMode !== 'refuse') return;
    const problem = this.storageProblem();
    if (problem) {
      throw new ApiError(
        507,
        ErrorCode.RecordingUnavailable,
        `Sessions must be recorded here, and recordings cannot be written now: ${problem}. Free space in ${this.directory}, or set SONDE_RECORDING_FAILURE=continue.`,
      );
    }
  }

  /** Why a new recording would fail right now, or undefined when it would not. */
  storageProblem(): string | undefined {
    try {
      accessSync(this.directory, constants.W_OK);
      const stats = statfsSync(this.directory);
      const free = stats.bavail * stats.bsize;
      const minimum = this.options.minFreeBytes ?? MIN_FREE_BYTES;
      if (free < minimum) return `the disk is full (${Math.floor(free / 1024)} KiB free, at least ${Math.ceil(minimum / 1024)} KiB needed)`;
      return undefined;
    } catch (error) {
      return describeWriteError(error, this.directory);
    }
  }

  /**
   * Finishes every recording (after the sessions ended) so the database is closed with none
   * open, then stops the recording worker (a later recording starts it again).
   */
  async finishAll(): Promise<void> {
    for (const recording of [...this.active.values()]) void this.finish(recording);
    await Promise.all([...this.finishing]);
    if (this.active.size === 0) await this.converter.close();
  }

  private info(row: RecordingRow): RecordingInfo {
    return toRecordingInfo(row, this.active.get(row.id)?.castBytes);
  }

  private castPath(id: string): string {
    return path.join(this.directory, castFileName(id));
  }

  private inputPath(id: string): string {
    return path.join(this.directory, `${id}.input.jsonl`);
  }

  private finish(recording: SessionRecording): Promise<void> {
    if (!this.active.delete(recording.id)) return Promise.resolve();
    const work = recording
      .finish()
      .then((result) => this.store.finish(recording.id, result))
      .catch((error: unknown) => {
        this.options.log.warn({ recording: recording.id, err: error instanceof Error ? error.message : String(error) }, 'could not finish a recording');
      })
      .finally(() => this.finishing.delete(work));
    this.finishing.add(work);
    return work;
  }

  private recordFailure(recording: SessionRecording, reason: string): void {
    const { log, audit } = this.options;
    log.warn({ recording: recording.id, session: recording.sessionId, reason }, 'recording stopped');
    try {
      this.store.markFailed(recording.id, reason);
    } catch (error) {
      log.warn({ recording: recording.id, err: error instanceof Error ? error.message : String(error) }, 'could not mark the recording incomplete');
    }
    try {
      audit.record({ actor: SYSTEM_ACTOR, action: 'recording-failed', sessionId: recording.sessionId, target: recording.target, detail: { recording: recording.id, reason } });
    } catch (error) {
      log.warn({ recording: recording.id, err: error instanceof Error ? error.message : String(error) }, 'could not audit the recording failure');
    }
  }

  /**
   * Recordings a killed console left open: their files end wherever the last write stopped,
   * possibly mid-line, so each is cut back to its last whole line (still a valid cast) and the
   * row is ended and marked incomplete.
   */
  private recoverInterrupted(): void {
    const unfinished = this.store.unfinished();
    for (const row of unfinished) {
      try {
        const cast = cutToLastLine(path.join(this.directory, row.file));
        cutToLastLine(this.inputPath(row.id));
        const endedAt = cast.modifiedAt && cast.modifiedAt.getTime() >= Date.parse(row.startedAt) ? cast.modifiedAt.toISOString() : row.startedAt;
        this.store.finish(row.id, { endedAt, bytes: cast.bytes, complete: false, error: INTERRUPTED });
      } catch (error) {
        this.options.log.warn({ recording: row.id, err: error instanceof Error ? error.message : String(error) }, 'could not recover an interrupted recording');
      }
    }
    if (unfinished.length > 0) this.options.log.warn({ count: unfinished.length }, 'marked recordings of a stopped console incomplete');
  }
}

function castFileName(id: string): string {
  return `${id}.cast`;
}

interface SessionRecordingOptions {
  id: string;
  session: RecordedSession;
  target: string;
  startedAt: Date;
  castPath: string;
  inputPath: string;
  converter: RecordingConverter;
  now?: () => number;
  onFailure(reason: string): void;
  onEnded(): void;
}

/**
 * One session's cast and input trail while it runs: output, resizes and keystrokes are stamped
 * and batched here, and written by the converter. A file that failed gets no more records; the
 * other goes on.
 */
class SessionRecording {
  readonly id: string;
  readonly sessionId: string;
  readonly target: string;
  private readonly session: RecordedSession;
  private readonly files: RecordingChannel;
  private readonly batcher: RecordBatcher;
  private readonly clock: RecordingClock;
  private readonly stopped = new Set<RecordingFile>();
  private readonly stopObserving: () => void;
  private failure: string | undefined;
  /** The warning for participants, until someone was there to see it. */
  private undeliveredWarning: string | undefined;

  constructor(private readonly options: SessionRecordingOptions) {
    this.id = options.id;
    this.session = options.session;
    this.sessionId = options.session.id;
    this.target = options.target;
    const size = options.session.terminalSize;
    this.files = options.converter.open({
      id: options.id,
      castPath: options.castPath,
      inputPath: options.inputPath,
      header: {
        width: size.cols,
        height: size.rows,
        startedAt: options.startedAt,
        title: `Sonde: ${options.target} (session ${options.session.id.slice(0, 8)})`,
      },
      onFailure: (file, reason) => {
        this.stopped.add(file);
        if (this.stopped.size === 2) this.batcher.abandon();
        this.fail(file === 'cast' ? reason : `the input trail stopped: ${reason}`);
      },
    });
    this.batcher = new RecordBatcher({ flushBytes: FLUSH_BYTES, flushAfterMs: FLUSH_AFTER_MS, idleFlushMs: IDLE_FLUSH_MS, send: (batch) => this.send(batch) });
    this.clock = new RecordingClock(options.now);
    this.stopObserving = options.session.observe({
      output: (chunk) => {
        if (!this.stopped.has('cast')) this.batcher.output(this.clock.elapsedMs(), chunk);
      },
      resize: (cols, rows) => {
        if (!this.stopped.has('cast')) this.batcher.resize(this.clock.elapsedMs(), cols, rows);
      },
      input: (participant, data) => {
        if (!this.stopped.has('input')) this.batcher.input(this.clock.elapsedMs(), participant, data);
      },
      joined: () => this.deliverWarning(),
      ended: () => options.onEnded(),
    });
  }

  mark(label: string): boolean {
    if (this.stopped.has('cast')) return false;
    this.batcher.marker(this.clock.elapsedMs(), label);
    return true;
  }

  get castBytes(): number {
    return this.files.castBytes;
  }

  get inputBytes(): number {
    return this.files.inputBytes;
  }

  /** Flushes and closes both files; resolves with what the row should say. */
  async finish(): Promise<{ endedAt: string; bytes: number; complete: boolean; error?: string }> {
    const endedAt = (this.session.endedAt ?? new Date()).toISOString();
    this.stopObserving();
    this.batcher.dispose();
    const files = await this.files.finish();
    if (files.lost) this.cutAfterLoss(this.options.inputPath);
    const bytes = files.lost ? (this.cutAfterLoss(this.options.castPath) ?? files.castBytes) : files.castBytes;
    return { endedAt, bytes, complete: this.failure === undefined, ...(this.failure ? { error: this.failure } : {}) };
  }

  /** A converter that died may have left half a line: cut it off, as at a restart. Returns the size kept. */
  private cutAfterLoss(file: string): number | undefined {
    try {
      return cutToLastLine(file).bytes;
    } catch {
      return undefined;
    }
  }

  /**
   * Hands a batch to the converter unless too much already waits for it: a converter (or disk)
   * that cannot keep up stops the recording instead of growing the console's memory.
   */
  private send(batch: Buffer): void {
    if (this.files.pending + batch.length > MAX_PENDING_BYTES) {
      this.batcher.abandon();
      this.stopped.add('cast').add('input');
      this.fail(`the disk did not keep up: more than ${Math.round(MAX_PENDING_BYTES / 1024 / 1024)} MiB of output waited to be written`);
      return;
    }
    this.files.send(batch);
  }

  private fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.options.onFailure(reason);
    this.undeliveredWarning = `Recording stopped: ${reason}. The session goes on; its recording is incomplete.`;
    this.deliverWarning();
  }

  private deliverWarning(): void {
    if (this.undeliveredWarning === undefined || this.session.clientCount === 0) return;
    this.session.notify('warning', this.undeliveredWarning);
    this.undeliveredWarning = undefined;
  }
}

/** Cuts a file back to just after its last newline; returns its size then (0 when it is missing). */
export function cutToLastLine(file: string): { bytes: number; modifiedAt: Date | undefined } {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, modifiedAt: undefined };
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    const block = Buffer.alloc(64 * 1024);
    let end = stats.size;
    let keep = 0;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const read = readSync(fd, block, 0, end - start, start);
      const newline = block.subarray(0, read).lastIndexOf(0x0a);
      if (newline >= 0) {
        keep = start + newline + 1;
        break;
      }
      end = start;
    }
    if (keep !== stats.size) ftruncateSync(fd, keep);
    return { bytes: keep, modifiedAt: stats.mtime };
  } finally {
    closeSync(fd);
  }
}
