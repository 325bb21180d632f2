import type { Health } from '@sonde/shared';
import type { ContainerEngine, EngineEvent, EngineEventStream } from './types.js';

type Listener<T> = (value: T) => void;

/**
 * Keeps one event subscription to the engine alive and knows whether the engine is reachable.
 * When the engine goes away it retries with backoff, forever, without restarting Sonde.
 */
export class EngineMonitor {
  private stream: EngineEventStream | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 250;
  private disposed = false;
  private health: Health = { status: 'degraded', docker: { reachable: false } };
  private readonly eventListeners = new Set<Listener<EngineEvent>>();
  private readonly healthListeners = new Set<Listener<Health>>();

  constructor(
    private readonly engine: ContainerEngine,
    private readonly maxRetryDelayMs = 5000,
  ) {}

  get current(): Health {
    return this.health;
  }

  start(): void {
    void this.connect();
  }

  onEvent(listener: Listener<EngineEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onHealth(listener: Listener<Health>): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Asks the engine now (health checks call this so they never report a stale "ok"). */
  async probe(): Promise<Health> {
    try {
      const version = await this.engine.version();
      this.setHealth({ status: 'ok', docker: { reachable: true, version } });
      if (!this.stream && !this.disposed && !this.retryTimer) void this.connect();
    } catch {
      this.setHealth({ status: 'degraded', docker: { reachable: false } });
    }
    return this.health;
  }

  private setHealth(next: Health): void {
    const changed = next.status !== this.health.status || next.docker.version !== this.health.docker.version;
    this.health = next;
    if (changed) for (const l of this.healthListeners) l(next);
  }

  private async connect(): Promise<void> {
    if (this.disposed || this.stream) return;
    this.retryTimer = undefined;
    try {
      const version = await this.engine.version();
      const stream = await this.engine.openEvents();
      if (this.disposed) {
        stream.close();
        return;
      }
      this.stream = stream;
      this.retryDelay = 250;
      this.setHealth({ status: 'ok', docker: { reachable: true, version } });
      stream.onEvent((event) => {
        for (const l of this.eventListeners) l(event);
      });
      stream.onEnd(() => {
        if (this.stream !== stream) return;
        this.stream = undefined;
        if (this.disposed) return;
        this.setHealth({ status: 'degraded', docker: { reachable: false } });
        this.scheduleRetry();
      });
    } catch {
      this.setHealth({ status: 'degraded', docker: { reachable: false } });
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
    this.healthListeners.clear();
  }
}
