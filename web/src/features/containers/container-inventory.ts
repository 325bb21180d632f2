/**
 * How the sidebar lists containers: grouped by Compose project (a Swarm service's task
 * containers by service), filtered by what an operator types (a name, an image, a service, an
 * IP), Sonde's own toolboxes hidden unless asked for; with several engines, one engine's only.
 */
import type { ContainerSummary } from '@sonde/shared';
import type { Tone } from '../../components/Badge';
import { queryTerms, termsMatch } from '../../components/query-terms';

export interface ContainerGroup {
  /** Stable React key. */
  key: string;
  label: string;
  kind: 'project' | 'swarm' | 'standalone' | 'toolbox';
  containers: ContainerSummary[];
}

export interface InventoryFilter {
  query: string;
  showToolboxes: boolean;
  /** Only this engine's containers (the sidebar's engine sections). */
  engine?: string;
}

export function containerMatches(container: ContainerSummary, terms: readonly string[]): boolean {
  return termsMatch(
    [container.name, container.image, container.id.slice(0, 12), container.compose?.project, container.compose?.service, container.swarm?.service, ...container.networks.map((n) => n.ipv4)],
    terms,
  );
}

const byName = (a: ContainerSummary, b: ContainerSummary) => a.name.localeCompare(b.name);

export function groupContainers(containers: readonly ContainerSummary[], filter: InventoryFilter): ContainerGroup[] {
  const terms = queryTerms(filter.query);
  const projects = new Map<string, ContainerSummary[]>();
  const services = new Map<string, ContainerSummary[]>();
  const standalone: ContainerSummary[] = [];
  const toolboxes: ContainerSummary[] = [];
  const add = (groups: Map<string, ContainerSummary[]>, key: string, container: ContainerSummary) => groups.set(key, [...(groups.get(key) ?? []), container]);
  for (const container of containers) {
    if (filter.engine !== undefined && container.engine !== filter.engine) continue;
    if (container.toolbox && !filter.showToolboxes) continue;
    if (!containerMatches(container, terms)) continue;
    if (container.toolbox) toolboxes.push(container);
    else if (container.compose) add(projects, container.compose.project, container);
    else if (container.swarm) add(services, container.swarm.service, container);
    else standalone.push(container);
  }
  const sorted = (groups: Map<string, ContainerSummary[]>) => [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  const groups: ContainerGroup[] = [
    ...sorted(projects).map(([project, list]): ContainerGroup => ({ key: `project:${project}`, label: project, kind: 'project', containers: list.sort(byName) })),
    ...sorted(services).map(([service, list]): ContainerGroup => ({ key: `service:${service}`, label: `service ${service}`, kind: 'swarm', containers: list.sort(byName) })),
  ];
  if (standalone.length > 0) {
    groups.push({ key: 'standalone', label: 'Standalone', kind: 'standalone', containers: standalone.sort(byName) });
  }
  if (toolboxes.length > 0) {
    groups.push({ key: 'toolbox', label: 'Sonde toolboxes', kind: 'toolbox', containers: toolboxes.sort(byName) });
  }
  return groups;
}

export function containerStateTone(state: string): Tone {
  switch (state) {
    case 'running':
      return 'ok';
    case 'paused':
    case 'restarting':
      return 'warn';
    case 'dead':
      return 'danger';
    case 'created':
    case 'removing':
      return 'info';
    default:
      return 'muted';
  }
}

/** Why a shell cannot be started in this container, or null when it can. */
export function shellBlockedReason(container: ContainerSummary): string | null {
  if (container.toolbox) return 'This is one of Sonde’s own toolbox containers.';
  if (container.state !== 'running') return `The container is ${container.state}; start it to open a shell in its namespaces.`;
  return null;
}
