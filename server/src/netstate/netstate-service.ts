import { randomBytes } from 'node:crypto';
import { ErrorCode, describeTarget, type NetstateChange, type NetstateChangeDetail, type NetstatePending, type NetstateRevertStep, type NetstateSectionChange, type ResolvedTarget } from '@sonde/shared';
import { SYSTEM_ACTOR, type Actor, type AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { EngineSet } from '../engine/engine-set.js';
import type { Database } from '../store/database.js';
import { ApiError } from '../http/api-error.js';
import type { Session } from '../sessions/session.js';
import type { SessionRegistry } from '../sessions/session-registry.js';
import { NamespaceProbe } from './namespace-probe.js';
import { compareSection, compareSnapshots, formatDiff, isXtables } from './netstate-compare.js';
import { iptablesNftTables, planNftRestore, planTcRestore, planXtablesRestore } from './netstate-revert.js';
import { sectionText, type NetSnapshot } from './netstate-snapshot.js';
import { NetstateStore } from './netstate-store.js';

/**
 * "Changes left behind": a session into a container (or the host) can change firewall and
 * traffic control in a namespace that outlives its toolbox. This snapshots the namespace when
 * a session starts and when it ends, records a difference (store, audit trail, live event) and
 * reverts one on request. Network-mode sessions are skipped: their namespace is the toolbox's
 * own and dies with it. Both snapshots run with an exec in the session's own toolbox, which is
 * in that namespace already: the starting one once the shell's first output (its prompt) has
 * arrived, so it does not compete with the shell's start, the final one after the session has
 * ended and before its toolbox is let go (the toolbox outlives its shell).
 *
 * Limits: a change made before the starting snapshot completes (about the prompt's time plus a
 * few hundred milliseconds) is part of the baseline and goes unnoticed. A session nobody typed
 * in is not snapshotted at its end (it cannot have changed anything).
 */

/** The starting snapshot waits for the shell's first output at most this long. */
const BASELINE_AFTER_MS = 1_000;

export interface NetstateServiceOptions {
  engines: EngineSet;
  registry: SessionRegistry;
  store: NetstateStore;
  audit: AuditLog;
  probe: NamespaceProbe;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** How long shutdown waits for sessions' final snapshots. */
  shutdownGraceMs?: number;
}

interface Followed {
  session: Session;
  target: ResolvedTarget;
  baseline: Promise<NetSnapshot | undefined>;
  targetStartedAt: Promise<string | undefined>;
  typed: boolean;
  /** The automatic check after typing went quiet (see scheduleCheck). */
  checkTimer: NodeJS.Timeout | undefined;
  lastCheckAt: number;
  /** Settles once the session ended and its final snapshot was compared (or skipped). */
  done: Promise<void>;
}

/**
 * The open session's diff is computed on triggers, not on a timer: a snapshot is an exec in the
 * session's toolbox (a few hundred milliseconds of the engine's and the toolbox's time), so polling
 * every open session would cost the most exactly when nothing happens. Triggers: this long after the last keystroke (a command ran and
 * its output is in), at most once per CHECK_MIN_GAP_MS per session, and "Check now".
 */
const CHECK_QUIET_MS = 3000;
const CHECK_MIN_GAP_MS = 10_000;

/** Milliseconds each snapshot took, newest last (a few dozen), for the benchmark figures and tests. */
const KEPT_TIMINGS = 50;

export class NetstateService {
  private readonly followed = new Map<string, Followed>();
  private readonly listeners = new Set<(change: NetstateChange) => void>();
  private readonly pendingListeners = new Set<(pending: NetstatePending) => void>();
  /** Reverts of one target run one after the other. */
  private readonly targetLocks = new Map<string, Promise<unknown>>();
  private readonly timings: number[] = [];
  private stopFollowing: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: NetstateServiceOptions) {}

  start(): void {
    this.stopFollowing ??= this.options.registry.onStarted((session) => this.follow(session));
  }

  /** Detections as they are recorded and reverted (for the live events stream). */
  onChange(listener: (change: NetstateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An open session's diff so far, whenever one is computed (for the live events stream). */
  onPending(listener: (pending: NetstatePending) => void): () => void {
    this.pendingListeners.add(listener);
    return () => this.pendingListeners.delete(listener);
  }

  /**
   * What the open session has changed so far: its starting snapshot against one taken now.
   * Undefined for a session that is not followed (network sessions, ended ones) or whose
   * starting snapshot failed. Everyone watching hears the result (`onPending`).
   */
  async check(sessionId: string): Promise<NetstatePending | undefined> {
    const entry = this.followed.get(sessionId);
    if (!entry || this.closed) return undefined;
    clearTimeout(entry.checkTimer);
    entry.checkTimer = undefined;
    entry.lastCheckAt = Date.now();
    const baseline = await entry.baseline;
    if (!baseline || !entry.session.running) return undefined;
    const now = await this.snapshot(entry.session, true);
    const pending: NetstatePending = {
      sessionId,
      checkedAt: new Date().toISOString(),
      sections: compareSnapshots(baseline, now).map(({ section, added, removed, lines }) => ({ section, added, removed, diff: formatDiff(lines) })),
    };
    for (const listener of this.pendingListeners) {
      try {
        listener(pending);
      } catch {
        // A broken stream must not fail the check.
      }
    }
    return pending;
  }

  /** After typing goes quiet, check once (not more often than CHECK_MIN_GAP_MS). */
  private scheduleCheck(entry: Followed): void {
    if (this.closed) return;
    clearTimeout(entry.checkTimer);
    const delay = Math.max(CHECK_QUIET_MS, entry.lastCheckAt + CHECK_MIN_GAP_MS - Date.now());
    entry.checkTimer = setTimeout(() => {
      this.check(entry.session.id).catch((error: unknown) => {
        this.options.log.warn({ session: entry.session.id, err: error instanceof Error ? error.message : String(error) }, 'could not check the network state of an open session');
      });
    }, delay);
    entry.checkTimer.unref();
  }

  list(): NetstateChange[] {
    return this.options.store.list();
  }

  detail(id: string): NetstateChangeDetail {
    const record = this.find(id);
    const sections = record.change.sections.map(({ section }) => {
      const before = sectionText(record.before, section) ?? '';
      const after = sectionText(record.after, section) ?? '';
      const comparison = compareSection(section, before, after);
      return { section, added: comparison?.added ?? 0, removed: comparison?.removed ?? 0, before, after, diff: comparison ? formatDiff(comparison.lines) : '' };
    });
    return { change: record.change, sections };
  }

  /** Resolves once the session's starting snapshot was taken (or failed); for tests and scripts. */
  async baselineTaken(sessionId: string): Promise<boolean> {
    const entry = this.followed.get(sessionId);
    return entry ? (await entry.baseline) !== undefined : false;
  }

  /** Resolves once the session's final snapshot was compared (or skipped). */
  async settled(sessionId: string): Promise<void> {
    await this.followed.get(sessionId)?.done;
  }

  /** Recent snapshot durations in milliseconds. */
  snapshotTimings(): readonly number[] {
    return this.timings;
  }

  /**
   * Waits (bounded) for snapshots in flight (start snapshots, and final snapshots of sessions
   * that ended just before), so their toolboxes are removed before the process exits. Sessions
   * ended by the shutdown itself are not compared (see finish()).
   */
  async shutdown(): Promise<void> {
    this.stopFollowing?.();
    for (const entry of this.followed.values()) clearTimeout(entry.checkTimer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.options.shutdownGraceMs ?? 5_000).unref());
    // Queued snapshots are dropped at once; the ones running finish within the grace.
    this.options.probe.close();
    await Promise.race([Promise.allSettled([...this.followed.values()].map((f) => f.done)), grace]);
    this.closed = true;
  }

  private follow(session: Session): void {
    const target = session.target;
    // A network session's (or an overlay namespace helper's) namespace is not a target's: nothing to
    // follow. Kubernetes targets are not followed yet (docs/kubernetes.md, "Not yet").
    if (target.kind === 'network' || target.kind === 'network-namespace' || target.kind === 'pod' || target.kind === 'node' || this.closed) return;
    const { log } = this.options;
    let finished!: () => void;
    let prompted!: () => void;
    const prompt = new Promise<void>((resolve) => (prompted = resolve));
    const fallback = setTimeout(prompted, BASELINE_AFTER_MS);
    fallback.unref();
    const stopWatching = session.observe({ output: () => prompted() });
    void prompt.then(() => {
      clearTimeout(fallback);
      stopWatching();
    });
    const entry: Followed = {
      session,
      target,
      baseline: prompt
        .then(() => this.snapshot(session, true))
        .catch((error: unknown) => {
          // A session that ended meanwhile took its toolbox, and the snapshot in it, along.
          if (session.running) log.warn({ session: session.id, err: error instanceof Error ? error.message : String(error) }, 'could not snapshot the network state at session start');
          return undefined;
        }),
      targetStartedAt: target.kind === 'container' ? this.options.engines.pickDocker(target.engine).engine.inspectContainer(target.containerId).then((d) => d?.startedAt, () => undefined) : Promise.resolve(undefined),
      typed: false,
      checkTimer: undefined,
      lastCheckAt: 0,
      done: new Promise<void>((resolve) => (finished = resolve)),
    };
    this.followed.set(session.id, entry);
    session.observe({
      input: () => {
        entry.typed = true;
        this.scheduleCheck(entry);
      },
      // Before the toolbox is let go: the final snapshot runs in it.
      releasing: () => {
        clearTimeout(entry.checkTimer);
        return this.finish(entry)
          .catch((error: unknown) => {
            log.warn({ session: session.id, err: error instanceof Error ? error.message : String(error) }, 'could not compare the network state at session end');
          })
          .finally(() => {
            this.followed.delete(session.id);
            finished();
          });
      },
    });
  }

  private async finish(entry: Followed): Promise<void> {
    const { session, target } = entry;
    // Nobody typed: nothing can have changed. Target gone or restarted: the namespace went with it.
    if (!entry.typed || this.closed) return;
    // Shutdown must stay quick: it does not wait for snapshots.
    if (session.endReason === 'target-stopped' || session.endReason === 'engine-lost' || session.endReason === 'shutdown') return;
    const baseline = await entry.baseline;
    if (!baseline) return;
    const startedAt = await entry.targetStartedAt;
    if (target.kind === 'container') {
      const detail = await this.options.engines.pickDocker(target.engine).engine.inspectContainer(target.containerId);
      if (!detail?.running || detail.startedAt !== startedAt) return;
    }
    const after = await this.snapshot(session, false);
    const changed = compareSnapshots(baseline, after);
    if (changed.length === 0 || this.closed) return;
    // Two sessions open on one target both see a change one of them made: report it once.
    const latest = this.options.store.latestFor(targetKey(target));
    if (latest && latest.change.detectedAt >= session.createdAt.toISOString() && compareSnapshots(latest.after, after).length === 0) return;
    const sections: NetstateSectionChange[] = changed.map(({ section, added, removed }) => ({ section, added, removed }));
    const change: NetstateChange = {
      id: randomBytes(16).toString('hex'),
      sessionId: session.id,
      target,
      targetLabel: describeTarget(target),
      sessionStartedAt: session.createdAt.toISOString(),
      detectedAt: new Date().toISOString(),
      sessionOwner: { ...session.owner },
      concurrentSessions: this.concurrentWith(session),
      sections,
      // Docker rewrites the host's rules all the time; putting an old copy back would break it.
      revertible: target.kind === 'container',
    };
    this.options.store.insert({ change, targetKey: targetKey(target), before: baseline, after, targetStartedAt: startedAt });
    this.options.audit.record({
      actor: SYSTEM_ACTOR,
      action: 'netstate-changed',
      sessionId: session.id,
      target: change.targetLabel,
      detail: { change: change.id, sections: summarise(sections), owner: session.owner.name, ...(change.concurrentSessions.length > 0 ? { concurrentSessions: change.concurrentSessions } : {}) },
    });
    this.options.log.info({ session: session.id, change: change.id, sections: summarise(sections) }, 'a session left network changes behind');
    this.emit(change);
  }

  /** Other sessions on the same target still open as this one ends (any of them may have made the change). */
  private concurrentWith(session: Session): string[] {
    const key = targetKey(session.target);
    return [...this.followed.values()].filter((f) => f.session.id !== session.id && targetKey(f.target) === key).map((f) => f.session.id);
  }

  /**
   * Puts the namespace back as the session found it, then snapshots it again to say whether
   * that worked. Order matters: iptables tables first (with iptables-restore, which keeps them
   * readable by iptables-nft), then whatever nft still shows different, then qdiscs.
   */
  async revert(id: string, actor: Actor): Promise<NetstateChange> {
    const record = this.find(id);
    const { change, before } = record;
    const target = change.target;
    if (!change.revertible || target.kind !== 'container') {
      throw new ApiError(
        409,
        ErrorCode.NetstateNotRevertible,
        "Sonde does not revert the host's firewall or traffic control: Docker changes them all the time, and putting back an old copy would break its networking. The diff shows what changed.",
      );
    }
    return this.withTargetLock(target.containerId, async () => {
      const detail = await this.options.engines.pickDocker(target.engine).engine.inspectContainer(target.containerId);
      if (!detail) throw new ApiError(409, ErrorCode.TargetNotRunning, `The container ${target.containerName} no longer exists; its network namespace, and the change, went with it.`);
      if (!detail.running) throw new ApiError(409, ErrorCode.TargetNotRunning, `The container ${target.containerName} is not running; start it before reverting (a fresh start has a fresh namespace without the change).`);
      if (record.targetStartedAt && detail.startedAt && detail.startedAt !== record.targetStartedAt) {
        throw new ApiError(409, ErrorCode.TargetNotRunning, `The container ${target.containerName} restarted since the change was detected: its network namespace is new and no longer has the change.`);
      }
      const steps: NetstateRevertStep[] = [];
      const notes: string[] = [];
      let current = await this.snapshotInToolbox(target);
      const xtables = compareSnapshots(before, current).filter((c) => isXtables(c.section));
      for (const { section } of xtables) {
        steps.push(await this.options.probe.restore(target, planXtablesRestore(section, sectionText(before, section) ?? '', sectionText(current, section) ?? '')));
      }
      // iptables-nft tables are nft tables too: look again before touching nft.
      if (xtables.length > 0 && compareSection('nft', sectionText(before, 'nft'), sectionText(current, 'nft'))) current = await this.snapshotInToolbox(target);
      if (compareSection('nft', sectionText(before, 'nft'), sectionText(current, 'nft'))) {
        const managed = iptablesNftTables(sectionText(before, 'iptables') ?? '', sectionText(before, 'ip6tables') ?? '');
        const plan = planNftRestore(sectionText(before, 'nft') ?? '', sectionText(current, 'nft') ?? '', managed);
        notes.push(...plan.notes);
        if (plan.command) steps.push(await this.options.probe.restore(target, plan.command));
      }
      if (compareSection('tc', sectionText(before, 'tc'), sectionText(current, 'tc'))) {
        const plan = planTcRestore(sectionText(before, 'tc') ?? '', sectionText(current, 'tc') ?? '');
        notes.push(...plan.notes);
        if (plan.command) steps.push(await this.options.probe.restore(target, plan.command));
      }
      const final = await this.snapshotInToolbox(target);
      const remaining = compareSnapshots(before, final).map(({ section, added, removed }) => ({ section, added, removed }));
      const reverted = { at: new Date().toISOString(), by: { id: actor.id, name: actor.name }, matches: remaining.length === 0, remaining, steps, notes };
      this.options.store.setReverted(change.id, reverted);
      this.options.audit.record({
        actor,
        action: 'netstate-reverted',
        sessionId: change.sessionId,
        target: change.targetLabel,
        detail: { change: change.id, matches: reverted.matches, steps: steps.map((s) => `${s.command}: ${s.ok ? 'ok' : 'failed'}`), ...(remaining.length > 0 ? { remaining: summarise(remaining) } : {}) },
      });
      const updated = { ...change, reverted };
      this.emit(updated);
      return updated;
    });
  }

  notFound(id: string): ApiError {
    return new ApiError(404, ErrorCode.NetstateNotFound, `There is no detected network change ${id}.`);
  }

  private find(id: string) {
    const record = this.options.store.get(id);
    if (!record) throw this.notFound(id);
    return record;
  }

  /** A session's snapshot, in its own toolbox. */
  private async snapshot(session: Session, urgent: boolean): Promise<NetSnapshot> {
    return this.timed(await this.options.probe.snapshotIn(session.target, session.toolboxId, urgent));
  }

  /** A revert's snapshot: its session's toolbox is gone, so in a toolbox of its own. */
  private async snapshotInToolbox(target: ResolvedTarget): Promise<NetSnapshot> {
    return this.timed(await this.options.probe.snapshot(target, true));
  }

  private timed({ snapshot, elapsedMs }: { snapshot: NetSnapshot; elapsedMs: number }): NetSnapshot {
    this.timings.push(elapsedMs);
    if (this.timings.length > KEPT_TIMINGS) this.timings.shift();
    return snapshot;
  }

  private async withTargetLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.targetLocks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    this.targetLocks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.targetLocks.get(key) === run) this.targetLocks.delete(key);
    }
  }

  private emit(change: NetstateChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A slow or broken event stream must not lose the record.
      }
    }
  }
}

/** Identifies a namespace: the container's (ids are unique across engines), or an engine's host's. */
export function targetKey(target: ResolvedTarget): string {
  if (target.kind === 'container') return `container:${target.containerId}`;
  return target.engine === 'local' ? target.kind : `${target.kind}:${target.engine}`;
}

/** `iptables +1 -0, tc +2 -1`: the audit trail's compact form. */
function summarise(sections: readonly NetstateSectionChange[]): string {
  return sections.map((s) => `${s.section} +${s.added} -${s.removed}`).join(', ');
}

/** Snapshot toolboxes at once; more wait (a session's starting snapshot goes first). */
const PROBE_CONCURRENCY = 4;
/** A snapshot or restore toolbox that takes longer than this is removed and counts as failed. */
const PROBE_TIMEOUT_MS = 20_000;

/** The service with its store (in the console's database) and probe (toolboxes like the sessions'). */
export function createNetstateService(deps: {
  engines: EngineSet;
  registry: SessionRegistry;
  db: Database;
  audit: AuditLog;
  config: Pick<Config, 'toolboxImage' | 'instance' | 'toolboxLimits'>;
  log: NetstateServiceOptions['log'];
}): { service: NetstateService; probe: NamespaceProbe } {
  const probe = new NamespaceProbe({
    engines: deps.engines,
    toolbox: { image: deps.config.toolboxImage, instance: deps.config.instance, limits: deps.config.toolboxLimits },
    concurrency: PROBE_CONCURRENCY,
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return { service: new NetstateService({ engines: deps.engines, registry: deps.registry, store: new NetstateStore(deps.db), audit: deps.audit, probe, log: deps.log }), probe };
}
