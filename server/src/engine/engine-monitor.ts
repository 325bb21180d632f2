import { withDeadline } from './deadline.js';
import type { EngineEvent, EngineEventStream, EngineFacts, ToolboxEngine } from './types.js';

type Listener<T> = (value: T) => void;

/** One engine's reachability as the console last saw it. */
export interface EngineStatus {
  reachable: boolean;
  version?: string;
  /** Why it is not reachable, in the engine client's words. */
  error?: string;
  swarm?: EngineFacts['swarm'];
}

/**
 * Bound on one health question to an engine when none is given: a hung engine answers
 * "unreachable", never nothing. Consoles pass SONDE_ENGINE_DEADLINE_MS (EngineSet does).
 */
export const PROBE_DEADLINE_MS = 3000;

/**
 * Keeps one event subscription to an engine alive and knows whether the engine is reachable (and
 * where it stands in a Swarm). When the engine goes away it retries with backoff, forever,
 * without restarting Sonde.
 */
export class EngineMonitor {
  private stream: EngineEventStream | undefined;
  /** The one connection being opened: a probe during it must not open a second stream. */
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 250;
  private disposed = false;
  private status: EngineStatus = { reachable: false, error: 'not checked yet' };
  private readonly eventListeners = new Set<Listener<EngineEvent>>();
  private readonly statusListeners = new Set<Listener<EngineStatus>>();

  constructor(
    readonly engine: ToolboxEngine,
    private readonly maxRetryDelayMs = 5000,
    private readonly probeDeadlineMs = PROBE_DEADLINE_MS,
  ) {}

  get current(): EngineStatus {
    return this.status;
  }

  start(): void {
    void this.connect();
  }

  onEvent(listener: Listener<EngineEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: Listener<EngineStatus>): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Asks the engine now, within the probe deadline (health checks call this so they never report a stale "ok"). */
  async probe(): Promise<EngineStatus> {
    try {
      const facts = await this.askInfo();
      this.setStatus(reachable(facts));
      if (!this.stream && !this.disposed && !this.retryTimer) void this.connect();
    } catch (error) {
      this.setStatus({ reachable: false, error: describe(error) });
    }
    return this.status;
  }

  private askInfo(): Promise<EngineFacts> {
    return withDeadline(this.engine.info(), this.probeDeadlineMs, `${this.engine.endpoint} did not answer within ${this.probeDeadlineMs} ms`);
  }

  private setStatus(next: EngineStatus): void {
    const changed = next.reachable !== this.status.reachable || next.version !== this.status.version || next.swarm?.role !== this.status.swarm?.role || next.swarm?.nodeId !== this.status.swarm?.nodeId;
    this.status = next;
    if (changed) for (const l of this.statusListeners) l(next);
  }

  /**
   * Opens the event stream unless it is open or being opened. A health probe answered while the
   * first connection is still listing would otherwise open a second one: for a cluster, a second
   * set of lists and watches, and a stream whose events nobody would ever stop.
   */
  private connect(): Promise<void> {
    if (this.disposed || this.stream) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    this.retryTimer = undefined;
    try {
      const facts = await this.askInfo();
      const stream = await this.engine.openEvents();
      if (this.disposed) {
        stream.close();
        return;
      }
      this.stream = stream;
      this.retryDelay = 250;
      this.setStatus(reachable(facts));
      stream.onEvent((event) => {
        for (const l of this.eventListeners) l(event);
      });
      stream.onEnd((error) => {
        if (this.stream !== stream) return;
        this.stream = undefined;
        if (this.disposed) return;
        this.setStatus({ reachable: false, error: error ? describe(error) : 'the event stream ended' });
        this.scheduleRetry();
      });
    } catch (error) {
      this.setStatus({ reachable: false, error: describe(error) });
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.maxRetryDelayMs, this.retryDelay * 2);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stream?.close();
    this.stream = undefined;
    this.eventListeners.clear();
    this.statusListeners.clear();
  }
}

function reachable(facts: EngineFacts): EngineStatus {
  return { reachable: true, version: facts.version, ...(facts.swarm ? { swarm: facts.swarm } : {}) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
