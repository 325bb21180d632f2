/**
 * The two clocks of a session: the grace period a session nobody is attached to survives (a
 * reload, a dropped connection), and the idle timeout for a session nobody types in (output
 * alone is not activity), with a warning before it ends.
 */
export interface SessionTimersOptions {
  detachedGraceMs: number;
  /** 0 disables the idle timeout. */
  idleTimeoutMs: number;
  /** Whether the session still runs. */
  running: () => boolean;
  warn(message: string): void;
  info(message: string): void;
  end(reason: 'abandoned' | 'idle'): void;
}

export class SessionTimers {
  private graceTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private idleWarned = false;

  constructor(private readonly options: SessionTimersOptions) {
    this.armIdle();
  }

  /** Someone typed: the session is in use. */
  touch(): void {
    this.lastActivity = Date.now();
    if (this.idleWarned) {
      this.idleWarned = false;
      this.options.info('Idle timer reset; the session stays open.');
    }
  }

  /** Starts the grace period when nobody is attached (and it is not running yet). */
  unattended(): void {
    if (!this.options.running() || this.graceTimer) return;
    this.graceTimer = setTimeout(() => this.options.end('abandoned'), this.options.detachedGraceMs);
    this.graceTimer.unref();
  }

  attended(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  stop(): void {
    this.attended();
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  /**
   * One timer, re-armed lazily: when it fires it looks at the last input, so typing costs
   * nothing. A warning goes out a minute (or half the timeout) before the end.
   */
  private armIdle(): void {
    const timeout = this.options.idleTimeoutMs;
    if (timeout <= 0 || !this.options.running()) return;
    const warnBefore = Math.min(60_000, timeout / 2);
    const check = () => {
      if (!this.options.running()) return;
      const idle = Date.now() - this.lastActivity;
      if (idle >= timeout) {
        this.options.end('idle');
        return;
      }
      if (idle >= timeout - warnBefore && !this.idleWarned) {
        this.idleWarned = true;
        const seconds = Math.ceil((timeout - idle) / 1000);
        this.options.warn(`No input for a while: this session ends in ${seconds} s unless someone types.`);
      }
      const next = idle >= timeout - warnBefore ? timeout - idle : timeout - warnBefore - idle;
      this.idleTimer = setTimeout(check, Math.max(10, next));
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(check, timeout - warnBefore);
    this.idleTimer.unref();
  }
}
