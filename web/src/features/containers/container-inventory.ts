/**
 * How the sidebar lists containers: grouped by Compose project, filtered by what an operator
 * types (a name, an image, a service, an IP), Sonde's own toolboxes hidden unless asked for.
 */
import type { ContainerSummary } from '@sonde/shared';
import type { Tone } from '../../components/Badge';
import { queryTerms, termsMatch } from '../../components/query-terms';

export interface ContainerGroup {
  /** Stable React key. */
  key: string;
  label: string;
  kind: 'project' | 'standalone' | 'toolbox';
  containers: ContainerSummary[];
}

export interface InventoryFilter {
  query: string;
  showToolboxes: boolean;
}

export function containerMatches(container: ContainerSummary, terms: readonly string[]): boolean {
  return termsMatch(
    [container.name, container.image, container.id.slice(0, 12), container.compose?.project, container.compose?.service, ...container.networks.map((n) => n.ipv4)],
    terms,
  );
}

const byName = (a: ContainerSummary, b: ContainerSummary) => a.name.localeCompare(b.name);

export function groupContainers(containers: readonly ContainerSummary[], filter: InventoryFilter): ContainerGroup[] {
  const terms = queryTerms(filter.query);
  const projects = new Map<string, ContainerSummary[]>();
  const standalone: ContainerSummary[] = [];
  const toolboxes: ContainerSummary[] = [];
  for (const container of containers) {
    if (container.toolbox && !filter.showToolboxes) continue;
    if (!containerMatches(container, terms)) continue;
    if (container.toolbox) toolboxes.push(container);
    else if (container.compose) {
      const list = projects.get(container.compose.project) ?? [];
      list.push(container);
      projects.set(container.compose.project, list);
    } else standalone.push(container);
  }
  const groups: ContainerGroup[] = [...projects.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, list]) => ({ key: `project:${project}`, label: project, kind: 'project', containers: list.sort(byName) }));
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
