import { ErrorCode, type ContainerSummary, type NetworkSummary, type ResolvedTarget, type TargetRequest } from '@sonde/shared';
import type { ContainerEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';

/** Labels that keep a container out of reach whatever the request says. */
export const DENY_LABEL = 'sonde.deny';
export const CONSOLE_LABEL = 'sonde.console';

/** Shortest id prefix accepted, so a one-letter typo cannot pick a random container. */
const MIN_PREFIX = 4;

interface Named {
  id: string;
  name: string;
}

/**
 * Finds the one item a reference means: an exact id, an exact name, or an unambiguous id
 * prefix. Ambiguous prefixes are refused rather than guessed (Docker would pick one).
 */
export function pickByRef<T extends Named>(items: readonly T[], ref: string, what: string): T {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const byName = items.find((i) => i.name === ref || i.name === ref.replace(/^\//, ''));
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref) && ref.length >= MIN_PREFIX) {
    const matches = items.filter((i) => i.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new ApiError(409, ErrorCode.TargetAmbiguous, `The id prefix "${ref}" matches ${matches.length} ${what}s; give more characters.`);
    }
  }
  throw new ApiError(404, ErrorCode.TargetNotFound, `No ${what} is named "${ref}" or has that id.`);
}

export interface TargetContext {
  containers: readonly ContainerSummary[];
  networks: readonly NetworkSummary[];
  /** Whether a container id is the console's own container (found by id, not by label). */
  isConsole?: (containerId: string) => boolean;
}

/**
 * The inventory targets of these kinds need to be resolved and checked against the policy:
 * containers for container targets, networks and their members' containers (with labels) for
 * network targets, nothing for the host. Listed in parallel, once per start.
 */
export async function targetInventory(engine: ContainerEngine, kinds: readonly TargetRequest['kind'][]): Promise<Pick<TargetContext, 'containers' | 'networks'>> {
  const containers = kinds.includes('container') || kinds.includes('network');
  const [c, n] = await Promise.all([containers ? engine.listContainers() : Promise.resolve([]), kinds.includes('network') ? engine.listNetworks() : Promise.resolve([])]);
  return { containers: c, networks: n };
}

export function resolveTarget(request: TargetRequest, context: TargetContext): ResolvedTarget {
  switch (request.kind) {
    case 'host':
      return { kind: 'host' };
    case 'network': {
      const network = pickByRef(context.networks, request.network, 'network');
      if (network.name === 'host' || network.name === 'none') {
        throw new ApiError(400, ErrorCode.InvalidRequest, `target.network: "${network.name}" cannot be joined; use the host target or a container target instead.`);
      }
      return { kind: 'network', networkId: network.id, networkName: network.name };
    }
    case 'container': {
      const container = pickByRef(context.containers, request.container, 'container');
      if (container.toolbox || container.labels[DENY_LABEL] === 'true' || container.labels[CONSOLE_LABEL] === 'true' || context.isConsole?.(container.id)) {
        throw new ApiError(403, ErrorCode.TargetNotAllowed, `"${container.name}" may not be a target (Sonde's own containers and containers labelled ${DENY_LABEL}=true are excluded).`);
      }
      if (container.state !== 'running') {
        throw new ApiError(409, ErrorCode.TargetNotRunning, `"${container.name}" is ${container.state}, not running; start it first.`);
      }
      return {
        kind: 'container',
        containerId: container.id,
        containerName: container.name,
        sharePid: request.sharePid === true,
      };
    }
  }
}
