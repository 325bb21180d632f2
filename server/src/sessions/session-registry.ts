import { randomBytes } from 'node:crypto';
import { ErrorCode, type ResolvedTarget, type SessionChangeEvent, type TargetRequest } from '@sonde/shared';
import type { ContainerEngine, EngineEvent, RunningToolbox } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import type { Principal } from '../auth/principal.js';
import { scopeOf, type PolicyContext } from '../policy/target-policy.js';
import type { Admission, WorkloadAdmission } from '../toolboxes/workload-admission.js';
import { Session, type EndReason } from './session.js';
import { resolveTarget } from './target-resolver.js';
import { LABELS, buildToolboxSpec, type ToolboxSettings } from './toolbox-spec.js';

export interface SessionOwner {
  id: string;
  name: string;
}

/** The policy check a start runs on the resolved target; throws to refuse it. */
export type TargetCheck = (target: ResolvedTarget, context: PolicyContext) => void;

/**
 * The inventory a target of this kind needs to be resolved and checked: containers for container
 * targets, networks with their members' labels for network targets, nothing for the host.
 */
export async function targetInventory(engine: ContainerEngine, kinds: readonly TargetRequest['kind'][]): Promise<Pick<PolicyContext, 'containers' | 'networks'>> {
  const containers = kinds.includes('container') || kinds.includes('network');
  const [c, n] = await Promise.all([containers ? engine.listContainers() : Promise.resolve([]), kinds.includes('network') ? engine.listNetworks() : Promise.resolve([])]);
  return { containers: c, networks: n };
}

export interface RegistryOptions {
  engine: ContainerEngine;
  toolbox: ToolboxSettings;
  detachedGraceMs: number;
  idleTimeoutMs: number;
  maxSessions: number;
  replayBytes: number;
  /** How long an ended session stays visible (with its exit code) before it is forgotten. */
  endedRetentionMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** The console-wide toolbox budget and the owners' caps and access. */
  admission: WorkloadAdmission;
  /** Whether a container id is the console's own. */
  isConsole?: (containerId: string) => boolean;
}

/**
 * Every live session of this console. Sessions are keyed by an unguessable id and labelled
 * on the engine with it and with this console's instance name, which is how orphans left by
 * a killed server are found again.
 */
export class SessionRegistry {
  private readonly live = new Map<string, Session>();
  private readonly ended = new Map<string, { session: Session; timer: NodeJS.Timeout }>();
  private readonly creating = new Set<Promise<unknown>>();
  /** Ids of sessions whose toolbox exists (or is being made) but that are not live yet. */
  private readonly starting = new Set<string>();
  private accepting = true;
  private readonly changeListeners = new Set<(change: SessionChangeEvent) => void>();
  private readonly startListeners = new Set<(session: Session) => void>();
  private readonly admissions = new Map<string, Admission>();

  constructor(private readonly options: RegistryOptions) {}

  /** Live views (the events stream) learn of sessions starting and ending here. */
  onChange(listener: (change: SessionChangeEvent) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Called with every new session before any client can attach, so followers (recorder, audit,
   * network-state snapshots) see it from its first byte.
   */
  onStarted(listener: (session: Session) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  private emit(change: SessionChangeEvent): void {
    for (const l of this.changeListeners) l(change);
  }

  get size(): number {
    return this.live.size;
  }

  list(): Session[] {
    return [...this.live.values(), ...[...this.ended.values()].map((e) => e.session)];
  }

  get(id: string): Session | undefined {
    return this.live.get(id) ?? this.ended.get(id)?.session;
  }

  async create(request: TargetRequest, principal: Principal, check: TargetCheck): Promise<Session> {
    if (!this.accepting) throw new ApiError(503, ErrorCode.ShuttingDown, 'Sonde is shutting down and accepts no new sessions.');
    if (this.live.size + this.creating.size >= this.options.maxSessions) {
      throw new ApiError(429, ErrorCode.TooManySessions, `This console already runs ${this.options.maxSessions} sessions (SONDE_MAX_SESSIONS); close some first.`);
    }
    const admission = this.options.admission.admit(principal, 'session', 1);
    const work = this.createUnchecked(request, principal, check, admission);
    this.creating.add(work);
    try {
      return await work;
    } catch (error) {
      admission.release();
      throw error;
    } finally {
      this.creating.delete(work);
    }
  }

  private async createUnchecked(request: TargetRequest, principal: Principal, check: TargetCheck, admission: Admission): Promise<Session> {
    const { engine } = this.options;
    const owner: SessionOwner = { id: principal.id, name: principal.name };
    const inventory = await targetInventory(engine, [request.kind]);
    const context = { ...inventory, ...(this.options.isConsole ? { isConsole: this.options.isConsole } : {}) };
    const target = resolveTarget(request, context);
    // The policy decides on the resolved target (full id, its labels), never on what was typed.
    check(target, context);
    const id = randomBytes(16).toString('hex');
    const spec = buildToolboxSpec(id, target, this.options.toolbox);
    this.starting.add(id);
    let toolbox: RunningToolbox;
    try {
      toolbox = await engine.startToolbox(spec);
    } finally {
      this.starting.delete(id);
    }
    const session = new Session({
      id,
      owner,
      target,
      scope: scopeOf(target, context),
      image: spec.image,
      toolbox,
      replayBytes: this.options.replayBytes,
      detachedGraceMs: this.options.detachedGraceMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      removeToolbox: (containerId) => engine.removeContainer(containerId),
      onEnded: (s) => this.retire(s),
    });
    this.live.set(id, session);
    this.admissions.set(id, admission);
    admission.hold({ kind: 'session', id, owner, target, revoke: (reason, detail) => session.revoke(reason, detail) });
    for (const listener of this.startListeners) {
      try {
        listener(session);
      } catch (error) {
        this.options.log.warn({ session: id, err: error instanceof Error ? error.message : String(error) }, 'a session follower failed to start');
      }
    }
    if (!this.accepting) {
      // Shutdown began while Docker was starting it.
      await session.end('shutdown');
      throw new ApiError(503, ErrorCode.ShuttingDown, 'Sonde is shutting down and accepts no new sessions.');
    }
    this.options.log.info({ session: id, target, toolbox: toolbox.id }, 'session started');
    this.emit({ id, state: 'running' });
    return session;
  }

  private retire(session: Session): void {
    if (!this.live.delete(session.id)) return;
    this.admissions.get(session.id)?.release();
    this.admissions.delete(session.id);
    this.options.log.info({ session: session.id, reason: session.endReason, exitCode: session.exitCode }, 'session ended');
    const timer = setTimeout(() => this.ended.delete(session.id), this.options.endedRetentionMs);
    timer.unref();
    this.ended.set(session.id, { session, timer });
    this.emit({ id: session.id, state: 'exited' });
  }

  async end(id: string, reason: EndReason, by?: { id: string; name: string }): Promise<boolean> {
    const session = this.live.get(id);
    if (!session) return this.ended.has(id);
    if (by && !session.endedBy) session.endedBy = { id: by.id, name: by.name };
    await session.end(reason);
    return true;
  }

  /** Reacts to engine events: a target that stops takes its sessions with it, with a clear reason. */
  handleEngineEvent(event: EngineEvent): void {
    if (event.kind !== 'container' || !['die', 'stop', 'kill', 'destroy'].includes(event.action)) return;
    if (event.action === 'kill') return; // a kill is followed by die; act once.
    for (const session of this.live.values()) {
      const t = session.target;
      if (t.kind === 'container' && t.containerId === event.id) void session.end('target-stopped');
    }
  }

  /** The engine went away: sessions cannot survive that; end them with a reason clients can show. */
  engineLost(): void {
    for (const session of this.live.values()) void session.end('engine-lost');
  }

  /**
   * Removes toolboxes of this instance that no live session owns: left by a killed server, or
   * not removable while Docker was unreachable. Safe while sessions are being created.
   */
  async reapOrphans(): Promise<number> {
    const { engine } = this.options;
    const ids = await engine.listToolboxes({ [LABELS.managed]: 'true', [LABELS.instance]: this.options.toolbox.instance });
    const owned = () => new Set([...this.live.values()].map((s) => s.toolboxId));
    const candidates = ids.filter((id) => !owned().has(id));
    // A toolbox being started has no live session yet; its session label says whose it is.
    const details = await Promise.all(candidates.map((id) => engine.inspectContainer(id)));
    const ownedNow = owned();
    const orphans: string[] = [];
    for (const d of details) {
      if (d && !ownedNow.has(d.id) && !this.starting.has(d.labels[LABELS.session] ?? '')) orphans.push(d.id);
    }
    await Promise.all(orphans.map((id) => engine.removeContainer(id).catch(() => undefined)));
    if (orphans.length > 0) this.options.log.warn({ count: orphans.length }, 'removed orphaned toolboxes');
    return orphans.length;
  }

  /** Refuses new sessions, ends every live one and waits until their toolboxes are removed. */
  async shutdown(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.creating]);
    await Promise.allSettled([...this.live.values()].map((s) => s.end('shutdown')));
    for (const { timer } of this.ended.values()) clearTimeout(timer);
  }
}
