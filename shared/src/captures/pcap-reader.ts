/**
 * Incremental reader of the classic pcap format (what `tcpdump -w -` writes): a 24-byte global
 * header, then records of a 16-byte header and the captured bytes. Pure, so it runs anywhere.
 */

export const PCAP_GLOBAL_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
/** A record larger than this is not a packet: the stream is corrupt (tcpdump's snaplen is ≤ 262144). */
const MAX_RECORD_BYTES = 262_144 + 1024;

export interface PcapGlobalHeader {
  littleEndian: boolean;
  /** Timestamps count nanoseconds (magic a1b23c4d) rather than microseconds. */
  nanoseconds: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  /** LINKTYPE_*: 1 Ethernet, 113 Linux cooked (SLL), 276 SLL2, 101 raw IP. */
  linkType: number;
  /** The header as it was read, to copy into a file unchanged. */
  raw: Uint8Array;
}

export interface PcapRecord {
  /** Seconds since the epoch, with the fraction. */
  time: number;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
  /** Header and data as they were read (16 + capturedLength bytes). */
  raw: Uint8Array;
}

export class PcapFormatError extends Error {
  override readonly name = 'PcapFormatError';
}

export function parseGlobalHeader(bytes: Uint8Array): PcapGlobalHeader {
  if (bytes.length < PCAP_GLOBAL_HEADER_BYTES) throw new PcapFormatError('a pcap global header is 24 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, PCAP_GLOBAL_HEADER_BYTES);
  const magicBE = view.getUint32(0, false);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  switch (magicBE) {
    case 0xa1b2c3d4: littleEndian = false; nanoseconds = false; break;
    case 0xd4c3b2a1: littleEndian = true; nanoseconds = false; break;
    case 0xa1b23c4d: littleEndian = false; nanoseconds = true; break;
    case 0x4d3cb2a1: littleEndian = true; nanoseconds = true; break;
    default:
      throw new PcapFormatError(`not a pcap file (magic ${magicBE.toString(16)})`);
  }
  return {
    littleEndian,
    nanoseconds,
    versionMajor: view.getUint16(4, littleEndian),
    versionMinor: view.getUint16(6, littleEndian),
    snaplen: view.getUint32(16, littleEndian),
    linkType: view.getUint32(20, littleEndian) & 0x0fffffff,
    raw: bytes.slice(0, PCAP_GLOBAL_HEADER_BYTES),
  };
}

/**
 * Feed it chunks as they arrive (any split); it hands back the global header once and every
 * complete record. A partial record stays pending until its remaining bytes come, so whatever
 * is written from `raw` is always a valid file, even if the writer dies mid-packet.
 */
export class PcapReader {
  header: PcapGlobalHeader | undefined;
  private pending: Uint8Array = new Uint8Array(0);

  /** Bytes received but not yet part of a complete record. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): { header?: PcapGlobalHeader; records: PcapRecord[] } {
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    const out: { header?: PcapGlobalHeader; records: PcapRecord[] } = { records: [] };
    let offset = 0;
    if (!this.header) {
      if (this.pending.length < PCAP_GLOBAL_HEADER_BYTES) return out;
      this.header = parseGlobalHeader(this.pending);
      out.header = this.header;
      offset = PCAP_GLOBAL_HEADER_BYTES;
    }
    const { littleEndian, nanoseconds } = this.header;
    const buf = this.pending;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (buf.length - offset >= PCAP_RECORD_HEADER_BYTES) {
      const seconds = view.getUint32(offset, littleEndian);
      const fraction = view.getUint32(offset + 4, littleEndian);
      const capturedLength = view.getUint32(offset + 8, littleEndian);
      const originalLength = view.getUint32(offset + 12, littleEndian);
      if (capturedLength > MAX_RECORD_BYTES) throw new PcapFormatError(`record of ${capturedLength} bytes: the stream is corrupt`);
      const end = offset + PCAP_RECORD_HEADER_BYTES + capturedLength;
      if (end > buf.length) break;
      out.records.push({
        time: seconds + fraction / (nanoseconds ? 1e9 : 1e6),
        capturedLength,
        originalLength,
        data: buf.subarray(offset + PCAP_RECORD_HEADER_BYTES, end),
        raw: buf.subarray(offset, end),
      });
      offset = end;
    }
    this.pending = offset === 0 ? buf : buf.slice(offset);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
