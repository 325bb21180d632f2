import { ErrorCode, type ResolvedTarget } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { LiveConnections } from '../auth/live-connections.js';
import type { Principal } from '../auth/principal.js';
import { WORKLOAD_KINDS, type RevocationReason, type WorkloadKind } from './workload.js';

/**
 * What may run, and for how long its owner's access lasts. Every workload that owns toolboxes
 * (a shell session, a tool run, a packet capture) is admitted here before its first container
 * starts: one budget of toolboxes for the whole console and a cap per owner and kind. Once
 * running it is held for its owner, so it ends when the owner's access does (disabled, demoted,
 * token revoked) and when the target policy stops allowing its target.
 */

export interface AdmissionLimits {
  /** Toolbox containers live at once, all kinds together (SONDE_MAX_TOOLBOXES). */
  maxToolboxes: number;
  /** Live workloads one principal may own, per kind (SONDE_MAX_*_PER_USER). */
  perOwner: Record<WorkloadKind, number>;
}

/** A running workload as the admission service sees it. */
export interface HeldWorkload {
  kind: WorkloadKind;
  id: string;
  owner: { id: string; name: string };
  target: ResolvedTarget;
  /** Every target the policy must allow, when there are more than `target` (see Workload.policyTargets). */
  policyTargets?(): readonly ResolvedTarget[];
  /** Ends it with a reason and a sentence its viewers are shown; must not throw. */
  revoke(reason: RevocationReason, detail: string): void;
}

const KIND_NAMES: Record<WorkloadKind, { plural: string; variable: string; code: ErrorCode }> = {
  session: { plural: 'live sessions', variable: 'SONDE_MAX_SESSIONS_PER_USER', code: ErrorCode.TooManySessions },
  run: { plural: 'tool runs going', variable: 'SONDE_MAX_RUNS_PER_USER', code: ErrorCode.TooManyRuns },
  capture: { plural: 'captures running', variable: 'SONDE_MAX_CAPTURES_PER_USER', code: ErrorCode.TooManyCaptures },
  doctor: { plural: 'doctor runs going', variable: 'SONDE_MAX_DIAGNOSES_PER_USER', code: ErrorCode.TooManyDiagnoses },
  matrix: { plural: 'connectivity matrices going', variable: 'SONDE_MAX_DIAGNOSES_PER_USER', code: ErrorCode.TooManyDiagnoses },
};

/** A place in the budget; released exactly once, when the workload has ended (or failed to start). */
export interface Admission {
  /** Registers the running workload with its owner's access; call once it started. */
  hold(workload: HeldWorkload): void;
  release(): void;
}

/** The principal a workload is held for: the user or token, not the browser login it came from (logging out ends no shell). */
function ownerPrincipal(principal: Principal): Principal {
  const { browserSessionId: _ignored, ...owner } = principal;
  return owner;
}

export class WorkloadAdmission {
  private toolboxes = 0;
  private readonly owned = new Map<string, Record<WorkloadKind, number>>();
  private readonly held = new Set<HeldWorkload>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly live: LiveConnections,
  ) {}

  /** Toolboxes admitted and not released (the budget in use). */
  get toolboxesInUse(): number {
    return this.toolboxes;
  }

  /** Workloads running now, for the policy re-check. */
  running(): HeldWorkload[] {
    return [...this.held];
  }

  /**
   * Takes room for a workload of `kind` owned by `principal` that will start `toolboxes`
   * containers, or throws 429 with the limit it would break. Synchronous: two concurrent
   * requests cannot both take the last place.
   */
  admit(principal: Principal, kind: WorkloadKind, toolboxes: number): Admission {
    const counts = this.owned.get(principal.id) ?? { session: 0, run: 0, capture: 0, doctor: 0, matrix: 0 };
    const names = KIND_NAMES[kind];
    const cap = this.limits.perOwner[kind];
    if (counts[kind] >= cap) {
      throw new ApiError(429, names.code, `You already have ${counts[kind]} ${names.plural}, the most one user may have (${names.variable}); end some first.`);
    }
    if (this.toolboxes + toolboxes > this.limits.maxToolboxes) {
      throw new ApiError(429, ErrorCode.TooManyToolboxes, `This console already runs ${this.toolboxes} of its ${this.limits.maxToolboxes} toolboxes (SONDE_MAX_TOOLBOXES); try again when some sessions or runs have ended.`);
    }
    counts[kind]++;
    this.owned.set(principal.id, counts);
    this.toolboxes += toolboxes;
    let released = false;
    let forget: (() => void) | undefined;
    let heldWorkload: HeldWorkload | undefined;
    return {
      hold: (workload) => {
        if (released || heldWorkload) return;
        heldWorkload = workload;
        this.held.add(workload);
        forget = this.live.add(ownerPrincipal(principal), () => workload.revoke('access-revoked', `the access of its owner, ${workload.owner.name}, was revoked`), 'workload');
      },
      release: () => {
        if (released) return;
        released = true;
        forget?.();
        if (heldWorkload) this.held.delete(heldWorkload);
        this.toolboxes -= toolboxes;
        counts[kind]--;
        if (WORKLOAD_KINDS.every((k) => counts[k] === 0)) this.owned.delete(principal.id);
      },
    };
  }
}
