/**
 * The recent output of one shell, addressed by absolute offset (bytes produced since the
 * session began). Clients that reconnect ask for "everything from offset N"; what is still
 * here is replayed exactly, older bytes are gone and the client is told it was resynced.
 * Memory is bounded by `capacity` (plus at most one chunk).
 */
const NOTHING = Buffer.alloc(0);

/**
 * Chunks smaller than this are copied into a block the log fills, instead of being held one by
 * one: a slow printer's output comes in ~50-byte chunks, and each held Buffer costs about 180 bytes
 * of objects beside its data (the hour-long soak's heap snapshots), so a cap on data alone would
 * bound about 4.5 times as much memory. Blocks start at BLOCK_MIN (an idle session holds only its
 * prompt) and double up to BLOCK_MAX, and to an eighth of the capacity at most, so that the
 * granularity of dropping stays fine.
 */
const COALESCE_BELOW = 1024;
const BLOCK_MIN = 256;
const BLOCK_MAX = 16 * 1024;

export class OutputLog {
  /** The chunks held are those from `head` on; `offsets[i]` is where `chunks[i]` begins. */
  private chunks: Buffer[] = [];
  private offsets: number[] = [];
  private head = 0;
  private startOffset = 0;
  private size = 0;
  /** The block the newest chunk is a view of, while small chunks are copied into it. */
  private block: Buffer | undefined;
  private blockUsed = 0;
  private readonly blockLimit: number;

  constructor(readonly capacity: number) {
    this.blockLimit = Math.min(BLOCK_MAX, Math.floor(capacity / 8));
  }

  /** Offset of the oldest byte still held. */
  get start(): number {
    return this.startOffset;
  }

  /** Offset just past the newest byte. */
  get end(): number {
    return this.startOffset + this.size;
  }

  get bytesHeld(): number {
    return this.size;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.length < COALESCE_BELOW && chunk.length <= this.blockLimit) this.appendSmall(chunk);
    else {
      this.block = undefined;
      this.offsets.push(this.end);
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    while (this.chunks.length - this.head > 1 && this.size - this.chunks[this.head]!.length >= this.capacity) this.dropOldest();
  }

  /**
   * Copies a small chunk into the newest block: the newest chunk becomes a longer view of it. What
   * was written there is never overwritten, so the views `read` handed out stay as they were.
   */
  private appendSmall(chunk: Buffer): void {
    const last = this.chunks.length - 1;
    if (this.block && last >= this.head && this.blockUsed + chunk.length <= this.block.length) {
      chunk.copy(this.block, this.blockUsed);
      this.blockUsed += chunk.length;
      this.chunks[last] = this.block.subarray(0, this.blockUsed);
      this.size += chunk.length;
      return;
    }
    const size = Math.min(this.blockLimit, this.block ? this.block.length * 2 : BLOCK_MIN);
    this.block = Buffer.allocUnsafe(Math.max(size, chunk.length));
    chunk.copy(this.block, 0);
    this.blockUsed = chunk.length;
    this.offsets.push(this.end);
    this.chunks.push(this.block.subarray(0, this.blockUsed));
    this.size += chunk.length;
  }

  /** Drops all but about the last `bytes` (whole chunks), for when no one will read further back. */
  keepLast(bytes: number): void {
    while (this.chunks.length - this.head > 1 && this.size - this.chunks[this.head]!.length >= bytes) this.dropOldest();
  }

  /**
   * Up to `maxBytes` starting at `offset`, joined into one buffer (this is where output is
   * coalesced into larger frames under load). `offset` must be within [start, end]. The chunk
   * holding `offset` is found by binary search: a log of small chunks (a slow printer's) holds
   * tens of thousands, and every frame sent to every client reads it.
   */
  read(offset: number, maxBytes: number): Buffer {
    if (offset < this.startOffset || offset > this.end) {
      throw new RangeError(`offset ${offset} outside [${this.startOffset}, ${this.end}]`);
    }
    const parts: Buffer[] = [];
    let taken = 0;
    for (let i = this.chunkAt(offset); i < this.chunks.length && taken < maxBytes; i++) {
      const chunk = this.chunks[i]!;
      const from = Math.max(0, offset - this.offsets[i]!);
      const piece = chunk.subarray(from, Math.min(chunk.length, from + (maxBytes - taken)));
      if (piece.length === 0) continue;
      parts.push(piece);
      taken += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, taken);
  }

  /** The index of the last chunk beginning at or before `offset` (`chunks.length` when none is held). */
  private chunkAt(offset: number): number {
    let low = this.head;
    let high = this.chunks.length - 1;
    if (high < low) return this.chunks.length;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.offsets[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private dropOldest(): void {
    const dropped = this.chunks[this.head]!;
    this.size -= dropped.length;
    this.startOffset += dropped.length;
    // Its bytes are let go now, whatever the arrays' length: memory stays bounded by `capacity`.
    this.chunks[this.head] = NOTHING;
    this.head += 1;
    // Dropped from the front by index; the arrays are cut down once the dead part is half of them.
    if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
  }
}
