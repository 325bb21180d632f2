/**
 * A server resource kept fresh by refetching (on push events, after actions) and observed by
 * React through useSyncExternalStore (hooks/). A small, explicit stand-in for a query cache: Sonde
 * has a dozen resources and one invalidation source (the event stream), so that is all it needs.
 */
import { ClientErrorCode, SondeApiError } from '@sonde/client';
import type { Disposable } from '../lifecycle/disposable';

export type ResourceSnapshot<T> =
  | { status: 'loading' }
  /** `refreshError`: the last refetch failed; `data` is what we had before. */
  | { status: 'ready'; data: T; refreshError: SondeApiError | null }
  | { status: 'failed'; error: SondeApiError };

/** Snapshots and error reports carry a code; a failure that is not the API's gets CLIENT_ERROR. */
export function toApiError(error: unknown): SondeApiError {
  if (error instanceof SondeApiError) return error;
  return new SondeApiError(0, 'CLIENT_ERROR', error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * A fetch that never reached the server (the browser's connection dropped, or Chromium abandoned
 * it as "network changed" when the machine's interfaces changed) is tried again after this, then
 * twice as long each time, up to RETRY_MAX_MS. Nothing else would ask again while the event
 * stream stays up: the list would say "Cannot reach the Sonde server" until the next change.
 * An answer from the server, even an error, is not retried.
 */
export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 15_000;

export class LiveResource<T> implements Disposable {
  private current: ResourceSnapshot<T> = { status: 'loading' };
  private readonly listeners = new Set<() => void>();
  private inFlight: Promise<void> | null = null;
  private refetchQueued = false;
  /** Bumped by local updates; a fetch that started before one may have missed it. */
  private localVersion = 0;
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = RETRY_FIRST_MS;

  constructor(private readonly load: () => Promise<T>) {}

  // Arrow properties: React compares these functions by identity.
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ResourceSnapshot<T> => this.current;

  get data(): T | undefined {
    return this.current.status === 'ready' ? this.current.data : undefined;
  }

  /** Fetches now; while a fetch is running, queues exactly one more after it. */
  refresh(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.inFlight) {
      this.refetchQueued = true;
      return this.inFlight;
    }
    const run = this.fetchOnce().finally(() => {
      this.inFlight = null;
      if (this.refetchQueued && !this.disposed) {
        this.refetchQueued = false;
        void this.refresh();
      }
    });
    this.inFlight = run;
    return run;
  }

  /** Applies a change we already know about (an action's reply, a pushed event) without waiting. */
  update(change: (data: T | undefined) => T): void {
    if (this.disposed) return;
    this.localVersion += 1;
    this.set({ status: 'ready', data: change(this.data), refreshError: null });
  }

  /**
   * Data from a narrower answer that came first (a deep link's one session before the whole list),
   * shown while the first fetch is on its way; that fetch replaces it when it lands. Ignored once
   * anything was loaded or fetched.
   */
  provisional(data: T): void {
    if (this.disposed || this.current.status !== 'loading') return;
    this.set({ status: 'ready', data, refreshError: null });
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.listeners.clear();
  }

  private async fetchOnce(): Promise<void> {
    const version = this.localVersion;
    try {
      const data = await this.load();
      if (this.disposed) return;
      if (version !== this.localVersion) {
        // Fetched before a local update landed; it may not include it. Ask again.
        this.refetchQueued = true;
        return;
      }
      this.retryDelay = RETRY_FIRST_MS;
      this.set({ status: 'ready', data, refreshError: null });
    } catch (error) {
      if (this.disposed) return;
      const apiError = toApiError(error);
      if (apiError.code === ClientErrorCode.Network) this.retryLater();
      this.set(
        this.current.status === 'ready'
          ? { ...this.current, refreshError: apiError }
          : { status: 'failed', error: apiError },
      );
    }
  }

  private retryLater(): void {
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  private set(next: ResourceSnapshot<T>): void {
    this.current = next;
    for (const listener of [...this.listeners]) listener();
  }
}
