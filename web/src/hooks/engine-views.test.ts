import type { EngineInfo, Health } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { defaultEngine, engineFacts, engineProblem, engineState, engineViews, showEngineLevel, toolboxImageNotice } from './engine-views';

const engines: EngineInfo[] = [
  { name: 'node1', reachable: true, version: '26.1.5', swarm: { nodeId: 'n1', role: 'manager', clusterId: 'k' }, source: 'configured', kind: 'docker' },
  { name: 'node2', reachable: true, version: '26.1.5', swarm: { nodeId: 'n2', role: 'worker' }, source: 'configured', kind: 'docker' },
];

const health = (node2: { reachable: boolean; error?: string }): Health => ({
  status: node2.reachable ? 'ok' : 'degraded',
  docker: { reachable: true, version: '26.1.5' },
  engines: [
    { name: 'node1', reachable: true, version: '26.1.5' },
    { name: 'node2', ...node2 },
  ],
});

describe('engineViews', () => {
  it('keeps the configured order and the Swarm role; the pushed health decides reachability and error', () => {
    const views = engineViews(engines, health({ reachable: false, error: 'connect ECONNREFUSED 172.30.0.3:2375' }));
    expect(views.map((v) => [v.name, v.reachable, v.role, v.error])).toEqual([
      ['node1', true, 'manager', undefined],
      ['node2', false, 'worker', 'connect ECONNREFUSED 172.30.0.3:2375'],
    ]);
    expect(engineState(views[1]!)).toEqual({ text: 'unreachable', tone: 'danger' });
    expect(engineProblem(views[1]!)).toBe('Engine node2 is unreachable: connect ECONNREFUSED 172.30.0.3:2375. Its containers and networks are not listed; the other engines’ are.');
    expect(engineProblem(views[0]!)).toBeNull();
    // The server's sentence keeps its words; its full stop is not doubled.
    expect(engineProblem({ name: 'node2', reachable: false, error: 'Cannot reach Docker at tcp://10.0.0.3:2375 (ECONNREFUSED).', leftOut: false })).toMatch(/\(ECONNREFUSED\)\. Its containers/);
    expect(engineFacts(views[0]!)).toBe('Docker 26.1.5 · Swarm manager');
  });

  it("says why with the engine list's error once it agrees (probed after the push), the pushed one before", () => {
    const pushed = health({ reachable: false, error: 'aborted' });
    expect(engineViews(engines, pushed)[1]?.error).toBe('aborted');
    const probed: EngineInfo[] = [engines[0]!, { name: 'node2', reachable: false, error: 'connect ECONNREFUSED 172.30.0.3:2375', source: 'configured', kind: 'docker' }];
    expect(engineViews(probed, pushed)[1]?.error).toBe('connect ECONNREFUSED 172.30.0.3:2375');
  });

  it('comes back when the health says so, even before the engine list is fetched again', () => {
    const down: EngineInfo[] = [engines[0]!, { name: 'node2', reachable: false, error: 'timeout', source: 'configured', kind: 'docker' }];
    const [, node2] = engineViews(down, health({ reachable: true }));
    expect(node2).toMatchObject({ name: 'node2', reachable: true });
    expect(node2).not.toHaveProperty('error');
  });

  it('shows engines from the health while the list loads, and marks engines a listing left out', () => {
    const views = engineViews(undefined, health({ reachable: true }), ['node2']);
    expect(views.map((v) => v.name)).toEqual(['node1', 'node2']);
    expect(views[1]).toMatchObject({ reachable: true, leftOut: true });
    expect(engineState(views[1]!).tone).toBe('warn');
    expect(engineProblem(views[1]!)).toMatch(/did not answer in time/);
    expect(engineState(engineViews(engines, undefined)[0]!).tone).toBe('ok');
    expect(engineState({ name: 'x', reachable: undefined, leftOut: false }).text).toBe('checking…');
  });

  it('has an engine level only with several engines; one engine is the default target engine', () => {
    const one = engineViews([{ name: 'local', reachable: true, source: 'configured', kind: 'docker' }], undefined);
    expect(showEngineLevel(one)).toBe(false);
    expect(defaultEngine(one)).toBe('local');
    const two = engineViews(engines, undefined);
    expect(showEngineLevel(two)).toBe(true);
    expect(defaultEngine(two)).toBeUndefined();
  });

  it('names a Kubernetes cluster as such, and its missing objects as namespaces, pods and nodes', () => {
    const [cluster] = engineViews([{ name: 'prod', kind: 'kubernetes', reachable: false, version: 'v1.30.2', error: 'Cannot reach Kubernetes at https://10.0.0.9:6443', source: 'configured' }], undefined);
    expect(cluster).toMatchObject({ name: 'prod', kind: 'kubernetes' });
    expect(engineFacts(cluster!)).toBe('Kubernetes v1.30.2');
    expect(engineProblem(cluster!)).toMatch(/Its namespaces, pods and nodes are not listed/);
    expect(engineFacts({ name: 'new', kind: 'kubernetes', reachable: undefined, leftOut: false })).toBe('Kubernetes');
  });
});

describe('toolboxImageNotice', () => {
  const view = (toolboxImage?: EngineInfo['toolboxImage']) => engineViews([{ name: 'local', reachable: true, source: 'configured', kind: 'docker', ...(toolboxImage ? { toolboxImage } : {}) }], undefined)[0]!;

  it('says how far a pull is (naming the engine when there are several), the failure sentence, or nothing when the image is there', () => {
    expect(toolboxImageNotice(view({ image: 'nicolaka/netshoot', state: 'pulling', percent: 37 }), false)).toEqual({ text: 'pulling nicolaka/netshoot 37%', tone: 'info' });
    expect(toolboxImageNotice(view({ image: 'nicolaka/netshoot', state: 'pulling', percent: 37 }), true)).toEqual({ text: 'pulling nicolaka/netshoot on local 37%', tone: 'info' });
    const why = "Docker could not pull nicolaka/netshoot: the registry's name does not resolve from the engine's host (DNS, or no internet access there) (Docker said: lookup registry-1.docker.io: no such host).";
    expect(toolboxImageNotice(view({ image: 'nicolaka/netshoot', state: 'failed', error: why }), false)).toEqual({ text: why, tone: 'danger' });
    expect(toolboxImageNotice(view({ image: 'sonde-toolbox:latest', state: 'missing', error: 'build it' }), false)).toEqual({ text: 'build it', tone: 'warn' });
    expect(toolboxImageNotice(view({ image: 'nicolaka/netshoot', state: 'present' }), false)).toBeNull();
    expect(toolboxImageNotice(view(), false)).toBeNull();
  });
});
