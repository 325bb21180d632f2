import { describe, expect, it } from 'vitest';
import type { Topology, TopologyNode } from '@sonde/shared';
import { filterChoices, filterTopology, layoutGraph, nodeLines } from './topology-graph';
import { layoutTopology } from './topology-layout';

const node = (id: string, kind: TopologyNode['kind'], extra: Partial<TopologyNode> = {}): TopologyNode => ({ id, kind, label: id.split(':').pop()!, engine: 'local', ...extra });

const topology: Topology = {
  nodes: [
    node('engine:local', 'engine', { reachable: true }),
    node('network:local:shop', 'network', { driver: 'bridge', subnets: ['172.20.0.0/16'], project: 'shop' }),
    node('network:local:other', 'network', { driver: 'bridge', subnets: [] }),
    node('container:local:web', 'container', { project: 'shop', service: 'web', state: 'running' }),
    node('container:local:db', 'container', { project: 'shop', service: 'db', state: 'running' }),
    node('container:local:cache', 'container', { state: 'running' }),
    node('port:local:web:80/tcp', 'port', { label: '80/tcp → 0.0.0.0:8080' }),
  ],
  edges: [
    { from: 'engine:local', to: 'network:local:shop', kind: 'hosts' },
    { from: 'engine:local', to: 'network:local:other', kind: 'hosts' },
    { from: 'container:local:web', to: 'network:local:shop', kind: 'interface', ipv4: '172.20.0.2' },
    { from: 'container:local:db', to: 'network:local:shop', kind: 'interface', ipv4: '172.20.0.3' },
    { from: 'container:local:web', to: 'network:local:other', kind: 'interface', ipv4: '172.21.0.2' },
    { from: 'container:local:cache', to: 'network:local:other', kind: 'interface', ipv4: '172.21.0.3' },
    { from: 'container:local:web', to: 'port:local:web:80/tcp', kind: 'publishes' },
  ],
  unreachable: [],
  at: '2026-01-01T00:00:00.000Z',
};

describe('topology map graph', () => {
  it('offers the Compose projects and networks present', () => {
    expect(filterChoices(topology)).toEqual({ projects: ['shop'], networks: [{ id: 'network:local:other', label: 'other' }, { id: 'network:local:shop', label: 'shop' }] });
    // A second engine: networks are named with theirs, a Swarm overlay is not.
    const two: Topology = {
      ...topology,
      nodes: [
        ...topology.nodes,
        node('engine:edge', 'engine', { engine: 'edge', reachable: true }),
        node('network:edge:shop', 'network', { engine: 'edge' }),
        node('network:swarm:ov1', 'network', { engine: 'edge', label: 'ingress' }),
      ],
    };
    expect(filterChoices(two).networks.map((n) => n.label)).toEqual(['ingress', 'other (local)', 'shop (edge)', 'shop (local)']);
  });

  it('a project filter keeps its containers, their ports, every network they are on, and the engine', () => {
    const { nodes, edges } = filterTopology(topology, { project: 'shop' });
    expect(nodes.map((n) => n.id).sort()).toEqual(['container:local:db', 'container:local:web', 'engine:local', 'network:local:other', 'network:local:shop', 'port:local:web:80/tcp']);
    expect(edges.some((e) => e.from === 'container:local:cache')).toBe(false);
  });

  it('a network filter keeps that network and its members only (not their other networks)', () => {
    const { nodes } = filterTopology(topology, { network: 'network:local:other' });
    expect(nodes.map((n) => n.id).sort()).toEqual(['container:local:cache', 'container:local:web', 'engine:local', 'network:local:other', 'port:local:web:80/tcp']);
    expect(filterTopology(topology, {}).nodes).toHaveLength(topology.nodes.length);
  });

  it('labels say what a node is; the layout reads engine → network → container → port', async () => {
    expect(nodeLines(topology.nodes[3]!)).toEqual(['web', 'shop / web']);
    expect(nodeLines(topology.nodes[1]!)).toEqual(['shop', 'bridge · 172.20.0.0/16']);
    const graph = layoutGraph(topology.nodes, topology.edges);
    expect(graph.edges.find((e) => e.id.startsWith('interface|container:local:web|network:local:shop'))).toMatchObject({ sources: ['network:local:shop'], targets: ['container:local:web'] });
    const map = await layoutTopology(topology.nodes, topology.edges);
    expect(map.nodes).toHaveLength(topology.nodes.length);
    expect(map.edges).toHaveLength(topology.edges.length);
    const x = (id: string) => map.nodes.find((n) => n.node.id === id)!.x;
    expect(x('engine:local')).toBeLessThan(x('network:local:shop'));
    expect(x('network:local:shop')).toBeLessThan(x('container:local:db'));
    expect(x('container:local:web')).toBeLessThan(x('port:local:web:80/tcp'));
    for (const e of map.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });
});
