import type { Role } from '@sonde/shared';
import type { HeldWorkload, WorkloadAdmission } from '../toolboxes/workload-admission.js';
import type { PolicyInputs, TargetPolicyStore } from './target-policy.js';

export interface PolicyEnforcerOptions {
  admission: WorkloadAdmission;
  policy: TargetPolicyStore;
  /** The role a principal has now; undefined when it has none any more (disabled, revoked). */
  currentRole: (principalId: string) => Role | undefined;
  /** An engine's inventory now (containers with their labels, networks with their members). */
  inventory: (engine: string) => Promise<PolicyInputs>;
  log: { warn(obj: object, msg: string): void };
}

/**
 * Checks running workloads against the policy again when something it decides on changed (the
 * policy itself, a network's members): a session whose target is no longer allowed for its
 * owner's role ends with a notice in its terminal, and so do runs and captures.
 */
export class PolicyEnforcer {
  private pending: Promise<number> | undefined;
  private again = false;

  constructor(private readonly options: PolicyEnforcerOptions) {}

  /** Runs a check now, or once more after the one in progress (changes during a check are not lost). */
  enforce(): Promise<number> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = (async () => {
      let ended = 0;
      try {
        do {
          this.again = false;
          ended += await this.check();
        } while (this.again);
      } finally {
        this.pending = undefined;
      }
      return ended;
    })();
    return this.pending;
  }

  private async check(): Promise<number> {
    const running = this.options.admission.running();
    if (running.length === 0) return 0;
    const byEngine = new Map<string, HeldWorkload[]>();
    for (const w of running) byEngine.set(w.target.engine, [...(byEngine.get(w.target.engine) ?? []), w]);
    let ended = 0;
    for (const [engine, workloads] of byEngine) {
      let context: PolicyInputs;
      try {
        context = await this.options.inventory(engine);
      } catch (error) {
        this.options.log.warn({ engine, err: error instanceof Error ? error.message : String(error) }, 'could not check live sessions against the policy (the engine did not answer)');
        continue;
      }
      for (const workload of workloads) {
        const why = this.refusal(workload, context);
        if (!why) continue;
        ended++;
        workload.revoke('policy', `the target policy no longer allows it: ${why}`);
      }
    }
    return ended;
  }

  private refusal(workload: HeldWorkload, context: PolicyInputs): string | undefined {
    const role = this.options.currentRole(workload.owner.id);
    // A principal that lost its role entirely is ended by the access sweep; end it here too.
    if (!role) return `its owner ${workload.owner.name} has no access any more`;
    // A workload in several namespaces (a matrix's members) needs every one of them allowed.
    for (const target of workload.policyTargets?.() ?? [workload.target]) {
      const why = this.options.policy.why(role, target, context);
      if (why) return why;
    }
    return undefined;
  }
}
