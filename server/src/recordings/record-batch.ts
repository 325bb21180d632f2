/**
 * How a session's output reaches the cast worker: length-prefixed binary records, batched. On
 * the session's thread a chunk costs a few array pushes; one copy per batch packs it.
 *
 * A record is `kind u8 | at f64 LE | length u32 LE | payload`: `at` is milliseconds since the
 * recording began (the chunk's arrival, on the session's monotonic clock); an output payload is
 * the bytes as the shell wrote them, a resize payload `cols u16 LE | rows u16 LE`.
 */

export const RECORD_HEADER_BYTES = 13;

const OUTPUT = 1;
const RESIZE = 2;

export type CastRecord = { kind: 'output'; at: number; data: Buffer } | { kind: 'resize'; at: number; cols: number; rows: number };

/** Records waiting to be packed; holds references to the chunks until then (the session's replay buffer holds them too). */
export class RecordBatch {
  private kinds: number[] = [];
  private times: number[] = [];
  private payloads: Buffer[] = [];
  private size = 0;

  /** Bytes the packed batch will have. */
  get bytes(): number {
    return this.size;
  }

  get count(): number {
    return this.kinds.length;
  }

  output(at: number, chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.push(OUTPUT, at, chunk);
  }

  resize(at: number, cols: number, rows: number): void {
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt16LE(cols, 0);
    payload.writeUInt16LE(rows, 2);
    this.push(RESIZE, at, payload);
  }

  /**
   * Packs the records into one buffer that owns its whole ArrayBuffer (so it can be transferred
   * to the worker, never a slice of Node's shared pool) and starts an empty batch.
   */
  take(): Buffer | undefined {
    if (this.kinds.length === 0) return undefined;
    const packed = Buffer.allocUnsafeSlow(this.size);
    let offset = 0;
    for (let i = 0; i < this.kinds.length; i++) {
      const payload = this.payloads[i]!;
      offset = packed.writeUInt8(this.kinds[i]!, offset);
      offset = packed.writeDoubleLE(this.times[i]!, offset);
      offset = packed.writeUInt32LE(payload.length, offset);
      offset += payload.copy(packed, offset);
    }
    // New arrays rather than emptied ones: a flood's large arrays are not kept by an idle session.
    this.kinds = [];
    this.times = [];
    this.payloads = [];
    this.size = 0;
    return packed;
  }

  private push(kind: number, at: number, payload: Buffer): void {
    this.kinds.push(kind);
    this.times.push(at);
    this.payloads.push(payload);
    this.size += RECORD_HEADER_BYTES + payload.length;
  }
}

/** The records of a packed batch, in order. Throws on a batch that was not packed by RecordBatch. */
export function* readRecords(batch: Buffer): Generator<CastRecord> {
  let offset = 0;
  while (offset < batch.length) {
    if (batch.length - offset < RECORD_HEADER_BYTES) throw new RangeError(`a record header is cut off at byte ${offset}`);
    const kind = batch.readUInt8(offset);
    const at = batch.readDoubleLE(offset + 1);
    const length = batch.readUInt32LE(offset + 9);
    const start = offset + RECORD_HEADER_BYTES;
    const end = start + length;
    if (end > batch.length) throw new RangeError(`a record at byte ${offset} runs past the end of its batch`);
    switch (kind) {
      case OUTPUT:
        yield { kind: 'output', at, data: batch.subarray(start, end) };
        break;
      case RESIZE:
        if (length !== 4) throw new RangeError(`a resize record at byte ${offset} has ${length} bytes, not 4`);
        yield { kind: 'resize', at, cols: batch.readUInt16LE(start), rows: batch.readUInt16LE(start + 2) };
        break;
      default:
        throw new RangeError(`unknown record kind ${kind} at byte ${offset}`);
    }
    offset = end;
  }
}

/**
 * When a batch goes, without waking the thread just for that: at `flushBytes`, at once (a
 * flood); when a record arrives `flushAfterMs` or more after the batch's first one, right after
 * this turn of the event loop (setImmediate: the echo being relayed goes out first); and when
 * output stops, `idleFlushMs` after the batch's first record (the one timer); and when asked
 * (the session ended). An idle session holds no timer and no records.
 */
export interface RecordBatcherOptions {
  flushBytes: number;
  flushAfterMs: number;
  idleFlushMs: number;
  send(batch: Buffer): void;
}

export class RecordBatcher {
  private readonly batch = new RecordBatch();
  /** The `at` of the batch's first record. */
  private firstAt: number | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private disposed = false;

  constructor(private readonly options: RecordBatcherOptions) {}

  output(at: number, chunk: Buffer): void {
    if (this.disposed || chunk.length === 0) return;
    this.batch.output(at, chunk);
    this.added(at);
  }

  resize(at: number, cols: number, rows: number): void {
    if (this.disposed) return;
    this.batch.resize(at, cols, rows);
    this.added(at);
  }

  /** Sends what waits now. */
  flush(): void {
    this.cancel();
    const packed = this.batch.take();
    if (packed) this.options.send(packed);
  }

  /** Flushes, then ignores everything. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.flush();
    this.disposed = true;
  }

  /** Drops what waits and ignores everything from now on (the recording stopped). */
  abandon(): void {
    this.cancel();
    this.batch.take();
    this.disposed = true;
  }

  private added(at: number): void {
    if (this.batch.bytes >= this.options.flushBytes) {
      this.flush();
    } else if (this.firstAt === undefined) {
      this.firstAt = at;
      this.idleTimer = setTimeout(() => this.flush(), this.options.idleFlushMs);
      // A pending flush must not keep a stopping process alive; dispose() flushes anyway.
      this.idleTimer.unref();
    } else if (!this.soon && at - this.firstAt >= this.options.flushAfterMs) {
      this.soon = setImmediate(() => this.flush());
    }
  }

  private cancel(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.soon) clearImmediate(this.soon);
    this.idleTimer = undefined;
    this.soon = undefined;
    this.firstAt = undefined;
  }
}
