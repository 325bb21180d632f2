/**
 * How a session's output, resizes and keystrokes reach the recording worker: length-prefixed
 * binary records, batched. On the session's thread a record costs a few array pushes; one copy
 * per batch packs them.
 *
 * A record is `kind u8 | at f64 LE | length u32 LE | payload`: `at` is milliseconds since the
 * recording began (the arrival, on the session's monotonic clock). Payloads: output, the bytes
 * as the shell wrote them; resize, `cols u16 LE | rows u16 LE`; participant (who may type; sent
 * before their first input and again if their name changes), `index u16 LE | {"id","name"}` as
 * UTF-8 JSON; input, `participant index u16 LE | the bytes typed`; marker (a tool run from the
 * session's drawer started or ended), its label as UTF-8.
 */

export const RECORD_HEADER_BYTES = 13;

const OUTPUT = 1;
const RESIZE = 2;
const PARTICIPANT = 3;
const INPUT = 4;
const MARKER = 5;

export type CastRecord =
  | { kind: 'output'; at: number; data: Buffer }
  | { kind: 'resize'; at: number; cols: number; rows: number }
  | { kind: 'participant'; at: number; index: number; id: string; name: string }
  | { kind: 'input'; at: number; participant: number; data: Buffer }
  | { kind: 'marker'; at: number; label: string };

/** Records waiting to be packed; holds references to output chunks until then (the session's replay buffer holds them too). */
export class RecordBatch {
  private kinds: number[] = [];
  private times: number[] = [];
  private payloads: Buffer[] = [];
  private size = 0;
  /** Participants by id: their index in input records and the name last sent (kept across batches). */
  private readonly participants = new Map<string, { index: number; name: string }>();

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

  input(at: number, participant: { id: string; name: string }, data: Buffer): void {
    if (data.length === 0) return;
    let known = this.participants.get(participant.id);
    if (!known || known.name !== participant.name) {
      known = { index: known?.index ?? this.participants.size, name: participant.name };
      this.participants.set(participant.id, known);
      const identity = Buffer.from(JSON.stringify({ id: participant.id, name: participant.name }));
      const payload = Buffer.allocUnsafe(2 + identity.length);
      payload.writeUInt16LE(known.index, 0);
      identity.copy(payload, 2);
      this.push(PARTICIPANT, at, payload);
    }
    const payload = Buffer.allocUnsafe(2 + data.length);
    payload.writeUInt16LE(known.index, 0);
    data.copy(payload, 2);
    this.push(INPUT, at, payload);
  }

  marker(at: number, label: string): void {
    this.push(MARKER, at, Buffer.from(label, 'utf8'));
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
      case PARTICIPANT: {
        if (length < 2) throw new RangeError(`a participant record at byte ${offset} has no index`);
        const identity = JSON.parse(batch.toString('utf8', start + 2, end)) as { id: string; name: string };
        yield { kind: 'participant', at, index: batch.readUInt16LE(start), id: identity.id, name: identity.name };
        break;
      }
      case INPUT:
        if (length < 2) throw new RangeError(`an input record at byte ${offset} has no participant`);
        yield { kind: 'input', at, participant: batch.readUInt16LE(start), data: batch.subarray(start + 2, end) };
        break;
      case MARKER:
        yield { kind: 'marker', at, label: batch.toString('utf8', start, end) };
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

  input(at: number, participant: { id: string; name: string }, data: Buffer): void {
    if (this.disposed || data.length === 0) return;
    this.batch.input(at, participant, data);
    this.added(at);
  }

  /** A marker is rare and someone waits to see it: it goes at once, with what came before it. */
  marker(at: number, label: string): void {
    if (this.disposed) return;
    this.batch.marker(at, label);
    this.flush();
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
