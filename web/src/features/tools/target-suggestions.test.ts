import { describe, expect, it } from 'vitest';
import type { ContainerSummary, NetworkSummary, ParamSpec } from '@sonde/shared';
import { suggestionsFor } from './target-suggestions';

function container(name: string, networks: { name: string; ipv4?: string }[], extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return { id: `${name}-id`, engine: 'local', name, image: `${name}:1`, state: 'running', status: 'Up', networks, ports: [], labels: {}, toolbox: false, ...extra };
}

const web = container('shop-web-1', [{ name: 'shop', ipv4: '10.0.0.2' }], { compose: { project: 'shop', service: 'web' }, ports: [{ privatePort: 80, protocol: 'tcp' }] });
const api = container('shop-api-1', [{ name: 'shop', ipv4: '10.0.0.3' }], { compose: { project: 'shop', service: 'api' }, ports: [{ privatePort: 8080, protocol: 'tcp' }] });
const other = container('other', [{ name: 'elsewhere', ipv4: '10.9.0.2' }]);
const stopped = container('stopped', [{ name: 'shop' }], { state: 'exited' });
const toolbox = container('sonde-abc', [{ name: 'shop', ipv4: '10.0.0.9' }], { toolbox: true });
const containers = [web, api, other, stopped, toolbox];
const shop: NetworkSummary = { id: 'n', engine: 'local', name: 'shop', driver: 'bridge', scope: 'local', internal: false, attachable: false, subnets: [], labels: {}, containers: [] };
const param = (type: ParamSpec['type'], extra: Partial<ParamSpec> = {}): ParamSpec => ({ name: 'x', type, label: 'x', required: true, ...extra });

describe('target suggestions', () => {
  it('offers reachable containers first, by name, service alias and IP, never toolboxes or stopped ones', () => {
    const values = suggestionsFor(param('host'), { containers, networks: [shop], container: web }).map((s) => s.value);
    expect(values.slice(0, 2)).toEqual(['shop-api-1', 'api']);
    expect(values).toContain('10.0.0.3');
    expect(values).toContain('other');
    expect(values).not.toContain('shop-web-1');
    expect(values).not.toContain('stopped');
    expect(values).not.toContain('sonde-abc');
  });

  it('limits a network page to that network’s members', () => {
    const values = suggestionsFor(param('host'), { containers, networks: [shop], network: shop }).map((s) => s.value);
    expect(values).toEqual(['shop-web-1', 'web', 'shop-api-1', 'api', '10.0.0.2', '10.0.0.3']);
  });

  it('builds URLs from exposed ports, and offers ports and interfaces', () => {
    expect(suggestionsFor(param('url'), { containers, networks: [], container: web }).map((s) => s.value)).toEqual(
      expect.arrayContaining(['http://shop-api-1:8080/', 'http://other/', 'http://localhost:80/']),
    );
    expect(suggestionsFor(param('ports'), { containers, networks: [], container: web }).map((s) => s.value)).toEqual(['80', '8080']);
    expect(suggestionsFor(param('interface', { acceptsAny: true }), { containers, networks: [] }).map((s) => s.value)).toEqual(['eth0', 'any', 'lo']);
    expect(suggestionsFor(param('interface'), { containers, networks: [] }).map((s) => s.value)).toEqual(['eth0', 'lo']);
  });

  it('offers the other containers for a two-sided tool', () => {
    expect(suggestionsFor(param('container'), { containers, networks: [], container: web }).map((s) => s.value)).toEqual(['shop-api-1', 'other']);
  });

  it("offers a Swarm task on another node across their overlay first, never a same-named bridge's members on another engine", () => {
    const overlay = (engine: string): NetworkSummary => ({ ...shop, id: 'ov', engine, name: 'ov', driver: 'overlay', scope: 'swarm', attachable: true });
    const task = (slot: number, engine: string) =>
      container(`web.${slot}.x${slot}`, [{ name: 'ov', ipv4: `10.0.1.${slot}` }, { name: 'bridge', ipv4: `172.17.0.${slot}` }], { id: `task-${slot}`, engine, swarm: { service: 'web', taskId: `t${slot}`, slot, nodeId: `n-${engine}` } });
    const near = task(1, 'node1');
    const far = task(2, 'node2');
    const strangerOnNode2 = container('cache', [{ name: 'bridge', ipv4: '172.17.0.9' }], { engine: 'node2' });
    const context = { containers: [near, far, strangerOnNode2], networks: [overlay('node1'), overlay('node2')], container: near };
    expect(suggestionsFor(param('container'), context)).toEqual([
      { value: 'web.2.x2', label: 'task web.2 on node2' },
      { value: 'cache', label: 'cache:1 on node2' },
    ]);
    // Its addresses on the overlay are suggested, its bridge address on another host is still listed after (free input).
    expect(suggestionsFor(param('ip'), context)[0]).toEqual({ value: '10.0.1.2', label: 'web.2.x2 on ov' });
  });
});
