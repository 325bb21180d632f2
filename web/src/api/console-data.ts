/**
 * Everything the console shows that comes from the server, for one login: the live resources,
 * the event stream that keeps them fresh, and the session actions. Created after login and
 * disposed on logout, so nothing of a previous login keeps running.
 */
import type { ContainerSummary, Health, NetworkSummary, SessionInfo, TargetRequest } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { isApiError, type ApiClient } from './api-client';
import { DockerEvents } from './docker-events';
import { LiveResource } from './live-resource';

export class ConsoleData implements Disposable {
  readonly containers: LiveResource<ContainerSummary[]>;
  readonly networks: LiveResource<NetworkSummary[]>;
  readonly sessions: LiveResource<SessionInfo[]>;
  readonly health: LiveResource<Health>;
  readonly liveUpdates: DockerEvents;

  private readonly cleanup = new DisposableStore();
  private started = false;

  constructor(private readonly client: ApiClient) {
    this.containers = this.own(new LiveResource(() => client.containers()));
    this.networks = this.own(new LiveResource(() => client.networks()));
    this.sessions = this.own(new LiveResource(() => client.sessions()));
    this.health = this.own(new LiveResource(() => client.health()));
    this.liveUpdates = this.own(
      new DockerEvents({
        // Toolboxes are containers, so container events also mean sessions changed.
        onChange: () => this.refreshInventory(),
        onHealth: (health) => {
          this.health.update(() => health);
          // Docker came back: whatever we listed while it was away is stale.
          if (health.docker.reachable) this.refreshInventory();
        },
        onResume: () => {
          this.refreshInventory();
          void this.health.refresh();
        },
      }),
    );
  }

  start(): void {
    if (this.started || this.cleanup.isDisposed) return;
    this.started = true;
    void this.health.refresh();
    this.refreshInventory();
    this.liveUpdates.connect();
    // Sessions have no push events of their own (other browsers may open or close some).
    const onFocus = () => void this.sessions.refresh();
    window.addEventListener('focus', onFocus);
    this.cleanup.add(() => window.removeEventListener('focus', onFocus));
  }

  refreshInventory(): void {
    void this.containers.refresh();
    void this.networks.refresh();
    void this.sessions.refresh();
  }

  /** Starts a toolbox for `target` (the server does all the Docker work) and records the session. */
  async createSession(target: TargetRequest): Promise<SessionInfo> {
    const session = await this.client.createSession(target);
    this.sessions.update((list = []) => [...list.filter((s) => s.id !== session.id), session]);
    return session;
  }

  /**
   * Whether the server still lists the session. Answers true when that cannot be known (the
   * server is unreachable): callers use a false to stop reconnecting, so only a fresh list may
   * say false.
   */
  async sessionExists(id: string): Promise<boolean> {
    await this.sessions.refresh();
    const snapshot = this.sessions.getSnapshot();
    if (snapshot.status !== 'ready' || snapshot.refreshError) return true;
    return snapshot.data.some((session) => session.id === id);
  }

  /** Ends the session; one that is already gone counts as closed. */
  async closeSession(id: string): Promise<void> {
    try {
      await this.client.deleteSession(id);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
    this.sessions.update((list = []) => list.filter((s) => s.id !== id));
  }

  dispose(): void {
    this.cleanup.dispose();
  }

  private own<T extends Disposable>(disposable: T): T {
    this.cleanup.add(disposable);
    return disposable;
  }
}
