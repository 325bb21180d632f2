import type { ResolvedTarget } from '@sonde/shared';

/**
 * Anything that owns toolbox containers on a principal's behalf: a shell session, a tool run, a
 * packet capture, a doctor run, a connectivity matrix (and later other engines' workloads). The
 * registry, the reaper and the access rules see them only through this.
 */
export const WORKLOAD_KINDS = ['session', 'run', 'capture', 'doctor', 'matrix'] as const;

export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** Who started it: the principal whose access it is held for. */
export interface WorkloadOwner {
  id: string;
  name: string;
}

/** Why a workload is ended from outside: its owner's access, or the policy, changed. */
export type RevocationReason = 'access-revoked' | 'policy';

/** Reasons every workload knows, for endings that come from outside it. */
export type CommonEndReason = 'deleted' | 'target-stopped' | 'engine-lost' | 'shutdown' | RevocationReason;

/**
 * The object a workload on this target lives in, by the id engine events name it with: a
 * container's id, a pod's uid. Undefined for targets that stop only with their engine (a host,
 * a network, a node).
 */
export function livesIn(target: ResolvedTarget): string | undefined {
  switch (target.kind) {
    case 'container':
      return target.containerId;
    case 'pod':
      return target.podUid;
    default:
      return undefined;
  }
}

export interface Workload {
  readonly id: string;
  readonly owner: WorkloadOwner;
  readonly target: ResolvedTarget;
  /**
   * Every target it runs in, when that is not just `target`: the policy must allow each of them,
   * at the start and whenever it is checked again (a matrix's members, a doctor's peer).
   */
  policyTargets?(): readonly ResolvedTarget[];
  /** True until it has ended. */
  readonly running: boolean;
  /** The toolbox containers it holds now (the reaper leaves them alone). */
  readonly toolboxIds: readonly string[];
  /** Whether it lives in (or beside) this container or pod (see livesIn) of this engine, and so ends when that stops. */
  dependsOn(engine: string, objectId: string): boolean;
  /** Whether any of its toolboxes runs on this engine (it ends when the engine is lost). */
  usesEngine(engine: string): boolean;
  /** Ends it once; resolves when its toolboxes are removed (or left to the reaper). Never rejects. */
  end(reason: CommonEndReason): Promise<void>;
  /** Ends it because access to it ended; everyone following it is told why first. */
  revoke(reason: RevocationReason, detail: string): void;
}
