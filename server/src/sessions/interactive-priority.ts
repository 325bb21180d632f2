/**
 * Keystrokes before bulk output. While a terminal is being typed into, every other terminal's
 * output is relayed at a bounded rate, so that a session flooding its terminal (`cat` of a large
 * file, `tcpdump -A` on a busy link) does not take the CPUs that a keystroke and its echo need on
 * their way through Docker and Sonde: on the 2-core bench machine a flood relayed at full speed
 * made the other session's echo 5-18 × slower at p99 than under a raw Docker flood, with Sonde's own
 * thread busy under a quarter of the time; the CPUs were taken by the flood's whole pipeline (the
 * process printing, containerd's shim, dockerd, Sonde, the reader).
 *
 * The terminal typed into is never slowed (Ctrl-C in one's own flood), output within the rate is
 * never delayed, and nothing is dropped: a terminal over its rate stops reading from Docker for a
 * few milliseconds, as it does for a slow client, and its process waits on a full pty. Like SSH's
 * interactive and bulk traffic classes, on the one machine Sonde and its toolboxes share.
 */

/** Bytes per second another terminal's output may take while one is typed into. */
export const BULK_BYTES_PER_SECOND = 8 * 1000 * 1000;
/** Output a terminal may relay at once before that rate applies. */
export const BULK_BURST_BYTES = 16 * 1024;
/** How long after a keystroke its terminal counts as typed into (people type a key every 100-300 ms). */
export const TYPING_MS = 250;

export interface InteractivePriorityOptions {
  bytesPerSecond?: number;
  burstBytes?: number;
  typingMs?: number;
  now?: () => number;
}

export class InteractivePriority {
  /** Terminals typed into lately, with when. */
  private readonly typed = new Map<object, number>();
  /** Each terminal's token bucket: bytes it may relay now, as of `at`. */
  private readonly buckets = new WeakMap<object, { tokens: number; at: number }>();
  private readonly bytesPerSecond: number;
  private readonly burstBytes: number;
  private readonly typingMs: number;
  private readonly now: () => number;

  constructor(options: InteractivePriorityOptions = {}) {
    this.bytesPerSecond = options.bytesPerSecond ?? BULK_BYTES_PER_SECOND;
    this.burstBytes = options.burstBytes ?? BULK_BURST_BYTES;
    this.typingMs = options.typingMs ?? TYPING_MS;
    this.now = options.now ?? (() => performance.now());
  }

  /** `terminal` was typed into. */
  input(terminal: object): void {
    this.typed.set(terminal, this.now());
  }

  /** `terminal` ended. */
  forget(terminal: object): void {
    this.typed.delete(terminal);
    this.buckets.delete(terminal);
  }

  /** `terminal` relayed `bytes` of output: how many ms it should wait before it reads more (0: none). */
  relayed(terminal: object, bytes: number): number {
    const now = this.now();
    let bucket = this.buckets.get(terminal);
    if (!bucket) {
      bucket = { tokens: this.burstBytes, at: now };
      this.buckets.set(terminal, bucket);
    }
    if (!this.othersTyping(terminal, now)) {
      bucket.tokens = this.burstBytes;
      bucket.at = now;
      return 0;
    }
    bucket.tokens = Math.min(this.burstBytes, bucket.tokens + ((now - bucket.at) * this.bytesPerSecond) / 1000) - bytes;
    bucket.at = now;
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens * 1000) / this.bytesPerSecond;
  }

  /** Whether a terminal other than `terminal` was typed into within the last TYPING_MS (forgetting older ones). */
  private othersTyping(terminal: object, now: number): boolean {
    let others = false;
    for (const [other, at] of this.typed) {
      if (now - at > this.typingMs) this.typed.delete(other);
      else if (other !== terminal) others = true;
    }
    return others;
  }
}
