/** How a run is named and what state it shows, for history rows and panel headers. */
import type { RunInfo } from '@sonde/shared';
import type { Tone } from '../../components/Badge';

export function runStatus(run: RunInfo): { label: string; tone: Tone } {
  if (run.state === 'running') return { label: 'running', tone: 'info' };
  if (run.limitReached) return { label: `stopped at ${run.limitSeconds} s limit`, tone: 'warn' };
  switch (run.endReason) {
    case 'deleted':
      return { label: 'cancelled', tone: 'muted' };
    case 'target-stopped':
      return { label: 'target stopped', tone: 'danger' };
    case 'shutdown':
    case 'engine-lost':
      return { label: 'interrupted', tone: 'danger' };
    default:
      return run.exitCode === 0 ? { label: 'exit 0', tone: 'ok' } : { label: `exit ${run.exitCode ?? '?'}`, tone: 'warn' };
  }
}

/** `ping web`, `curl http://api/`: the tool and its main operand. */
export function runTitle(run: RunInfo, toolTitle?: string): string {
  const operand = ['host', 'hosts', 'url', 'address', 'server'].map((name) => run.params[name]).find((v) => typeof v === 'string');
  return operand ? `${toolTitle ?? run.tool} ${String(operand)}` : (toolTitle ?? run.tool);
}

/** Whether a run was started in this container or network (its resolved target). */
export function runIsFor(run: RunInfo, context: { containerId?: string; networkId?: string; host?: boolean }): boolean {
  const t = run.target;
  if (t.kind === 'container') return t.containerId === context.containerId;
  if (t.kind === 'network') return t.networkId === context.networkId;
  return t.kind === 'host' && context.host === true;
}
