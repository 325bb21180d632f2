import type { SwarmNode, SwarmService, SwarmTask } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { findTask, serviceCounts, swarmBranch, taskBlockedReason, taskName, taskOfContainer, taskSelector, taskStateTone } from './swarm-tree';

const node = (hostname: string, role: SwarmNode['role'], engine?: string): SwarmNode => ({
  id: `id-${hostname}`, hostname, address: `10.0.0.${hostname.slice(-1)}`, role, availability: 'active', state: 'ready', manager: 'node1', clusterId: 'k', ...(engine ? { engine } : {}),
});
const task = (slot: number | undefined, nodeName: string, state = 'running', extra: Partial<SwarmTask> = {}): SwarmTask => ({
  id: `t${slot ?? nodeName}${state}`, ...(slot !== undefined ? { slot } : {}), nodeId: `id-${nodeName}`, node: nodeName, engine: nodeName, state, desiredState: 'running',
  containerId: `c-${slot ?? nodeName}-${state}`, addresses: [{ network: 'ov', address: `10.0.1.${slot ?? 9}` }], ...extra,
});
const service = (name: string, tasks: SwarmTask[], manager = 'node1'): SwarmService => ({
  id: `s-${name}`, name, mode: 'replicated', replicas: 2, networks: [{ id: 'ov-id', name: 'ov' }], manager, clusterId: 'k', tasks,
});

const nodes = [node('node2', 'worker', 'node2'), node('node1', 'manager', 'node1')];
const services = [service('web', [task(2, 'node2'), task(1, 'node1')]), service('api', [task(1, 'node1')]), service('other', [task(1, 'x')], 'node9')];

describe('swarmBranch', () => {
  it("shows one manager's nodes by hostname, its services by name, tasks by slot", () => {
    const branch = swarmBranch('node1', nodes, services, '');
    expect(branch.nodes.map((n) => [n.hostname, n.engine])).toEqual([
      ['node1', 'node1'],
      ['node2', 'node2'],
    ]);
    expect(branch.services.map((b) => [b.service.name, b.tasks.map((t) => taskName(b.service.name, t))])).toEqual([
      ['api', ['api.1']],
      ['web', ['web.1', 'web.2']],
    ]);
  });

  it('filters: a service name keeps all its tasks, a node or address keeps the tasks there', () => {
    expect(swarmBranch('node1', nodes, services, 'web').services.map((b) => b.tasks.length)).toEqual([2]);
    const onNode2 = swarmBranch('node1', nodes, services, 'node2');
    expect(onNode2.nodes.map((n) => n.hostname)).toEqual(['node2']);
    expect(onNode2.services.map((b) => [b.service.name, b.tasks.map((t) => t.slot)])).toEqual([['web', [2]]]);
    expect(swarmBranch('node1', nodes, services, '10.0.1.2').services.map((b) => b.service.name)).toEqual(['web']);
    expect(swarmBranch('node1', nodes, services, 'nothing-like-it')).toEqual({ nodes: [], services: [] });
  });
});

describe('tasks in links', () => {
  it('a replicated task by slot (the running one while Swarm replaces it), a global one by id', () => {
    const replacing = service('web', [task(1, 'node2', 'shutdown'), task(1, 'node1', 'running')]);
    expect(findTask([replacing], 'node1', 'web', { slot: 1 })?.task?.node).toBe('node1');
    expect(findTask([replacing], 'node1', 's-web', { slot: 1 })?.task?.node).toBe('node1');
    expect(findTask([replacing], 'node1', 'web', { slot: 5 })).toEqual({ service: replacing, task: undefined });
    expect(findTask([replacing], 'node2', 'web', { slot: 1 })).toBeUndefined();
    const global = task(undefined, 'node2');
    expect(taskSelector(global)).toEqual({ id: global.id });
    expect(taskName('agent', global)).toBe('agent@node2');
    expect(findTask([service('agent', [global])], 'node1', 'agent', { id: global.id })?.task).toBe(global);
    expect(taskSelector(task(3, 'node1'))).toEqual({ slot: 3 });
  });

  it("finds the task of a task container; says why a task cannot be a target", () => {
    expect(taskOfContainer(services, 'c-2-running')).toMatchObject({ service: { name: 'web' }, task: { slot: 2 } });
    expect(taskOfContainer(services, 'nope')).toBeUndefined();
    expect(taskBlockedReason(task(1, 'node1'))).toBeNull();
    expect(taskBlockedReason(task(1, 'node1', 'starting'))).toBe('The task is starting, not running.');
    const { engine: _none, ...unmapped } = task(1, 'node7');
    expect(taskBlockedReason(unmapped)).toMatch(/no engine for node node7/);
    expect(taskStateTone('running')).toBe('ok');
    expect(taskStateTone('failed')).toBe('danger');
    expect(taskStateTone('preparing')).toBe('info');
    expect(serviceCounts(service('web', [task(1, 'node1'), task(2, 'node2', 'starting')]))).toBe('1/2 running');
  });
});
