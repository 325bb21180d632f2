import { CloseCode } from '@sonde/shared';
import type { Principal } from './principal.js';

interface Connection {
  principal: Principal;
  close(code: number, reason: string): void;
}

/**
 * Every long-lived connection (terminal WebSockets, event streams) with the principal that
 * opened it. Logging out, disabling a user, revoking a token or a share link closes that
 * principal's connections at once; a sweep every few seconds catches what expires by itself
 * (share links reaching their expiry, browser logins timing out).
 */
export class LiveConnections {
  private readonly connections = new Set<Connection>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    /** Why a principal may no longer hold its connections, or undefined while it may. */
    private readonly revalidate: (principal: Principal) => string | undefined,
    sweepMs = 2000,
  ) {
    this.sweep = setInterval(() => this.sweepNow(), sweepMs);
    this.sweep.unref();
  }

  /** Registers a connection; the returned function forgets it (call it when the connection closes). */
  add(principal: Principal, close: (code: number, reason: string) => void): () => void {
    const connection: Connection = { principal, close };
    this.connections.add(connection);
    return () => this.connections.delete(connection);
  }

  get size(): number {
    return this.connections.size;
  }

  closeWhere(match: (principal: Principal) => boolean, reason: string): number {
    let closed = 0;
    for (const c of [...this.connections]) {
      if (!match(c.principal)) continue;
      this.connections.delete(c);
      closed++;
      try {
        c.close(CloseCode.AccessRevoked, reason);
      } catch {
        // Already closing.
      }
    }
    return closed;
  }

  sweepNow(): void {
    const verdicts = new Map<string, string | undefined>();
    for (const c of [...this.connections]) {
      const key = `${c.principal.id}|${c.principal.browserSessionId ?? ''}|${c.principal.role}`;
      if (!verdicts.has(key)) verdicts.set(key, this.revalidate(c.principal));
      const why = verdicts.get(key);
      if (why) this.closeWhere((p) => p === c.principal, why);
    }
  }

  dispose(): void {
    clearInterval(this.sweep);
    this.connections.clear();
  }
}
