/**
 * The part of the topology a map shows: filtered by Compose project or network, and turned into
 * the graph elkjs lays out (sizes from the labels, one layered layout left to right: engines,
 * networks, containers, ports). Pure, so it is unit-tested; the layout itself is elkjs's.
 */
import type { Topology, TopologyEdge, TopologyNode } from '@sonde/shared';

export interface TopologyFilter {
  /** Only this Compose project's containers (and what they are wired to). */
  project?: string;
  /** Only this network node id's members (and what they are wired to). */
  network?: string;
}

/** Compose projects and networks present, for the filter's choices. */
export function filterChoices(topology: Topology): { projects: string[]; networks: { id: string; label: string }[] } {
  const projects = [...new Set(topology.nodes.flatMap((n) => (n.kind === 'container' && n.project ? [n.project] : [])))].sort();
  // With several engines, a network is named with its engine (two hosts' "shop" are two networks);
  // a Swarm overlay is one network across them.
  const several = new Set(topology.nodes.filter((n) => n.kind === 'engine').map((n) => n.engine)).size > 1;
  const networks = topology.nodes
    .filter((n) => n.kind === 'network')
    .map((n) => ({ id: n.id, label: several && !n.id.startsWith('network:swarm:') ? `${n.label} (${n.engine})` : n.label }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return { projects, networks };
}

/**
 * The nodes and edges a filter keeps: the chosen containers, their ports, the networks they have
 * an interface on, and the engines holding those; every edge between kept nodes. No filter keeps all.
 */
export function filterTopology(topology: Topology, filter: TopologyFilter): { nodes: TopologyNode[]; edges: TopologyEdge[] } {
  if (!filter.project && !filter.network) return { nodes: [...topology.nodes], edges: [...topology.edges] };
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  const interfaces = topology.edges.filter((e) => e.kind === 'interface');
  let containers = topology.nodes.filter((n) => n.kind === 'container');
  if (filter.project) containers = containers.filter((n) => n.project === filter.project);
  if (filter.network) containers = containers.filter((c) => interfaces.some((e) => e.from === c.id && e.to === filter.network));
  const keep = new Set(containers.map((c) => c.id));
  if (filter.network && byId.has(filter.network)) keep.add(filter.network);
  for (const edge of topology.edges) {
    if (!keep.has(edge.from)) continue;
    // A container's ports, and (without a network filter) every network it is on.
    if (edge.kind === 'publishes' || (edge.kind === 'interface' && !filter.network)) keep.add(edge.to);
  }
  // The engines that hold what is kept.
  for (const edge of topology.edges) if (edge.kind === 'hosts' && keep.has(edge.to)) keep.add(edge.from);
  return {
    nodes: topology.nodes.filter((n) => keep.has(n.id)),
    edges: topology.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}

/** What is written on a node, line by line. */
export function nodeLines(node: TopologyNode): string[] {
  switch (node.kind) {
    case 'engine':
      return [node.label, node.reachable === false ? 'unreachable' : (node.swarmRole ? `engine · swarm ${node.swarmRole}` : 'engine')];
    case 'network':
      return [node.label, [node.driver, node.subnets?.join(' ')].filter(Boolean).join(' · ')];
    case 'container':
      return [node.label, node.task ? `task ${node.task.service}${node.task.slot !== undefined ? `.${node.task.slot}` : ''}` : node.project ? `${node.project} / ${node.service ?? ''}` : (node.state ?? '')];
    case 'port':
      return [node.label];
    case 'node':
      return [node.label, `swarm ${node.nodeRole ?? ''} · ${node.state ?? ''}`];
    default: {
      const unexpected: never = node.kind;
      return unexpected;
    }
  }
}

const CHAR_WIDTH = 7.2;
const LINE_HEIGHT = 16;
const PADDING = 12;

export function nodeSize(node: TopologyNode): { width: number; height: number } {
  const lines = nodeLines(node).filter(Boolean);
  const longest = Math.max(...lines.map((l) => l.length));
  return { width: Math.max(80, Math.ceil(longest * CHAR_WIDTH) + PADDING * 2), height: lines.length * LINE_HEIGHT + PADDING };
}

/** elkjs's input: its own minimal types, so this module needs nothing of elkjs at run time. */
export interface LayoutGraph {
  id: string;
  layoutOptions: Record<string, string>;
  children: { id: string; width: number; height: number }[];
  edges: { id: string; sources: string[]; targets: string[] }[];
}

/** Edges point from engines toward ports, so the layers read left to right: engine, network, container, port. */
function layered(edge: TopologyEdge): { from: string; to: string } {
  return edge.kind === 'interface' ? { from: edge.to, to: edge.from } : edge.kind === 'runs' ? { from: edge.to, to: edge.from } : { from: edge.from, to: edge.to };
}

export function edgeId(edge: TopologyEdge): string {
  return `${edge.kind}|${edge.from}|${edge.to}`;
}

export function layoutGraph(nodes: readonly TopologyNode[], edges: readonly TopologyEdge[]): LayoutGraph {
  return {
    id: 'topology',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '18',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      // Disconnected pieces (an engine of its own) side by side, not on top of each other.
      'elk.separateConnectedComponents': 'true',
    },
    children: nodes.map((n) => ({ id: n.id, ...nodeSize(n) })),
    edges: edges.map((e) => {
      const { from, to } = layered(e);
      return { id: edgeId(e), sources: [from], targets: [to] };
    }),
  };
}
