/**
 * Everything the console shows that comes from the server, for one login: one resource module
 * per area, and the event stream that keeps them fresh. Created after login and disposed on
 * logout, so nothing of a previous login keeps running.
 */
import type { SondeClient } from '@sonde/client';
import type { Health, Me } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { Admin } from './admin';
import { Audit } from './audit';
import { Captures } from './captures';
import { Diagnosis } from './diagnosis';
import { EventStream } from './events';
import { Inventory } from './inventory';
import type { ResourceSnapshot } from './live-resource';
import { Netstate } from './netstate';
import { canOperate } from './permissions';
import { Recordings } from './recordings';
import { Runs } from './runs';
import { Sessions } from './sessions';
import { Shares } from './shares';
import { TopologyMap } from './topology';

/** Whether any engine's reachability differs between two health reports (a first report counts as a change). */
export function reachabilityChanged(before: Health | undefined, after: Health): boolean {
  if (!before) return true;
  const was = new Map(before.engines.map((e) => [e.name, e.reachable]));
  return after.engines.length !== before.engines.length || after.engines.some((e) => was.get(e.name) !== e.reachable);
}

/**
 * Whether a pushed health report calls for refetching the engines and their objects. The event
 * stream's first report arrives while the console's first fetches are still out: they answer
 * for the same moment, so fetching everything again would only double the page's first requests.
 */
export function refetchAfterHealth(before: ResourceSnapshot<Health>, after: Health): boolean {
  if (before.status === 'loading') return false;
  return reachabilityChanged(before.status === 'ready' ? before.data : undefined, after);
}

export class ConsoleData implements Disposable {
  /** Engines, their containers and networks, Swarm nodes and services, and Docker's health. */
  readonly inventory: Inventory;
  readonly sessions: Sessions;
  readonly shares: Shares;
  /** The tool catalog and the tool runs. */
  readonly runs: Runs;
  readonly captures: Captures;
  /** Session recordings: fetched only by the recordings page. */
  readonly recordings: Recordings;
  /** Firewall and qdisc changes sessions left behind; pushed by the event stream. */
  readonly netstate: Netstate;
  /** Users, tokens, policy: fetched only by the admin pages. */
  readonly admin: Admin;
  readonly audit: Audit;
  /** Doctor runs and connectivity matrices; pushed by the event stream. */
  readonly diagnosis: Diagnosis;
  /** The topology map's graph: fetched while a page shows it. */
  readonly topology: TopologyMap;
  readonly liveUpdates: EventStream;

  private readonly cleanup = new DisposableStore();
  private started = false;

  /**
   * `me`: who is logged in. A share-link principal may read its one session and nothing else,
   * so for it this loads only that session (everything else would be refused).
   */
  constructor(
    client: SondeClient,
    readonly me: Me | null = null,
  ) {
    this.inventory = this.own(new Inventory(client));
    this.sessions = this.own(new Sessions(client, me?.kind === 'share' ? me.share?.sessionId : undefined));
    this.shares = new Shares(client);
    this.runs = this.own(new Runs(client));
    this.captures = this.own(new Captures(client));
    this.recordings = this.own(new Recordings(client));
    this.netstate = this.own(new Netstate(client));
    this.admin = this.own(new Admin(client));
    this.audit = this.own(new Audit(client));
    this.diagnosis = this.own(new Diagnosis(client));
    this.topology = this.own(new TopologyMap(client));
    this.liveUpdates = this.own(
      new EventStream({
        url: client.eventsUrl(),
        // Toolboxes are containers, so container events also mean sessions changed.
        onChange: () => {
          this.refreshInventory();
          this.topology.changed();
        },
        onHealth: (health) => {
          const before = this.inventory.health.getSnapshot();
          this.inventory.health.update(() => health);
          // An engine came back or went away: its objects, version and Swarm role changed with it,
          // and the map draws it reachable or not.
          if (refetchAfterHealth(before, health)) {
            void this.inventory.refreshEngines();
            this.refreshInventory();
            this.topology.changed();
          }
        },
        onResume: () => {
          void this.inventory.refreshEngines();
          this.refreshInventory();
          void this.inventory.health.refresh();
          void this.netstate.list.refresh();
          this.topology.changed();
          this.diagnosis.resync();
        },
        onAudit: (entry) => this.audit.feed.emit('entry', entry),
        onNetstate: (change) => this.netstate.received(change),
        onNetstatePending: (pending) => this.netstate.receivedPending(pending),
        onToolboxImage: (event) => this.inventory.toolboxImageChanged(event),
        onDoctor: (event) => this.diagnosis.doctorProgress(event),
        onMatrix: (event) => this.diagnosis.matrixProgress(event),
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
    const operate = canOperate(this.me);
    // The sessions first: a session's page (a deep link) waits for its session and nothing else,
    // and a browser sends at most six requests to one server at a time.
    void this.sessions.refresh();
    void this.inventory.health.refresh();
    // The engines before the lists: whether there is a Swarm to list depends on their roles.
    void this.inventory.refreshEngines();
    void this.runs.tools.refresh();
    if (operate) void this.runs.list.refresh();
    // Captures outlive the page that started them: the list, the status bar and the panels read it.
    if (operate) void this.captures.list.refresh();
    void this.netstate.list.refresh();
    this.inventory.refresh();
    this.liveUpdates.connect();
    // Sessions and runs have no push events of their own (other browsers may open or close some).
    this.refreshOnFocus(() => {
      void this.sessions.refresh();
      if (operate) void this.runs.list.refresh();
      if (operate) void this.captures.list.refresh();
    });
  }

  refreshInventory(): void {
    if (this.me?.kind !== 'share') this.inventory.refresh();
    void this.sessions.refresh();
  }

  dispose(): void {
    this.cleanup.dispose();
  }

  /** A share principal's view: its session (no event stream: it may not subscribe to one). */
  private startForShare(): void {
    void this.inventory.health.refresh();
    void this.sessions.refresh();
    this.refreshOnFocus(() => void this.sessions.refresh());
  }

  private refreshOnFocus(refresh: () => void): void {
    window.addEventListener('focus', refresh);
    this.cleanup.add(() => window.removeEventListener('focus', refresh));
  }

  private own<T extends Disposable>(disposable: T): T {
    this.cleanup.add(disposable);
    return disposable;
  }
}
