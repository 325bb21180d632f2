import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { Topology, type ContainerSummary, type NetworkSummary } from '@sonde/shared';
import { buildTopology, type EngineInventory } from './topology-builder.js';

/** The map built from a given inventory: a Compose project on one engine, a Swarm of two. */

function container(engine: string, id: string, name: string, extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return { id: id.repeat(64).slice(0, 64), engine, name, image: 'img', state: 'running', status: 'Up', networks: [], ports: [], labels: {}, toolbox: false, ...extra };
}
function network(engine: string, id: string, name: string, extra: Partial<NetworkSummary> = {}): NetworkSummary {
  return { id: id.repeat(25).slice(0, 25), engine, name, driver: 'bridge', scope: 'local', internal: false, attachable: false, subnets: ['172.20.0.0/16'], labels: {}, containers: [], ...extra };
}

const web = container('local', 'a', 'shop-web-1', {
  compose: { project: 'shop', service: 'web' },
  networks: [{ name: 'shop_default', ipv4: '172.20.0.2' }],
  ports: [
    { privatePort: 80, publicPort: 8080, ip: '0.0.0.0', protocol: 'tcp' },
    { privatePort: 80, publicPort: 8080, ip: '::', protocol: 'tcp' },
    { privatePort: 9000, protocol: 'tcp' },
  ],
});
const db = container('local', 'b', 'shop-db-1', { compose: { project: 'shop', service: 'db' }, networks: [{ name: 'shop_default', ipv4: '172.20.0.3' }] });
const loner = container('local', 'c', 'loner', { networks: [] });
const toolbox = container('local', 'd', 'sonde-123', { toolbox: true, networks: [{ name: 'shop_default', ipv4: '172.20.0.9' }] });
const local: EngineInventory = {
  name: 'local',
  reachable: true,
  containers: [web, db, loner, toolbox],
  networks: [network('local', '1', 'shop_default', { labels: { 'com.docker.compose.project': 'shop' } }), network('local', '2', 'bridge'), network('local', '3', 'none'), network('local', '4', 'empty')],
};

describe('topology from the inventory', () => {
  it('engines hold networks, containers hang off their networks with their addresses, ports off their containers', () => {
    const topology = buildTopology({ engines: [local], swarms: [], unreachable: [], at: '2026-01-01T00:00:00.000Z' });
    expect(Value.Check(Topology, topology)).toBe(true);
    const ids = topology.nodes.map((n) => n.id).sort();
    expect(ids).toEqual(
      [
        'engine:local',
        `network:local:${'1'.repeat(25)}`,
        `network:local:${'4'.repeat(25)}`,
        `container:local:${web.id}`,
        `container:local:${db.id}`,
        `container:local:${loner.id}`,
        `port:local:${web.id}:80/tcp`,
        `port:local:${web.id}:9000/tcp`,
      ].sort(),
    );
    // Unused default networks, `none` and Sonde's own toolboxes are left out.
    expect(topology.nodes.find((n) => n.label === 'bridge' || n.label === 'none' || n.label === 'sonde-123')).toBeUndefined();
    const shop = `network:local:${'1'.repeat(25)}`;
    expect(topology.nodes.find((n) => n.id === shop)).toMatchObject({ kind: 'network', label: 'shop_default', project: 'shop', driver: 'bridge', subnets: ['172.20.0.0/16'] });
    expect(topology.nodes.find((n) => n.label === 'shop-web-1')).toMatchObject({ kind: 'container', project: 'shop', service: 'web', dockerId: web.id, state: 'running' });
    expect(topology.edges).toEqual(
      expect.arrayContaining([
        { from: 'engine:local', to: shop, kind: 'hosts' },
        { from: `container:local:${web.id}`, to: shop, kind: 'interface', ipv4: '172.20.0.2' },
        { from: `container:local:${db.id}`, to: shop, kind: 'interface', ipv4: '172.20.0.3' },
        { from: `container:local:${web.id}`, to: `port:local:${web.id}:80/tcp`, kind: 'publishes' },
        // On no network: it hangs off its engine.
        { from: 'engine:local', to: `container:local:${loner.id}`, kind: 'hosts' },
      ]),
    );
    expect(topology.nodes.find((n) => n.id === `port:local:${web.id}:80/tcp`)).toMatchObject({ label: '80/tcp → 0.0.0.0:8080, [::]:8080', port: { privatePort: 80, publicPort: 8080, hostIp: '0.0.0.0' } });
    expect(topology.nodes.find((n) => n.id === `port:local:${web.id}:9000/tcp`)!.label).toBe('9000/tcp (exposed)');
    // Every edge joins two nodes of the map.
    for (const edge of topology.edges) expect(ids).toEqual(expect.arrayContaining([edge.from, edge.to]));
  });

  it("a Swarm: one overlay node both engines' tasks attach to, nodes managed by the manager and run by their engines", () => {
    const overlay = (engine: string) => network(engine, 'o', 'web_net', { driver: 'overlay', scope: 'swarm' });
    const task = (engine: string, id: string, slot: number) =>
      container(engine, id, `web.${slot}.x`, { networks: [{ name: 'web_net', ipv4: `10.0.1.${slot + 1}` }], swarm: { service: 'web', taskId: `t${slot}`, slot, nodeId: `n${slot}` } });
    const topology = buildTopology({
      engines: [
        { name: 'node1', reachable: true, swarmRole: 'manager', containers: [task('node1', 'e', 1)], networks: [overlay('node1')] },
        { name: 'node2', reachable: true, swarmRole: 'worker', containers: [task('node2', 'f', 2)], networks: [overlay('node2')] },
        { name: 'node3', reachable: false, containers: [], networks: [] },
      ],
      swarms: [
        {
          manager: 'node1',
          nodes: [
            { id: 'n1', hostname: 'one', role: 'manager', availability: 'active', state: 'ready', engine: 'node1' },
            { id: 'n2', hostname: 'two', role: 'worker', availability: 'active', state: 'ready', engine: 'node2' },
          ],
        },
      ],
      unreachable: [{ engine: 'node3', error: 'engine node3 did not answer within 3000 ms' }],
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(Value.Check(Topology, topology)).toBe(true);
    const overlayId = `network:swarm:${'o'.repeat(25)}`;
    expect(topology.nodes.filter((n) => n.kind === 'network').map((n) => n.id)).toEqual([overlayId]);
    expect(topology.edges.filter((e) => e.to === overlayId).map((e) => [e.from, e.kind])).toEqual(
      expect.arrayContaining([
        ['engine:node1', 'hosts'],
        ['engine:node2', 'hosts'],
        [`container:node1:${'e'.repeat(64)}`, 'interface'],
        [`container:node2:${'f'.repeat(64)}`, 'interface'],
      ]),
    );
    expect(topology.nodes.find((n) => n.id === `container:node2:${'f'.repeat(64)}`)).toMatchObject({ task: { service: 'web', slot: 2, taskId: 't2' } });
    expect(topology.edges).toEqual(
      expect.arrayContaining([
        { from: 'engine:node1', to: 'node:n2', kind: 'manages' },
        { from: 'node:n2', to: 'engine:node2', kind: 'runs' },
      ]),
    );
    expect(topology.nodes.find((n) => n.id === 'engine:node3')).toMatchObject({ reachable: false });
    expect(topology.unreachable).toEqual([{ engine: 'node3', error: 'engine node3 did not answer within 3000 ms' }]);
  });
});
