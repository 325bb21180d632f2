import type { ContainerSummary, NetworkSummary, Topology, TopologyEdge, TopologyNode } from '@sonde/shared';

/**
 * The topology map as a graph, from the inventory the console already lists: engines hold
 * networks; containers hang off the networks they have an interface on (with their address
 * there), or off their engine when they are on none; published ports hang off their container;
 * Swarm nodes hang off the manager that reports them and point at the engine that runs them.
 * Pure: inventory in, graph out, so it is unit-tested without an engine.
 */

/** What one engine answered (or that it did not). */
export interface EngineInventory {
  name: string;
  reachable: boolean;
  swarmRole?: 'manager' | 'worker';
  /** Admins only: where the engine is. */
  endpoint?: string;
  containers: readonly ContainerSummary[];
  networks: readonly NetworkSummary[];
}

/** The nodes of one Swarm, as a manager engine reports them. */
export interface SwarmInventory {
  manager: string;
  nodes: readonly { id: string; hostname: string; role: 'manager' | 'worker'; availability: string; state: string; engine?: string }[];
}

export interface TopologyInput {
  engines: readonly EngineInventory[];
  swarms: readonly SwarmInventory[];
  unreachable: readonly { engine: string; error: string }[];
  at: string;
}

const COMPOSE_PROJECT = 'com.docker.compose.project';

/**
 * A Swarm overlay is one network across the cluster: every engine lists it with the same id, so
 * it is one node that the tasks of every engine attach to. Any other network is its engine's own.
 */
export function networkNodeId(engine: string, network: Pick<NetworkSummary, 'id' | 'scope'>): string {
  return network.scope === 'swarm' ? `network:swarm:${network.id}` : `network:${engine}:${network.id}`;
}

export const containerNodeId = (engine: string, id: string): string => `container:${engine}:${id}`;

function portLabel(privatePort: number, protocol: string, bindings: readonly { ip?: string; publicPort: number }[]): string {
  if (bindings.length === 0) return `${privatePort}/${protocol} (exposed)`;
  const hosts = [...new Set(bindings.map((b) => `${b.ip && b.ip.includes(':') ? `[${b.ip}]` : (b.ip ?? '0.0.0.0')}:${b.publicPort}`))];
  return `${privatePort}/${protocol} → ${hosts.join(', ')}`;
}

export function buildTopology(input: TopologyInput): Topology {
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (edge: TopologyEdge) => {
    const key = `${edge.kind} ${edge.from} ${edge.to}`;
    if (edgeKeys.has(key) || !nodes.has(edge.from) || !nodes.has(edge.to)) return;
    edgeKeys.add(key);
    edges.push(edge);
  };

  for (const engine of input.engines) {
    const engineId = `engine:${engine.name}`;
    nodes.set(engineId, {
      id: engineId,
      kind: 'engine',
      label: engine.name,
      engine: engine.name,
      reachable: engine.reachable,
      ...(engine.endpoint ? { endpoint: engine.endpoint } : {}),
      ...(engine.swarmRole ? { swarmRole: engine.swarmRole } : {}),
    });
    // `none` has no interface to draw; `host` and `bridge` are shown when something uses them.
    const byName = new Map<string, string>();
    for (const network of engine.networks) {
      if (network.name === 'none') continue;
      const id = networkNodeId(engine.name, network);
      byName.set(network.name, id);
      const project = network.labels[COMPOSE_PROJECT];
      if (!nodes.has(id)) {
        nodes.set(id, {
          id,
          kind: 'network',
          label: network.name,
          engine: engine.name,
          dockerId: network.id,
          driver: network.driver,
          scope: network.scope,
          internal: network.internal,
          subnets: [...network.subnets],
          ...(project ? { project } : {}),
        });
      }
    }
    const used = new Set<string>();
    for (const container of engine.containers) {
      // Sonde's own toolboxes come and go with every session, run and probe: not the user's wiring.
      if (container.toolbox) continue;
      const id = containerNodeId(engine.name, container.id);
      nodes.set(id, {
        id,
        kind: 'container',
        label: container.name,
        engine: engine.name,
        dockerId: container.id,
        state: container.state,
        image: container.image,
        ...(container.compose ? { project: container.compose.project, service: container.compose.service } : {}),
        ...(container.swarm
          ? { task: { service: container.swarm.service, taskId: container.swarm.taskId, ...(container.swarm.slot !== undefined ? { slot: container.swarm.slot } : {}) } }
          : {}),
      });
      let attached = false;
      for (const ref of container.networks) {
        const networkId = byName.get(ref.name);
        if (!networkId) continue;
        attached = true;
        used.add(networkId);
        addEdge({ from: id, to: networkId, kind: 'interface', ...(ref.ipv4 ? { ipv4: ref.ipv4 } : {}) });
      }
      if (!attached) addEdge({ from: engineId, to: id, kind: 'hosts' });
      const ports = new Map<string, { privatePort: number; protocol: string; bindings: { ip?: string; publicPort: number }[] }>();
      for (const p of container.ports) {
        const key = `${p.privatePort}/${p.protocol}`;
        const entry = ports.get(key) ?? { privatePort: p.privatePort, protocol: p.protocol, bindings: [] };
        if (p.publicPort) entry.bindings.push({ ...(p.ip ? { ip: p.ip } : {}), publicPort: p.publicPort });
        ports.set(key, entry);
      }
      for (const [key, port] of ports) {
        const portId = `port:${engine.name}:${container.id}:${key}`;
        const first = port.bindings[0];
        nodes.set(portId, {
          id: portId,
          kind: 'port',
          label: portLabel(port.privatePort, port.protocol, port.bindings),
          engine: engine.name,
          port: { privatePort: port.privatePort, protocol: port.protocol, ...(first ? { publicPort: first.publicPort, ...(first.ip ? { hostIp: first.ip } : {}) } : {}) },
        });
        addEdge({ from: id, to: portId, kind: 'publishes' });
      }
    }
    for (const network of engine.networks) {
      const id = byName.get(network.name);
      if (!id) continue;
      // Docker's default networks without members are noise on a map; user networks are shown.
      const builtin = network.name === 'bridge' || network.name === 'host' || network.name === 'docker_gwbridge' || network.name === 'ingress';
      if (builtin && !used.has(id)) {
        nodes.delete(id);
        continue;
      }
      addEdge({ from: engineId, to: id, kind: 'hosts' });
    }
  }

  for (const swarm of input.swarms) {
    for (const node of swarm.nodes) {
      const id = `node:${node.id}`;
      nodes.set(id, {
        id,
        kind: 'node',
        label: node.hostname,
        engine: swarm.manager,
        hostname: node.hostname,
        nodeRole: node.role,
        availability: node.availability,
        state: node.state,
        ...(node.engine ? { nodeEngine: node.engine } : {}),
      });
      addEdge({ from: `engine:${swarm.manager}`, to: id, kind: 'manages' });
      if (node.engine) addEdge({ from: id, to: `engine:${node.engine}`, kind: 'runs' });
    }
  }

  return { nodes: [...nodes.values()], edges: edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)), unreachable: [...input.unreachable], at: input.at };
}
