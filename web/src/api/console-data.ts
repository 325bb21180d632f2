/**
 * Everything the console shows that comes from the server, for one login: the live resources,
 * the event stream that keeps them fresh, and the session actions. Created after login and
 * disposed on logout, so nothing of a previous login keeps running.
 */
import type { CaptureInfo, ContainerSummary, CreateCaptureRequest, CreateRunRequest, Health, NetworkSummary, RunInfo, SessionInfo, TargetRequest, ToolInfo } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { isApiError, type ApiClient } from './api-client';
import { openCaptureFeed, type CaptureFeedHandlers } from './capture-feed';
import { DockerEvents } from './docker-events';
import { LiveResource } from './live-resource';

export class ConsoleData implements Disposable {
  readonly containers: LiveResource<ContainerSummary[]>;
  readonly networks: LiveResource<NetworkSummary[]>;
  readonly sessions: LiveResource<SessionInfo[]>;
  readonly health: LiveResource<Health>;
  /** The tool catalog; fetched once per login (it only changes with a server upgrade). */
  readonly tools: LiveResource<ToolInfo[]>;
  /** Tool runs, live and recently ended; refreshed after each action and when a run's stream ends. */
  readonly runs: LiveResource<RunInfo[]>;
  readonly liveUpdates: DockerEvents;

  private readonly cleanup = new DisposableStore();
  private started = false;

  constructor(private readonly client: ApiClient) {
    this.containers = this.own(new LiveResource(() => client.containers()));
    this.networks = this.own(new LiveResource(() => client.networks()));
    this.sessions = this.own(new LiveResource(() => client.sessions()));
    this.health = this.own(new LiveResource(() => client.health()));
    this.tools = this.own(new LiveResource(() => client.tools()));
    this.runs = this.own(new LiveResource(() => client.runs()));
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
    void this.tools.refresh();
    void this.runs.refresh();
    this.refreshInventory();
    this.liveUpdates.connect();
    // Sessions and runs have no push events of their own (other browsers may open or close some).
    const onFocus = () => {
      void this.sessions.refresh();
      void this.runs.refresh();
    };
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

  /** Starts a tool run (the server validates, starts the toolboxes and answers once it runs). */
  startCapture(request: CreateCaptureRequest): Promise<CaptureInfo> {
    return this.client.createCapture(request);
  }

  async stopCapture(id: string): Promise<void> {
    try {
      await this.client.stopCapture(id);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
  }

  capture(id: string): Promise<CaptureInfo> {
    return this.client.capture(id);
  }

  capturePcapUrl(id: string): string {
    return this.client.capturePcapUrl(id);
  }

  /** Follows a capture's live feed (counters and decoded lines); dispose to stop following. */
  followCapture(capture: CaptureInfo, handlers: CaptureFeedHandlers): { dispose(): void } {
    return openCaptureFeed(this.client.eventsUrl(capture.eventsPath), handlers);
  }

  async startRun(request: CreateRunRequest): Promise<RunInfo> {
    const run = await this.client.createRun(request);
    this.runs.update((list = []) => [...list.filter((r) => r.id !== run.id), run]);
    return run;
  }

  /** Fetches one run again (its result appears once it exited) and records it. */
  async refreshRun(id: string): Promise<RunInfo | null> {
    try {
      const run = await this.client.run(id);
      this.runs.update((list = []) => list.map((r) => (r.id === id ? run : r)));
      return run;
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
      this.runs.update((list = []) => list.filter((r) => r.id !== id));
      return null;
    }
  }

  /** Like sessionExists, for a run's terminal: true unless the server says it is gone. */
  async runExists(id: string): Promise<boolean> {
    try {
      return (await this.refreshRun(id)) !== null;
    } catch {
      return true;
    }
  }

  /** Cancels a run; one that already ended or is gone counts as cancelled. */
  async cancelRun(id: string): Promise<void> {
    try {
      await this.client.deleteRun(id);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
    await this.refreshRun(id).catch(() => null);
  }

  dispose(): void {
    this.cleanup.dispose();
  }

  private own<T extends Disposable>(disposable: T): T {
    this.cleanup.add(disposable);
    return disposable;
  }
}
