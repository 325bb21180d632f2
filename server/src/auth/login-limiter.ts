/**
 * Slows down password guessing: after too many failures for one user name, or from one
 * client address, logins are refused for a while. Kept in memory: a restart forgets, which an
 * attacker cannot cause without already controlling the host.
 */
export interface LimiterOptions {
  windowMs: number;
  maxPerUser: number;
  maxPerAddress: number;
}

export const DEFAULT_LIMITS: LimiterOptions = { windowMs: 15 * 60 * 1000, maxPerUser: 5, maxPerAddress: 20 };

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly options: LimiterOptions = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again, or 0 when a login may be attempted now. */
  retryAfter(username: string | undefined, address: string): number {
    const wait = Math.max(
      username === undefined ? 0 : this.wait(`user:${username}`, this.options.maxPerUser),
      this.wait(`addr:${address}`, this.options.maxPerAddress),
    );
    return Math.ceil(wait / 1000);
  }

  failed(username: string | undefined, address: string): void {
    if (username !== undefined) this.push(`user:${username}`);
    this.push(`addr:${address}`);
  }

  succeeded(username: string | undefined): void {
    if (username !== undefined) this.failures.delete(`user:${username}`);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  private wait(key: string, max: number): number {
    const list = this.recent(key);
    if (list.length < max) return 0;
    return list[list.length - max]! + this.options.windowMs - this.now();
  }

  private push(key: string): void {
    const list = this.recent(key);
    list.push(this.now());
    // Bounded per key: only the newest `max` matter for the decision.
    if (list.length > 100) list.splice(0, list.length - 100);
    this.failures.set(key, list);
  }
}
