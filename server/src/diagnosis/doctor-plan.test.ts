import { describe, expect, it } from 'vitest';
import type { ContainerSummary, NetworkSummary } from '@sonde/shared';
import { exposedPorts, peerPlan, planFor } from './doctor-plan.js';

/** What the doctor expects of a target, from Docker's view of containers and networks. */

function container(id: string, name: string, extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return { id: id.repeat(64).slice(0, 64), engine: 'local', name, image: 'x', state: 'running', status: 'Up', networks: [], ports: [], labels: {}, toolbox: false, ...extra };
}

const web = container('a', 'shop-web-1', {
  compose: { project: 'shop', service: 'web' },
  networks: [{ name: 'shop_default', ipv4: '172.20.0.2' }, { name: 'bridge', ipv4: '172.17.0.2' }],
  ports: [
    { privatePort: 80, publicPort: 8080, ip: '0.0.0.0', protocol: 'tcp' },
    { privatePort: 80, publicPort: 8080, ip: '::', protocol: 'tcp' },
    { privatePort: 9000, protocol: 'tcp' },
    { privatePort: 53, protocol: 'udp' },
    { privatePort: 132, protocol: 'sctp' },
  ],
});
const db = container('b', 'shop-db-1', { compose: { project: 'shop', service: 'db' }, networks: [{ name: 'shop_default', ipv4: '172.20.0.3' }] });
const other = container('c', 'lonely', { networks: [{ name: 'bridge', ipv4: '172.17.0.3' }] });
const toolbox = container('d', 'sonde-abc', { toolbox: true, networks: [{ name: 'shop_default' }] });
const stoppedPeer = container('e', 'shop-cache-1', { state: 'exited', compose: { project: 'shop', service: 'cache' }, networks: [{ name: 'shop_default' }] });
const network = (name: string, members: ContainerSummary[], internal = false): NetworkSummary => ({
  id: name.padEnd(64, '0'),
  engine: 'local',
  name,
  driver: 'bridge',
  scope: 'local',
  internal,
  attachable: false,
  subnets: [],
  labels: {},
  containers: members.map((m) => ({ id: m.id, name: m.name })),
});
const containers = [web, db, other, toolbox, stoppedPeer];
const networks = [network('shop_default', [web, db, toolbox]), network('bridge', [web, other])];
const target = { kind: 'container' as const, engine: 'local', containerId: web.id, containerName: web.name, sharePid: false };

describe('the doctor plan', () => {
  it('names to resolve: asked for first, then members and Compose services of DNS networks; never toolboxes or the default bridge', () => {
    const plan = planFor(target, ['api.example.com'], containers, networks);
    expect(plan.expectedNames).toEqual([
      { name: 'api.example.com', why: 'asked for in the request' },
      { name: 'shop-db-1', why: 'a member of network shop_default' },
      { name: 'db', why: 'the Compose service db of project shop' },
    ]);
    expect(plan).toMatchObject({ portsApply: true, internalOnly: false, probeName: 'shop-web-1' });
  });

  it('published and exposed ports, one entry per port and protocol', () => {
    expect(exposedPorts(web)).toEqual([
      { port: 80, protocol: 'tcp', how: 'published on the host at 0.0.0.0:8080 and [::]:8080' },
      { port: 9000, protocol: 'tcp', how: 'exposed to other containers (not published)' },
      { port: 53, protocol: 'udp', how: 'exposed to other containers (not published)' },
    ]);
  });

  it('internal-only networks expect no default route; network and host targets publish nothing', () => {
    expect(planFor(target, [], containers, [network('shop_default', [web, db], true), network('bridge', [web], true)]).internalOnly).toBe(true);
    const onNetwork = planFor({ kind: 'network', engine: 'local', networkId: networks[0]!.id, networkName: 'shop_default' }, [], containers, networks);
    expect(onNetwork).toMatchObject({ portsApply: false, exposedPorts: [], probeName: 'shop-web-1' });
    expect(onNetwork.expectedNames.map((e) => e.name)).toEqual(['shop-web-1', 'shop-db-1']);
    expect(planFor({ kind: 'host', engine: 'local' }, ['db.internal'], containers, networks)).toMatchObject({ expectedNames: [{ name: 'db.internal' }], portsApply: false, probeName: 'localhost' });
  });

  it('a peer: its address on a network shared with the target, its exposed TCP ports unless the request names some', () => {
    expect(peerPlan(target, db, undefined, containers)).toEqual({ containerId: db.id, containerName: 'shop-db-1', ipv4: '172.20.0.3', network: 'shop_default', resolvable: true, ports: [] });
    expect(peerPlan(target, db, [5432, 80], containers).ports).toEqual([5432, 80]);
    // On the default bridge only: an address, but Docker's DNS does not answer for names there.
    expect(peerPlan(target, other, undefined, containers)).toMatchObject({ ipv4: '172.17.0.3', network: 'bridge', resolvable: false });
    // No network in common: nothing to probe.
    const alone = container('f', 'alone', { networks: [{ name: 'elsewhere', ipv4: '10.9.0.2' }], ports: [{ privatePort: 443, protocol: 'tcp' }] });
    expect(peerPlan(target, alone, undefined, [...containers, alone])).toEqual({ containerId: alone.id, containerName: 'alone', resolvable: false, ports: [443] });
    // A peer is reached, not resolved as an expected name: the peer check does its own lookup.
    expect(planFor(target, [], containers, networks, peerPlan(target, db, undefined, containers)).peer).toMatchObject({ containerName: 'shop-db-1' });
  });
});
