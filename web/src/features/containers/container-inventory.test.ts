import type { ContainerSummary } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { groupContainers, shellBlockedReason } from './container-inventory';

function container(overrides: Partial<ContainerSummary> & { name: string }): ContainerSummary {
  return {
    id: `${overrides.name}-id-0123456789`,
    engine: 'local',
    image: 'nginx:1.27',
    state: 'running',
    status: 'Up 5 minutes',
    networks: [],
    ports: [],
    labels: {},
    toolbox: false,
    ...overrides,
  };
}

const inventory = [
  container({ name: 'shop-web-1', compose: { project: 'shop', service: 'web' }, networks: [{ name: 'shop_default', ipv4: '172.20.0.3' }] }),
  container({ name: 'shop-db-1', image: 'postgres:16', compose: { project: 'shop', service: 'db' }, networks: [{ name: 'shop_default', ipv4: '172.20.0.2' }] }),
  container({ name: 'api-1', compose: { project: 'api', service: 'api' } }),
  container({ name: 'redis', image: 'redis:7', state: 'exited' }),
  container({ name: 'sonde-toolbox-abc', image: 'sonde-toolbox:1', toolbox: true }),
];

const names = (groups: ReturnType<typeof groupContainers>) =>
  groups.map((group) => [group.label, group.containers.map((c) => c.name)]);

describe('groupContainers', () => {
  it("with several engines, lists one engine's containers, a Swarm service's task containers grouped by service", () => {
    const task = (name: string, engine: string, slot: number) =>
      container({ name, engine, swarm: { service: 'web', taskId: `t${slot}`, slot, nodeId: `n-${engine}` } });
    const everywhere = [...inventory, task('web.2.abc', 'node2', 2), task('web.1.def', 'node1', 1), container({ name: 'cache', engine: 'node2' })];
    expect(names(groupContainers(everywhere, { query: '', showToolboxes: false, engine: 'node2' }))).toEqual([
      ['service web', ['web.2.abc']],
      ['Standalone', ['cache']],
    ]);
    // The filter finds a task container by its service's name.
    expect(names(groupContainers(everywhere, { query: 'web', showToolboxes: false, engine: 'node1' }))).toEqual([['service web', ['web.1.def']]]);
    // Without an engine, every engine's (the one-engine console, and old links).
    expect(groupContainers(everywhere, { query: '', showToolboxes: false }).flatMap((g) => g.containers)).toHaveLength(7);
  });

  it('groups by Compose project (sorted), standalone last, toolboxes hidden', () => {
    expect(names(groupContainers(inventory, { query: '', showToolboxes: false }))).toEqual([
      ['api', ['api-1']],
      ['shop', ['shop-db-1', 'shop-web-1']],
      ['Standalone', ['redis']],
    ]);
  });

  it('shows toolboxes in their own group when asked', () => {
    const groups = groupContainers(inventory, { query: '', showToolboxes: true });
    expect(groups.at(-1)).toMatchObject({ kind: 'toolbox', containers: [{ name: 'sonde-toolbox-abc' }] });
  });

  it.each([
    ['postgres', ['shop-db-1']],
    ['172.20.0.3', ['shop-web-1']],
    ['SHOP web', ['shop-web-1']],
    ['api', ['api-1']],
    ['redis:7', ['redis']],
    ['nothing-matches', []],
  ])('filters by %s', (query, expected) => {
    const found = groupContainers(inventory, { query, showToolboxes: false }).flatMap((g) => g.containers.map((c) => c.name));
    expect(found).toEqual(expected);
  });
});

describe('shellBlockedReason', () => {
  it('allows running containers and explains the rest', () => {
    expect(shellBlockedReason(container({ name: 'a' }))).toBeNull();
    expect(shellBlockedReason(container({ name: 'b', state: 'exited' }))).toMatch(/exited/);
    expect(shellBlockedReason(container({ name: 'c', toolbox: true }))).toMatch(/toolbox/);
  });
});
