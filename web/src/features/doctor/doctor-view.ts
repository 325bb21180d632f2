/**
 * How a doctor run reads: findings worst first, a tone per severity and check state, the run's
 * status in words, and which run a panel shows for its target. Pure, so it is unit-tested.
 */
import type { DoctorCheck, DoctorRun, Finding, FindingSeverity, ResolvedTarget, TargetRequest } from '@sonde/shared';
import type { Tone } from '../../components/Badge';

const SEVERITY_ORDER: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };

export const SEVERITY_TONE: Record<FindingSeverity, Tone> = { error: 'danger', warning: 'warn', info: 'ok' };
export const SEVERITY_LABEL: Record<FindingSeverity, string> = { error: 'Error', warning: 'Warning', info: 'Info' };

/** Worst first; within a severity, in the order they were found. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i).map(({ f }) => f);
}

export function checkTone(check: DoctorCheck): Tone {
  switch (check.state) {
    case 'passed':
      return 'ok';
    case 'found':
      return 'danger';
    case 'failed':
      return 'warn';
    case 'running':
      return 'info';
    case 'pending':
    case 'skipped':
      return 'muted';
    default: {
      const unexpected: never = check.state;
      return unexpected;
    }
  }
}

const END_WORDS: Record<NonNullable<DoctorRun['endReason']>, string> = {
  completed: 'done',
  cancelled: 'cancelled',
  'time-limit': 'stopped at its time limit',
  'target-stopped': 'stopped: the target stopped',
  'engine-lost': 'stopped: the engine was lost',
  shutdown: 'stopped: Sonde shut down',
  'access-revoked': 'stopped: access revoked',
  policy: 'stopped by the policy',
};

/** `Running… 4 of 10 checks`, `2 errors, 1 warning`, `Healthy`, `cancelled`. */
export function doctorStatus(run: DoctorRun): { label: string; tone: Tone } {
  if (run.state === 'running') {
    const done = run.checks.filter((c) => c.state !== 'pending' && c.state !== 'running').length;
    return { label: `Running… ${done} of ${run.checks.length} checks`, tone: 'info' };
  }
  const errors = run.findings.filter((f) => f.severity === 'error').length;
  const warnings = run.findings.filter((f) => f.severity === 'warning').length;
  if (run.endReason && run.endReason !== 'completed' && run.endReason !== 'time-limit') return { label: END_WORDS[run.endReason], tone: 'muted' };
  if (errors + warnings === 0) return { label: run.endReason === 'time-limit' ? 'No problem found (time limit reached)' : 'Healthy', tone: 'ok' };
  const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean);
  return { label: parts.join(', '), tone: errors ? 'danger' : 'warn' };
}

/** Whether a run was for the target a page shows (by resolved id and engine, not by what was typed). */
export function sameTarget(resolved: ResolvedTarget, wanted: TargetRequest): boolean {
  // A task is asked of its manager and runs on its node's engine: the manager is what must match.
  const engine = wanted.kind === 'task' && resolved.kind === 'container' && resolved.task ? resolved.task.manager : resolved.engine;
  if (wanted.engine !== undefined && engine !== wanted.engine) return false;
  switch (wanted.kind) {
    case 'container':
      return resolved.kind === 'container' && !resolved.task && (resolved.containerId === wanted.container || resolved.containerName === wanted.container);
    case 'network':
      return resolved.kind === 'network' && (resolved.networkId === wanted.network || resolved.networkName === wanted.network);
    case 'task':
      return resolved.kind === 'container' && resolved.task !== undefined && (wanted.task ? resolved.task.id === wanted.task : resolved.task.service === wanted.service && resolved.task.slot === wanted.slot);
    case 'host':
      return resolved.kind === 'host';
    case 'network-namespace':
      return resolved.kind === 'network-namespace' && (resolved.networkId === wanted.network || resolved.networkName === wanted.network);
    default: {
      const unexpected: never = wanted;
      return unexpected;
    }
  }
}

/** The run a panel shows: the one it started, else the latest for its target without a peer. */
export function runToShow(runs: readonly DoctorRun[], target: TargetRequest, startedId: string | null): DoctorRun | undefined {
  if (startedId) {
    const started = runs.find((r) => r.id === startedId);
    if (started) return started;
  }
  return runs.filter((r) => !r.peer && sameTarget(r.target, target)).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
}
