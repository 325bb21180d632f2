/**
 * The recent output of one shell, addressed by absolute offset (bytes produced since the
 * session began). Clients that reconnect ask for "everything from offset N"; what is still
 * here is replayed exactly, older bytes are gone and the client is told it was resynced.
 * Memory is bounded by `capacity` (plus at most one chunk).
 */
export class OutputLog {
  private chunks: Buffer[] = [];
  private startOffset = 0;
  private size = 0;

  constructor(readonly capacity: number) {}

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
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.capacity && this.chunks.length > 1) {
      const dropped = this.chunks.shift()!;
      this.size -= dropped.length;
      this.startOffset += dropped.length;
    }
  }

  /** Drops all but about the last `bytes` (whole chunks), for when no one will read further back. */
  keepLast(bytes: number): void {
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= bytes) {
      const dropped = this.chunks.shift()!;
      this.size -= dropped.length;
      this.startOffset += dropped.length;
    }
  }

  /**
   * Up to `maxBytes` starting at `offset`, joined into one buffer (this is where output is
   * coalesced into larger frames under load). `offset` must be within [start, end].
   */
  read(offset: number, maxBytes: number): Buffer {
    if (offset < this.startOffset || offset > this.end) {
      throw new RangeError(`offset ${offset} outside [${this.startOffset}, ${this.end}]`);
    }
    const parts: Buffer[] = [];
    let position = this.startOffset;
    let taken = 0;
    for (const chunk of this.chunks) {
      const chunkEnd = position + chunk.length;
      if (chunkEnd > offset && taken < maxBytes) {
        const from = Math.max(0, offset - position);
        const piece = chunk.subarray(from, Math.min(chunk.length, from + (maxBytes - taken)));
        parts.push(piece);
        taken += piece.length;
      }
      position = chunkEnd;
      if (taken >= maxBytes) break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, taken);
  }
}
