/**
 * How the browser shows a Swarm, as one manager engine reports it: its nodes (with the engine
 * Sonde reaches each through), its services and their tasks (slot, node, state), filtered by
 * what an operator types; and how a task in a link (service + slot, or task id) is found.
 */
import type { SwarmNode, SwarmService, SwarmTask } from '@sonde/shared';
import type { Tone } from '../../components/Badge';
import { queryTerms, termsMatch } from '../../components/query-terms';
import type { TaskSelector } from '../../routing/routes';

export interface ServiceBranch {
  service: SwarmService;
  tasks: SwarmTask[];
}

export interface SwarmBranch {
  nodes: SwarmNode[];
  services: ServiceBranch[];
}


const bySlotThenNode = (a: SwarmTask, b: SwarmTask) => (a.slot ?? 0) - (b.slot ?? 0) || (a.node ?? a.nodeId).localeCompare(b.node ?? b.nodeId);

function taskFields(task: SwarmTask): Array<string | undefined> {
  return [task.node, task.engine, task.state, task.id.slice(0, 12), ...task.addresses.map((a) => a.address)];
}

/** The Swarm of one manager engine: nodes by hostname, services by name, tasks by slot. */
export function swarmBranch(manager: string, nodes: readonly SwarmNode[], services: readonly SwarmService[], query: string): SwarmBranch {
  const terms = queryTerms(query);
  return {
    nodes: nodes
      .filter((n) => n.manager === manager && termsMatch([n.hostname, n.address, n.engine, n.role, n.state], terms))
      .sort((a, b) => a.hostname.localeCompare(b.hostname)),
    services: services
      .filter((s) => s.manager === manager)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((service) => {
        // The service's name matching shows all its tasks; otherwise the tasks that match.
        const all = termsMatch([service.name, ...service.networks.map((n) => n.name)], terms);
        return { service, tasks: service.tasks.filter((t) => all || termsMatch([service.name, ...taskFields(t)], terms)).sort(bySlotThenNode) };
      })
      .filter((branch) => branch.tasks.length > 0 || termsMatch([branch.service.name], terms)),
  };
}

export function taskSelector(task: SwarmTask): TaskSelector {
  return task.slot !== undefined ? { slot: task.slot } : { id: task.id };
}

/** `web.2` for a replicated service's task, `agent@node-3` for a global one's. */
export function taskName(service: string, task: SwarmTask): string {
  return task.slot !== undefined ? `${service}.${task.slot}` : `${service}@${task.node ?? task.nodeId.slice(0, 12)}`;
}

/**
 * The service and task a link names, on that manager. Several tasks can hold one slot while
 * Swarm replaces one (the old one stopping, the new one starting): the running one wins.
 */
export function findTask(services: readonly SwarmService[], manager: string, serviceRef: string, selector: TaskSelector): { service: SwarmService; task: SwarmTask | undefined } | undefined {
  const service = services.find((s) => s.manager === manager && (s.name === serviceRef || s.id === serviceRef));
  if (!service) return undefined;
  const candidates = 'slot' in selector ? service.tasks.filter((t) => t.slot === selector.slot) : service.tasks.filter((t) => t.id === selector.id);
  return { service, task: candidates.find((t) => t.state === 'running') ?? candidates[0] };
}

/** The task whose container this is, with its manager's service (a task container's page links to its task). */
export function taskOfContainer(services: readonly SwarmService[], containerId: string): { service: SwarmService; task: SwarmTask } | undefined {
  for (const service of services) {
    const task = service.tasks.find((t) => t.containerId === containerId);
    if (task) return { service, task };
  }
  return undefined;
}

export function taskStateTone(state: string): Tone {
  switch (state) {
    case 'running':
      return 'ok';
    case 'failed':
    case 'rejected':
    case 'orphaned':
      return 'danger';
    case 'complete':
    case 'shutdown':
    case 'remove':
      return 'muted';
    default:
      // new, pending, assigned, accepted, preparing, ready, starting
      return 'info';
  }
}

export function nodeStateTone(node: SwarmNode): Tone {
  if (node.state === 'ready') return node.availability === 'active' ? 'ok' : 'warn';
  return node.state === 'down' ? 'danger' : 'warn';
}

/** Why no shell or tool can start in this task, or null when one can. */
export function taskBlockedReason(task: SwarmTask): string | null {
  if (task.state !== 'running') return `The task is ${task.state}, not running.`;
  if (!task.engine) {
    return `Sonde has no engine for node ${task.node ?? task.nodeId}, where this task runs: add it to SONDE_ENGINES, or set SONDE_SWARM_NODE_ENGINE.`;
  }
  return null;
}

/** `2/2 running` for a replicated service, `3 running` for a global one. */
export function serviceCounts(service: SwarmService): string {
  const running = service.tasks.filter((t) => t.state === 'running').length;
  return service.mode === 'replicated' && service.replicas !== undefined ? `${running}/${service.replicas} running` : `${running} running`;
}
