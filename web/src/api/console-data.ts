/**
 * Everything the console shows that comes from the server, for one login: the live resources,
 * the event stream that keeps them fresh, and the session actions. Created after login and
 * disposed on logout, so nothing of a previous login keeps running.
 */
import type { CaptureInfo, ContainerSummary, CreateCaptureRequest, CreateRunRequest, Health, NetworkSummary, RunInfo, SessionInfo, TargetRequest, ToolInfo } from '@sonde/shared';
import { roleAtLeast, type CreatedShare, type CreateShareRequest, type Me, type ShareInfo } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { AdminData } from './admin-data';
import { isApiError, type ApiClient } from './api-client';
import { openCaptureFeed, type CaptureFeedHandlers } from './capture-feed';
import { DockerEvents } from './docker-events';
import { LiveResource } from './live-resource';
import { NetstateData } from './netstate-data';
import { RecordingsData } from './recordings-data';

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
  /** Users, tokens, policy, audit: fetched only by the admin pages. */
  readonly admin: AdminData;
  /** Session recordings: fetched only by the recordings page. */
  readonly recordings: RecordingsData;
  /** Firewall and qdisc changes sessions left behind; pushed by the event stream. */
  readonly netstate: NetstateData;

  private readonly cleanup = new DisposableStore();
  private started = false;

  /**
   * `me`: who is logged in. A share-link principal may read its one session and nothing else,
   * so for it this loads only that session (everything else would be refused).
   */
  constructor(
    private readonly client: ApiClient,
    readonly me: Me | null = null,
  ) {
    const sharedSessionId = me?.kind === 'share' ? me.share?.sessionId : undefined;
    this.containers = this.own(new LiveResource(() => client.containers()));
    this.networks = this.own(new LiveResource(() => client.networks()));
    this.sessions = this.own(
      new LiveResource(() => (sharedSessionId === undefined ? client.sessions() : this.sharedSession(sharedSessionId))),
    );
    this.admin = this.own(new AdminData(client));
    this.recordings = this.own(new RecordingsData(client));
    this.netstate = this.own(new NetstateData(client));
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
          void this.netstate.list.refresh();
        },
        onAudit: (entry) => this.admin.auditFeed.emit('entry', entry),
        onNetstate: (change) => this.netstate.received(change),
      }),
    );
  }

  start(): void {
    if (this.started || this.cleanup.isDisposed) return;
    this.started = true;
    if (this.me?.kind === 'share') {
      this.startForShare();
      return;
    }
    void this.health.refresh();
    void this.tools.refresh();
    if (this.canOperate) void this.runs.refresh();
    void this.netstate.list.refresh();
    this.refreshInventory();
    this.liveUpdates.connect();
    // Sessions and runs have no push events of their own (other browsers may open or close some).
    const onFocus = () => {
      void this.sessions.refresh();
      if (this.canOperate) void this.runs.refresh();
    };
    window.addEventListener('focus', onFocus);
    this.cleanup.add(() => window.removeEventListener('focus', onFocus));
  }

  /** Viewers browse only: runs, shells and captures are refused to them. */
  get canOperate(): boolean {
    return this.me === null || (this.me.kind !== 'share' && roleAtLeast(this.me.role, 'operator'));
  }

  refreshInventory(): void {
    if (this.me?.kind === 'share') {
      void this.sessions.refresh();
      return;
    }
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
    const refused = snapshot.status === 'ready' ? snapshot.refreshError : snapshot.status === 'failed' ? snapshot.error : null;
    if (this.me?.kind === 'share' && isApiError(refused, 401)) {
      // A guest whose link ended while its terminal was away: reconnecting cannot succeed.
      this.client.events.emit('unauthorized', refused);
      return true;
    }
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

  /** The share links of a session (owner or admin), revoked and expired ones included. */
  shareLinks(sessionId: string): Promise<ShareInfo[]> {
    return this.client.shares(sessionId);
  }

  /** The reply holds the link's URL (its secret): shown once by the share dialog. */
  createShareLink(sessionId: string, request: CreateShareRequest): Promise<CreatedShare> {
    return this.client.createShare(sessionId, request);
  }

  /** Everyone who joined through the link is disconnected; an already gone link counts as revoked. */
  async revokeShareLink(sessionId: string, shareId: string): Promise<void> {
    try {
      await this.client.revokeShare(sessionId, shareId);
    } catch (error) {
      if (!isApiError(error, 404)) throw error;
    }
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

  /** A share principal's view: its session (no event stream: it may not subscribe to one). */
  private startForShare(): void {
    void this.health.refresh();
    void this.sessions.refresh();
    const onFocus = () => void this.sessions.refresh();
    window.addEventListener('focus', onFocus);
    this.cleanup.add(() => window.removeEventListener('focus', onFocus));
  }

  /** The one session a share link reaches, as a list; an ended and reaped session is an empty one. */
  private async sharedSession(id: string): Promise<SessionInfo[]> {
    try {
      // When the link is revoked the terminal says so (close 4003); a refetch then must not
      // swap the pane for the login form, so its 401 is not reported as a lost login here.
      return [await this.client.session(id, { expectUnauthorized: true })];
    } catch (error) {
      if (isApiError(error, 404)) return [];
      throw error;
    }
  }

  private own<T extends Disposable>(disposable: T): T {
    this.cleanup.add(disposable);
    return disposable;
  }
}
