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

/** Where a tools panel is: the runs it lists are the ones started there. */
export interface RunPlace {
  /** The engine of the container, network or host (not a task's: that is its manager's). */
  engine?: string | undefined;
  containerId?: string | undefined;
  networkId?: string | undefined;
  /** An overlay's own namespace (its network id). */
  networkNamespace?: string | undefined;
  host?: boolean | undefined;
  /** A Kubernetes pod (runs land in Sonde's ephemeral container there) or node (a hostNetwork pod). */
  pod?: { namespace: string; pod: string } | undefined;
  node?: string | undefined;
  /** A Swarm task, as its manager knows it: runs asked of the task, whichever container it has now. */
  task?: { manager: string; service: string; slot?: number | undefined; id?: string | undefined } | undefined;
}

/** Whether a run was started in this place (its resolved target). */
export function runIsFor(run: RunInfo, place: RunPlace): boolean {
  const t = run.target;
  const task = place.task;
  if (t.kind === 'container' && task && t.task && t.task.manager === task.manager && t.task.service === task.service) {
    if (task.slot !== undefined ? t.task.slot === task.slot : t.task.id === task.id) return true;
  }
  if (place.engine !== undefined && t.engine !== place.engine) return false;
  switch (t.kind) {
    case 'container':
      return t.containerId === place.containerId;
    case 'network':
      return t.networkId === place.networkId;
    case 'network-namespace':
      return t.networkId === place.networkNamespace;
    case 'host':
      return place.host === true;
    case 'pod':
      return place.pod !== undefined && t.namespace === place.pod.namespace && t.pod === place.pod.pod;
    case 'node':
      return t.node === place.node;
    default: {
      const unexpected: never = t;
      return unexpected;
    }
  }
}
