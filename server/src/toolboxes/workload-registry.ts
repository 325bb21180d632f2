import { randomBytes } from 'node:crypto';
import { ErrorCode, type ResolvedTarget, type TargetRequest } from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import type { EngineSet } from '../engine/engine-set.js';
import type { EngineEvent, ToolboxEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import { scopeOf, type PolicyContext, type PolicyScope } from '../policy/target-policy.js';
import { resolveOnEngines, type ResolvedOnEngine } from './target-resolver.js';
import type { Admission, WorkloadAdmission } from './workload-admission.js';
import type { CommonEndReason, Workload, WorkloadKind } from './workload.js';

/** The policy check a start runs on the resolved target; throws to refuse it. */
export type TargetCheck = (target: ResolvedTarget, context: PolicyContext) => void;

/** What the registry hands a kind's start: a fresh id, the resolved and allowed target, its engine. */
export interface StartContext {
  id: string;
  target: ResolvedTarget;
  /** The engine the target lives on: the toolboxes start there, through the common part of the seam. */
  engine: ToolboxEngine;
  /** The inventory the target was resolved in (a two-sided tool resolves its peer here too). */
  context: PolicyContext;
  /** What the policy read: kept with the workload's output. */
  scope: PolicyScope;
  /** The workload calls this exactly when it has ended (its toolboxes removed or left to the reaper). */
  ended: () => void;
}

export interface CreateRequest<W> {
  principal: Principal;
  target: TargetRequest;
  /** Inventory the start needs beyond its target's (a two-sided tool resolves its peer container). */
  alsoNeeds?: TargetRequest['kind'][];
  /**
   * Finds the target instead of the resolver, for a kind that reads a target it never enters (a
   * matrix reads a network it does not join, so a non-attachable overlay is fine for it).
   */
  resolve?: () => Promise<ResolvedOnEngine>;
  check: TargetCheck;
  /** Toolboxes it will hold: one, or two for a two-sided tool. */
  toolboxes: number;
  start(context: StartContext): Promise<W>;
}

export interface WorkloadRegistryOptions<W> {
  kind: WorkloadKind;
  engines: EngineSet;
  admission: WorkloadAdmission;
  isConsole?: (containerId: string) => boolean;
  /** Live workloads of this kind at once, and the refusal beyond that. */
  maxLive: number;
  tooMany: (max: number) => ApiError;
  /** How long an ended workload stays listed (with its exit code, result, file). */
  endedRetentionMs: number;
  /** Most ended workloads kept; the oldest is forgotten first. */
  maxEnded?: number;
  /** Called once when an ended workload is forgotten (a capture removes its file). */
  discard?: (workload: W) => void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Toolboxes something owns now, asked by the one reaper before it removes anything. */
export interface ToolboxOwner {
  /** Ids of toolbox containers held by live workloads. */
  ownedToolboxes(): ReadonlySet<string>;
  /** Workload ids whose toolboxes are being created (their `sonde.session` label carries the id). */
  startingIds(): ReadonlySet<string>;
}

const KIND_PLURAL: Record<WorkloadKind, string> = { session: 'sessions', run: 'runs', capture: 'captures', doctor: 'doctor runs', matrix: 'connectivity matrices' };

/**
 * Every workload of one kind: admission (the console's toolbox budget, the owner's cap, this
 * kind's own limit), target resolution and the policy, live and ended workloads, retention,
 * reactions to the engine (a target that stops, the engine lost), shutdown, and what it owns
 * for the reaper. A kind adds only how its workload starts.
 */
export class WorkloadRegistry<W extends Workload> implements ToolboxOwner {
  private readonly live = new Map<string, W>();
  private readonly ended = new Map<string, { workload: W; timer: NodeJS.Timeout }>();
  private readonly creating = new Set<Promise<unknown>>();
  private readonly starting = new Set<string>();
  private readonly admissions = new Map<string, Admission>();
  private readonly startedListeners = new Set<(workload: W) => void>();
  private readonly endedListeners = new Set<(workload: W) => void>();
  private accepting = true;

  constructor(private readonly options: WorkloadRegistryOptions<W>) {}

  get size(): number {
    return this.live.size;
  }

  list(): W[] {
    return [...this.live.values(), ...[...this.ended.values()].map((e) => e.workload)];
  }

  get(id: string): W | undefined {
    return this.live.get(id) ?? this.ended.get(id)?.workload;
  }

  /** Called with every new workload before its creator gets it back (followers see it from its start). */
  onStarted(listener: (workload: W) => void): () => void {
    this.startedListeners.add(listener);
    return () => this.startedListeners.delete(listener);
  }

  onEnded(listener: (workload: W) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  shuttingDown(): ApiError {
    return new ApiError(503, ErrorCode.ShuttingDown, `Sonde is shutting down and accepts no new ${KIND_PLURAL[this.options.kind]}.`);
  }

  async create(request: CreateRequest<W>): Promise<W> {
    if (!this.accepting) throw this.shuttingDown();
    if (this.live.size + this.creating.size >= this.options.maxLive) throw this.options.tooMany(this.options.maxLive);
    const admission = this.options.admission.admit(request.principal, this.options.kind, request.toolboxes);
    const id = randomBytes(16).toString('hex');
    this.starting.add(id);
    const work = this.launch(id, request);
    this.creating.add(work);
    try {
      const workload = await work;
      this.live.set(id, workload);
      this.admissions.set(id, admission);
      this.hold(id, workload, admission);
      if (!workload.running) {
        // It ended while it started (its process exited at once): retire it like any other.
        this.retire(id);
        return workload;
      }
      for (const listener of this.startedListeners) {
        try {
          listener(workload);
        } catch (error) {
          this.options.log.warn({ [this.options.kind]: id, err: error instanceof Error ? error.message : String(error) }, 'a follower failed to start');
        }
      }
      if (!this.accepting) {
        // Shutdown began while Docker was starting it.
        await workload.end('shutdown');
        throw this.shuttingDown();
      }
      return workload;
    } catch (error) {
      admission.release();
      throw error;
    } finally {
      this.creating.delete(work);
      this.starting.delete(id);
    }
  }

  private hold(id: string, workload: W, admission: Admission): void {
    admission.hold({
      kind: this.options.kind,
      id,
      owner: workload.owner,
      target: workload.target,
      ...(workload.policyTargets ? { policyTargets: () => workload.policyTargets!() } : {}),
      revoke: (reason, detail) => workload.revoke(reason, detail),
    });
  }

  /**
   * Takes an ended workload back into the live set for more work on it (a matrix probing one of
   * its cells again after it finished): admitted like a new one (shutdown, this kind's limit, the
   * principal's cap, the console's toolbox budget) and held for its owner's access again. The
   * workload calls the returned function when that work is done, and is retired again.
   */
  reopen(id: string, principal: Principal, toolboxes: number): () => void {
    if (!this.accepting) throw this.shuttingDown();
    const entry = this.ended.get(id);
    if (!entry) throw new Error(`${this.options.kind} ${id} has not ended`);
    if (this.live.size + this.creating.size >= this.options.maxLive) throw this.options.tooMany(this.options.maxLive);
    const admission = this.options.admission.admit(principal, this.options.kind, toolboxes);
    clearTimeout(entry.timer);
    this.ended.delete(id);
    this.live.set(id, entry.workload);
    this.admissions.set(id, admission);
    this.hold(id, entry.workload, admission);
    return () => this.retire(id);
  }

  private async launch(id: string, request: CreateRequest<W>): Promise<W> {
    const { handle, target, context } = request.resolve
      ? await request.resolve()
      : await resolveOnEngines(this.options.engines, request.target, {
          ...(request.alsoNeeds ? { alsoNeeds: request.alsoNeeds } : {}),
          ...(this.options.isConsole ? { isConsole: this.options.isConsole } : {}),
        });
    // The policy decides on the resolved target (full id, its labels), never on what was typed.
    request.check(target, context);
    return request.start({ id, target, engine: handle.engine, context, scope: scopeOf(target, context), ended: () => this.retire(id) });
  }

  private retire(id: string): void {
    const workload = this.live.get(id);
    if (!workload) return;
    this.live.delete(id);
    this.admissions.get(id)?.release();
    this.admissions.delete(id);
    const timer = setTimeout(() => this.forget(id), this.options.endedRetentionMs);
    timer.unref();
    this.ended.set(id, { workload, timer });
    // Bounded: beyond the most recent maxEnded, the oldest go.
    while (this.options.maxEnded !== undefined && this.ended.size > this.options.maxEnded) {
      this.forget(this.ended.keys().next().value as string);
    }
    for (const listener of this.endedListeners) listener(workload);
  }

  private forget(id: string): void {
    const entry = this.ended.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.ended.delete(id);
    this.options.discard?.(entry.workload);
  }

  /** Ends a live workload; resolves once its toolboxes are removed. False when the id is unknown. */
  async end(id: string, reason: CommonEndReason = 'deleted'): Promise<boolean> {
    const workload = this.live.get(id);
    if (!workload) return this.ended.has(id);
    await workload.end(reason);
    return true;
  }

  /** A workload whose target (or peer) container or pod stops ends with it, with a reason clients can show. */
  handleEngineEvent(engine: string, event: EngineEvent): void {
    if (!event.ends) return;
    for (const workload of this.live.values()) {
      if (workload.dependsOn(engine, event.id)) void workload.end('target-stopped');
    }
  }

  /** An engine went away: nothing that runs on it can survive that; the others' workloads go on. */
  engineLost(engine: string): void {
    for (const workload of this.live.values()) if (workload.usesEngine(engine)) void workload.end('engine-lost');
  }

  ownedToolboxes(): ReadonlySet<string> {
    return new Set([...this.live.values()].flatMap((w) => w.toolboxIds));
  }

  startingIds(): ReadonlySet<string> {
    return this.starting;
  }

  /** Refuses new workloads, ends every live one and waits until their toolboxes are removed. */
  async shutdown(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.creating]);
    await Promise.allSettled([...this.live.values()].map((w) => w.end('shutdown')));
    for (const { timer } of this.ended.values()) clearTimeout(timer);
  }
}
