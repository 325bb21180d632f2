/**
 * Client half of terminal flow control (docs/protocol.md): count the output bytes xterm has
 * actually processed and acknowledge them, and cut input into frames the server accepts.
 * Pure so the accounting can be tested without a socket or a terminal.
 */
import { MAX_INPUT_FRAME_BYTES } from '@sonde/shared';

/**
 * Ack accounting for one connection. The server stops reading the shell once a connection has
 * `high` unacknowledged bytes, so the client must never sit on a remainder: it acks every
 * `ackBytes` processed bytes and, in addition, whenever the terminal's write queue drains.
 * A new connection gets a new ledger; callbacks of writes queued for an old connection must
 * not credit the new one (see TtyConnection).
 */
export class AckLedger {
  private unacked = 0;
  private queued = 0;

  constructor(private readonly ackBytes: number) {
    if (!Number.isInteger(ackBytes) || ackBytes <= 0) throw new RangeError(`ackBytes must be a positive integer, got ${ackBytes}`);
  }

  /** Bytes handed to the terminal whose write callback has not fired yet. */
  get pending(): number {
    return this.queued;
  }

  /** Call when `bytes` are handed to the terminal. */
  written(bytes: number): void {
    this.queued += bytes;
  }

  /**
   * Call from the terminal's write callback. Returns how many bytes to acknowledge now
   * (0: nothing to send yet).
   */
  processed(bytes: number): number {
    this.queued = Math.max(0, this.queued - bytes);
    this.unacked += bytes;
    if (this.unacked > 0 && (this.unacked >= this.ackBytes || this.queued === 0)) {
      const ack = this.unacked;
      this.unacked = 0;
      return ack;
    }
    return 0;
  }
}

/**
 * Splits input into frames of at most `maxFrame` bytes. Views, not copies: a 10 MB paste
 * becomes ~160 frames over one buffer. Splitting inside a UTF-8 sequence is fine because the
 * server writes the frames to the pty as one byte stream.
 */
export function splitInput<Buffer extends ArrayBufferLike>(
  bytes: Uint8Array<Buffer>,
  maxFrame: number = MAX_INPUT_FRAME_BYTES,
): Uint8Array<Buffer>[] {
  if (maxFrame <= 0) throw new RangeError('maxFrame must be positive');
  const frames: Uint8Array<Buffer>[] = [];
  for (let start = 0; start < bytes.length; start += maxFrame) {
    frames.push(bytes.subarray(start, Math.min(bytes.length, start + maxFrame)));
  }
  return frames;
}

/**
 * xterm reports some input (mouse reports in X10 mode) through onBinary as a "binary string":
 * one char per byte. Encoding it as UTF-8 would corrupt bytes ≥ 0x80.
 */
export function binaryStringToBytes(data: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}
