/**
 * Choices the form offers for a parameter, drawn from the live inventory: other containers by
 * name and Compose service (a DNS alias on Compose networks), their IPs and ports. Free input
 * stays possible; these are suggestions.
 */
import type { ContainerSummary, NetworkSummary, ParamSpec } from '@sonde/shared';

export interface Suggestion {
  value: string;
  label: string;
}

export interface SuggestionContext {
  containers: readonly ContainerSummary[];
  networks: readonly NetworkSummary[];
  /** The container the tool runs in, when launched from one. */
  container?: ContainerSummary;
  /** The network the tool's toolbox joins, when launched from one. */
  network?: NetworkSummary;
}

function unique(list: Suggestion[]): Suggestion[] {
  const seen = new Set<string>();
  return list.filter((s) => (seen.has(s.value) ? false : (seen.add(s.value), true)));
}

/**
 * Containers worth offering: running, not Sonde's own, and reachable from here when that is
 * known. A network name means the same network on one engine only, except a Swarm overlay's: its
 * name is the cluster's, so a task container on another node is reachable across it.
 */
function peers(context: SuggestionContext): ContainerSummary[] {
  const here = context.container?.engine ?? context.network?.engine;
  const clusterWide = new Set(context.networks.filter((n) => n.scope === 'swarm').map((n) => n.name));
  const candidates = context.containers.filter((c) => c.state === 'running' && !c.toolbox && !(c.id === context.container?.id && c.engine === context.container.engine));
  const onNetwork = (names: Set<string>) =>
    candidates.filter((c) => c.networks.some((n) => names.has(n.name) && (here === undefined || c.engine === here || clusterWide.has(n.name))));
  if (context.network) return onNetwork(new Set([context.network.name]));
  if (context.container) {
    const shared = onNetwork(new Set(context.container.networks.map((n) => n.name)));
    return [...shared, ...candidates.filter((c) => !shared.includes(c))];
  }
  return candidates;
}

function hostSuggestions(context: SuggestionContext): Suggestion[] {
  const list: Suggestion[] = [];
  for (const c of peers(context)) {
    list.push({ value: c.name, label: `container ${c.name}` });
    if (c.compose) list.push({ value: c.compose.service, label: `service ${c.compose.service} (${c.compose.project})` });
  }
  return unique([...list, ...ipSuggestions(context)]);
}

function ipSuggestions(context: SuggestionContext): Suggestion[] {
  const list: Suggestion[] = [];
  for (const c of peers(context)) {
    for (const n of c.networks) {
      if (!n.ipv4) continue;
      if (context.network && n.name !== context.network.name) continue;
      list.push({ value: n.ipv4, label: `${c.name} on ${n.name}` });
    }
  }
  return unique(list);
}

function portSuggestions(context: SuggestionContext): Suggestion[] {
  const list: Suggestion[] = [];
  for (const c of [context.container, ...peers(context)]) {
    for (const p of c?.ports ?? []) list.push({ value: String(p.privatePort), label: `${p.privatePort}/${p.protocol} (${c!.name})` });
  }
  return unique(list);
}

function urlSuggestions(context: SuggestionContext): Suggestion[] {
  const list: Suggestion[] = [];
  for (const c of peers(context)) {
    const ports = [...new Set(c.ports.filter((p) => p.protocol === 'tcp').map((p) => p.privatePort))];
    for (const port of ports) list.push({ value: port === 80 ? `http://${c.name}/` : `http://${c.name}:${port}/`, label: c.name });
    if (ports.length === 0) list.push({ value: `http://${c.name}/`, label: c.name });
  }
  if (context.container) for (const p of context.container.ports) list.push({ value: `http://localhost:${p.privatePort}/`, label: 'this container' });
  return unique(list);
}

export function suggestionsFor(param: ParamSpec, context: SuggestionContext): Suggestion[] {
  switch (param.type) {
    case 'host':
    case 'hosts':
      return hostSuggestions(context);
    case 'ip':
    case 'cidr':
      return ipSuggestions(context);
    case 'port':
    case 'ports':
      return portSuggestions(context);
    case 'url':
      return urlSuggestions(context);
    case 'interface':
      return [
        { value: 'eth0', label: 'eth0' },
        ...(param.acceptsAny ? [{ value: 'any', label: 'every interface' }] : []),
        { value: 'lo', label: 'loopback' },
      ];
    case 'container':
      // The server finds the peer by name on any engine; the label says where it is.
      return peers(context).map((c) => ({ value: c.name, label: `${peerLabel(c)}${c.engine !== (context.container?.engine ?? context.network?.engine ?? c.engine) ? ` on ${c.engine}` : ''}` }));
    default:
      return [];
  }
}

function peerLabel(c: ContainerSummary): string {
  if (c.swarm) return `task ${c.swarm.service}${c.swarm.slot !== undefined ? `.${c.swarm.slot}` : ''}`;
  return c.compose ? `${c.compose.project} / ${c.compose.service}` : c.image;
}
