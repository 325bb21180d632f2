import { CloseCode, ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { Principal } from './principal.js';

/**
 * What a principal holds open: terminal sockets, HTTP streams (events, packet feeds) and
 * workloads (sessions, runs, captures they own). All of them end when the principal's access does.
 */
export type LiveKind = 'socket' | 'stream' | 'workload';

interface Connection {
  principal: Principal;
  kind: LiveKind;
  close(code: number, reason: string): void;
  /**
   * Why this one connection may no longer stay open though its principal keeps its access (the
   * rule of the object it shows, such as who may watch a session under the policy now), or
   * undefined while it may. Read by the sweep.
   */
  recheck?: () => string | undefined;
}

/**
 * Everything long-lived with the principal that opened it. Logging out, disabling a user,
 * changing a role, revoking a token or a share link closes that principal's connections and
 * ends its workloads at once; a sweep every few seconds catches what changed elsewhere (share
 * links reaching their expiry, browser logins timing out, a user disabled from the command line).
 */
export class LiveConnections {
  private readonly connections = new Set<Connection>();
  private readonly changeListeners = new Set<(principalId: string) => void>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    /** Why a principal may no longer hold its connections, or undefined while it may. */
    private readonly revalidate: (principal: Principal) => string | undefined,
    sweepMs = 2000,
  ) {
    this.sweep = setInterval(() => this.sweepNow(), sweepMs);
    this.sweep.unref();
  }

  /**
   * Registers a connection; the returned function forgets it (call it when the connection closes).
   * `recheck`: the object's own rule, for a connection that must also close when that rule stops
   * admitting its principal (closed like a revocation, 4003, within a sweep).
   */
  add(principal: Principal, close: (code: number, reason: string) => void, kind: LiveKind = 'socket', recheck?: () => string | undefined): () => void {
    const connection: Connection = { principal, kind, close, ...(recheck ? { recheck } : {}) };
    this.connections.add(connection);
    this.changed(principal.id);
    return () => {
      if (this.connections.delete(connection)) this.changed(principal.id);
    };
  }

  /**
   * Whether the principal has the console open somewhere: a terminal socket or an HTTP stream
   * (every browser tab holds /api/events). Workloads it owns do not count.
   */
  connected(principalId: string): boolean {
    return this.count(principalId, 'socket') + this.count(principalId, 'stream') > 0;
  }

  /** Called with the principal's id whenever one of its connections opens or closes. */
  onChange(listener: (principalId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(principalId: string): void {
    for (const listener of [...this.changeListeners]) listener(principalId);
  }

  /**
   * Registers a long-lived HTTP stream (events, packet feed, pcap), refusing with 429 one more
   * than `max` a principal may hold open at once (SONDE_MAX_STREAMS_PER_USER).
   */
  addStream(principal: Principal, end: () => void, max: number): () => void {
    const open = this.count(principal.id, 'stream');
    if (open >= max) {
      throw new ApiError(429, ErrorCode.TooManyStreams, `You already have ${open} live streams open, the most one user may have (SONDE_MAX_STREAMS_PER_USER); close some tabs first.`);
    }
    return this.add(principal, end, 'stream');
  }

  get size(): number {
    return this.connections.size;
  }

  /** How many connections of `kind` a principal holds now (per-user limits read this). */
  count(principalId: string, kind: LiveKind): number {
    let n = 0;
    for (const c of this.connections) if (c.kind === kind && c.principal.id === principalId) n++;
    return n;
  }

  closeWhere(match: (principal: Principal) => boolean, reason: string): number {
    let closed = 0;
    // Sockets and streams first, so the principal's own clients hear 4003 (access revoked)
    // before the workloads it owned end and everyone else attached hears why.
    const ordered = [...this.connections].sort((a, b) => Number(a.kind === 'workload') - Number(b.kind === 'workload'));
    for (const c of ordered) {
      if (!match(c.principal)) continue;
      this.closeOne(c, reason);
      closed++;
    }
    return closed;
  }

  private closeOne(c: Connection, reason: string): void {
    this.connections.delete(c);
    this.changed(c.principal.id);
    try {
      c.close(CloseCode.AccessRevoked, reason);
    } catch {
      // Already closing.
    }
  }

  sweepNow(): void {
    const verdicts = new Map<string, string | undefined>();
    for (const c of [...this.connections]) {
      if (!this.connections.has(c)) continue;
      const key = `${c.principal.id}|${c.principal.browserSessionId ?? ''}|${c.principal.role}`;
      if (!verdicts.has(key)) verdicts.set(key, this.revalidate(c.principal));
      const why = verdicts.get(key);
      if (why) {
        this.closeWhere((p) => p === c.principal, why);
        continue;
      }
      const lost = c.recheck?.();
      if (lost) this.closeOne(c, lost);
    }
  }

  dispose(): void {
    clearInterval(this.sweep);
    this.connections.clear();
    this.changeListeners.clear();
  }
}
