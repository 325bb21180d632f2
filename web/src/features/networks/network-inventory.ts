/** How the sidebar filters networks: by name, driver, subnet, or a member container's name or IP. */
import type { NetworkSummary, SwarmService } from '@sonde/shared';
import { termsMatch } from '../../components/query-terms';

/** A network in a deep link (id, name or id prefix), on the link's engine or, without one, any. */
export function findNetworkOn(all: readonly NetworkSummary[], ref: string, engine?: string): NetworkSummary | undefined {
  const networks = engine === undefined ? all : all.filter((n) => n.engine === engine);
  return networks.find((n) => n.id === ref) ?? networks.find((n) => n.name === ref) ?? (ref.length >= 4 ? networks.find((n) => n.id.startsWith(ref)) : undefined);
}

export function networkMatches(network: NetworkSummary, terms: readonly string[]): boolean {
  return termsMatch(
    [network.name, network.driver, network.id.slice(0, 12), ...network.subnets, ...network.containers.flatMap((member) => [member.name, member.ipv4])],
    terms,
  );
}

/** Docker's predefined networks go last: users usually debug their own. */
const PREDEFINED = new Set(['bridge', 'host', 'none']);

export function sortNetworks(networks: readonly NetworkSummary[]): NetworkSummary[] {
  return [...networks].sort(
    (a, b) => Number(PREDEFINED.has(a.name)) - Number(PREDEFINED.has(b.name)) || a.name.localeCompare(b.name),
  );
}

/** Why a toolbox cannot join this network, or null when it can. */
export function joinBlockedReason(network: NetworkSummary): string | null {
  if (network.driver === 'host') return 'The host network is the host’s own stack: use Host shell.';
  if (network.driver === 'null') return 'The none network has no connectivity to join.';
  if (network.driver === 'overlay' && !network.attachable) {
    return 'This overlay is not attachable: Swarm lets only its services’ tasks on it, not a standalone toolbox. Open a shell in one of its tasks, or the network’s own namespace.';
  }
  return null;
}

/** Only an overlay has a namespace of its own (its bridge and VXLAN device); a bridge's is the host's. */
export function hasOwnNamespace(network: NetworkSummary): boolean {
  return network.driver === 'overlay';
}

/**
 * The engines where an overlay's own namespace exists: the nodes where one of its tasks or
 * endpoints runs (Docker creates it there on demand, and nowhere else). From every engine's
 * view of the network (same id) and the tasks' addresses on it; sorted by name.
 */
export function namespaceEngines(network: NetworkSummary, networks: readonly NetworkSummary[], services: readonly SwarmService[]): string[] {
  const engines = new Set<string>();
  for (const view of networks) if (view.id === network.id && view.containers.length > 0) engines.add(view.engine);
  for (const service of services) {
    if (!service.networks.some((n) => n.id === network.id)) continue;
    for (const task of service.tasks) {
      if (task.engine && task.state === 'running' && task.addresses.some((a) => a.network === network.name)) engines.add(task.engine);
    }
  }
  return [...engines].sort();
}

/** The engines that list the network (an overlay shows on every node that has a part of it), sorted. */
export function enginesListing(network: NetworkSummary, networks: readonly NetworkSummary[]): string[] {
  return [...new Set(networks.filter((n) => n.id === network.id).map((n) => n.engine))].sort();
}
