/** How the sidebar filters networks: by name, driver, subnet, or a member container's name or IP. */
import type { NetworkSummary } from '@sonde/shared';
import { termsMatch } from '../../components/query-terms';

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
  return null;
}
