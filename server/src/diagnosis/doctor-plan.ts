import { MAX_DOCTOR_NAMES, MAX_PEER_PORTS, isHostname, type ContainerSummary, type NetworkSummary, type ResolvedTarget } from '@sonde/shared';
import type { ExpectedName, ExposedPort } from './doctor-findings.js';

/**
 * What the doctor expects of a target, from the engine's view before anything runs in it: the
 * names it should resolve, its published ports, whether it should have a default route, and
 * the peer it should reach. Pure, so it is unit-tested on inventories.
 */

/** A container the target should reach: where (an address on a network they share) and on which ports. */
export interface PeerPlan {
  containerId: string;
  containerName: string;
  /** Its address on the first network it shares with the target; none when they share none. */
  ipv4?: string;
  network?: string;
  /** Whether its name should resolve from the target (the shared network has Docker's DNS). */
  resolvable: boolean;
  ports: number[];
}

export interface DoctorPlan {
  /** Names the target should resolve: requested, its networks' members, its Compose peers. */
  expectedNames: ExpectedName[];
  /** Published and exposed ports (container targets). */
  exposedPorts: ExposedPort[];
  /** Whether published ports apply (container targets only). */
  portsApply: boolean;
  /** Every network of the target is internal: no default route is expected. */
  internalOnly: boolean;
  /** A name to ask each nameserver for (any answer counts, NXDOMAIN included). */
  probeName: string;
  peer?: PeerPlan;
}

/** Networks without Docker's embedded DNS: their members' names do not resolve there. */
const NO_DNS_NETWORKS = new Set(['bridge', 'host', 'none']);

/** Published and exposed ports of a container, one entry per port and protocol. */
export function exposedPorts(container: ContainerSummary): ExposedPort[] {
  const byPort = new Map<string, { port: number; protocol: 'tcp' | 'udp'; published: string[] }>();
  for (const p of container.ports) {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') continue;
    const key = `${p.privatePort}/${p.protocol}`;
    const entry = byPort.get(key) ?? { port: p.privatePort, protocol: p.protocol, published: [] };
    if (p.publicPort) entry.published.push(`${p.ip && p.ip.includes(':') ? `[${p.ip}]` : (p.ip ?? '0.0.0.0')}:${p.publicPort}`);
    byPort.set(key, entry);
  }
  return [...byPort.values()].map((e) => ({
    port: e.port,
    protocol: e.protocol,
    how: e.published.length ? `published on the host at ${[...new Set(e.published)].join(' and ')}` : 'exposed to other containers (not published)',
  }));
}

/** The peer's address on a network the target is on (for a network target: that network). */
export function peerPlan(target: ResolvedTarget, peer: ContainerSummary, ports: readonly number[] | undefined, containers: readonly ContainerSummary[]): PeerPlan {
  const targetNetworks =
    target.kind === 'container' ? (containers.find((c) => c.id === target.containerId)?.networks.map((n) => n.name) ?? []) : target.kind === 'network' ? [target.networkName] : [];
  const shared = peer.networks.find((n) => n.ipv4 && targetNetworks.includes(n.name));
  const exposedTcp = [...new Set(peer.ports.filter((p) => p.protocol === 'tcp').map((p) => p.privatePort))].sort((a, b) => a - b);
  return {
    containerId: peer.id,
    containerName: peer.name,
    ...(shared?.ipv4 ? { ipv4: shared.ipv4, network: shared.name } : {}),
    resolvable: shared !== undefined && !NO_DNS_NETWORKS.has(shared.name) && isHostname(peer.name),
    ports: [...(ports ?? exposedTcp)].slice(0, MAX_PEER_PORTS),
  };
}

export function planFor(
  target: ResolvedTarget,
  requested: readonly string[],
  containers: readonly ContainerSummary[],
  networks: readonly NetworkSummary[],
  peer?: PeerPlan,
): DoctorPlan {
  const expected: ExpectedName[] = requested.map((name) => ({ name, why: 'asked for in the request' }));
  const add = (name: string, why: string) => {
    if (isHostname(name) && !expected.some((e) => e.name === name)) expected.push({ name, why });
  };
  const others = (network: NetworkSummary, selfId?: string) => network.containers.filter((m) => m.id !== selfId && !containers.find((c) => c.id === m.id)?.toolbox);
  let exposed: ExposedPort[] = [];
  let internalOnly = false;
  let probeName = 'localhost';
  switch (target.kind) {
    case 'container': {
      const self = containers.find((c) => c.id === target.containerId);
      exposed = self ? exposedPorts(self) : [];
      const joined = networks.filter((n) => self?.networks.some((ref) => ref.name === n.name));
      internalOnly = joined.length > 0 && joined.every((n) => n.internal);
      if (self && isHostname(self.name) && joined.some((n) => !NO_DNS_NETWORKS.has(n.name))) probeName = self.name;
      const dnsNetworks = joined.filter((n) => !NO_DNS_NETWORKS.has(n.name));
      for (const network of dnsNetworks) for (const member of others(network, target.containerId)) add(member.name, `a member of network ${network.name}`);
      const project = self?.compose?.project;
      if (project) {
        for (const other of containers) {
          if (other.id === target.containerId || other.compose?.project !== project || other.state !== 'running') continue;
          if (!other.networks.some((ref) => dnsNetworks.some((n) => n.name === ref.name))) continue;
          add(other.compose!.service, `the Compose service ${other.compose!.service} of project ${project}`);
        }
      }
      break;
    }
    case 'network': {
      const network = networks.find((n) => n.id === target.networkId);
      internalOnly = network?.internal ?? false;
      for (const member of network ? others(network) : []) add(member.name, `a member of network ${network!.name}`);
      probeName = expected[0]?.name ?? 'localhost';
      break;
    }
    case 'host':
    case 'network-namespace':
      break;
  }
  return {
    expectedNames: expected.slice(0, MAX_DOCTOR_NAMES),
    exposedPorts: exposed,
    portsApply: target.kind === 'container',
    internalOnly,
    probeName,
    ...(peer ? { peer } : {}),
  };
}
