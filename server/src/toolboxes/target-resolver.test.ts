import { describe, expect, it } from 'vitest';
import type { ContainerSummary, KubeContainer, KubeNamespace, KubeNode, KubePod, NetworkSummary } from '@sonde/shared';
import type { KubernetesEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import { pickByRef, resolveKubernetesTarget, resolveTarget } from './target-resolver.js';

function container(id: string, name: string, extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return { id, engine: 'local', name, image: 'x', state: 'running', status: 'Up', networks: [], ports: [], labels: {}, toolbox: false, ...extra };
}

const containers = [
  container('aaaa1111' + '0'.repeat(56), 'web'),
  container('aaaa2222' + '0'.repeat(56), 'db'),
  container('bbbb3333' + '0'.repeat(56), 'stopped', { state: 'exited' }),
  container('cccc4444' + '0'.repeat(56), 'secret', { labels: { 'sonde.deny': 'true' } }),
  container('dddd5555' + '0'.repeat(56), 'sonde-abc', { toolbox: true }),
];
const networks: NetworkSummary[] = [
  { id: 'n1' + '0'.repeat(62), name: 'backend', engine: 'local', driver: 'bridge', scope: 'local', internal: false, attachable: false, subnets: [], labels: {}, containers: [] },
  { id: 'n2' + '0'.repeat(62), name: 'host', engine: 'local', driver: 'host', scope: 'local', internal: false, attachable: false, subnets: [], labels: {}, containers: [] },
];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ApiError ? `${error.statusCode} ${error.code}` : String(error);
  }
  return undefined;
}

describe('target resolution', () => {
  it('finds containers by name, full id, and unique id prefix', () => {
    expect(pickByRef(containers, 'web', 'container').name).toBe('web');
    expect(pickByRef(containers, '/db', 'container').name).toBe('db');
    expect(pickByRef(containers, containers[1]!.id, 'container').name).toBe('db');
    expect(pickByRef(containers, 'aaaa2', 'container').name).toBe('db');
  });

  it('refuses ambiguous and too-short prefixes instead of guessing', () => {
    expect(codeOf(() => pickByRef(containers, 'aaaa', 'container'))).toBe('409 TARGET_AMBIGUOUS');
    expect(codeOf(() => pickByRef(containers, 'bbb', 'container'))).toBe('404 TARGET_NOT_FOUND');
  });

  it('resolves each attach mode to full ids', () => {
    expect(resolveTarget({ kind: 'container', container: 'web', sharePid: true }, { engine: 'local', containers, networks })).toEqual({
      kind: 'container',
      engine: 'local',
      containerId: containers[0]!.id,
      containerName: 'web',
      sharePid: true,
    });
    expect(resolveTarget({ kind: 'network', network: 'backend' }, { engine: 'local', containers, networks })).toEqual({
      kind: 'network',
      engine: 'local',
      networkId: networks[0]!.id,
      networkName: 'backend',
    });
    expect(resolveTarget({ kind: 'host', engine: 'local' }, { engine: 'local', containers, networks })).toEqual({ kind: 'host', engine: 'local' });
  });

  it('gives each refusal its own code', () => {
    const ctx = { engine: 'local', containers, networks };
    expect(codeOf(() => resolveTarget({ kind: 'container', container: 'nope' }, ctx))).toBe('404 TARGET_NOT_FOUND');
    expect(codeOf(() => resolveTarget({ kind: 'container', container: 'stopped' }, ctx))).toBe('409 TARGET_NOT_RUNNING');
    expect(codeOf(() => resolveTarget({ kind: 'container', container: 'secret' }, ctx))).toBe('403 TARGET_NOT_ALLOWED');
    expect(codeOf(() => resolveTarget({ kind: 'container', container: 'sonde-abc' }, ctx))).toBe('403 TARGET_NOT_ALLOWED');
    expect(codeOf(() => resolveTarget({ kind: 'network', network: 'host' }, ctx))).toBe('400 INVALID_REQUEST');
    expect(codeOf(() => resolveTarget({ kind: 'network', network: 'frontend' }, ctx))).toBe('404 TARGET_NOT_FOUND');
  });
});

describe('resolving Kubernetes targets', () => {
  const main = (name: string, extra: Partial<KubeContainer> = {}): KubeContainer => ({ name, image: 'x', state: 'running', ready: true, restartCount: 0, role: 'main', toolbox: false, ...extra });
  const pod = (name: string, extra: Partial<KubePod> = {}): KubePod => ({ engine: 'prod', namespace: 'shop', name, uid: `uid-${name}`, phase: 'Running', node: 'w1', hostNetwork: false, labels: {}, containers: [main('app')], toolbox: false, ...extra });
  const pods = [
    pod('cart', { containers: [main('init', { role: 'init', state: 'terminated' }), main('cart'), main('envoy')], defaultContainer: 'envoy' }),
    pod('plain', { containers: [main('first'), main('second')] }),
    pod('pending', { phase: 'Pending' }),
    pod('crashing', { containers: [main('app', { state: 'waiting', reason: 'CrashLoopBackOff' })] }),
    pod('denied', { labels: { 'sonde.deny': 'true' } }),
    pod('sonde-abc', { toolbox: true }),
  ];
  const namespaces: KubeNamespace[] = [
    { engine: 'prod', name: 'shop', phase: 'Active', labels: {} },
    { engine: 'prod', name: 'vault', phase: 'Active', labels: { 'sonde.deny': 'true' } },
  ];
  const nodes: KubeNode[] = [
    { engine: 'prod', name: 'w1', addresses: [], ready: true, unschedulable: false, labels: {} },
    { engine: 'prod', name: 'w2', addresses: [], ready: false, unschedulable: false, labels: {} },
  ];
  const engine = {
    name: 'prod',
    kind: 'kubernetes',
    readPod: async (ns: string, name: string) => (ns === 'vault' ? pod(name, { namespace: 'vault' }) : pods.find((p) => p.name === name)),
    readNamespace: async (name: string) => namespaces.find((n) => n.name === name),
    readNode: async (name: string) => nodes.find((n) => n.name === name),
  } as unknown as KubernetesEngine;
  const resolve = (request: Parameters<typeof resolveKubernetesTarget>[0]) => resolveKubernetesTarget(request, engine);
  const refusal = async (request: Parameters<typeof resolveKubernetesTarget>[0]) =>
    resolve(request).then(
      () => undefined,
      (error: unknown) => (error instanceof ApiError ? `${error.statusCode} ${error.code}` : String(error)),
    );

  it('picks the named container, else the pod\'s default container, else its first', async () => {
    expect((await resolve({ kind: 'pod', namespace: 'shop', pod: 'cart', container: 'cart' })).target).toEqual({ kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart', podUid: 'uid-cart', container: 'cart', node: 'w1' });
    expect((await resolve({ kind: 'pod', namespace: 'shop', pod: 'cart' })).target).toMatchObject({ container: 'envoy' });
    expect((await resolve({ kind: 'pod', namespace: 'shop', pod: 'plain' })).target).toMatchObject({ container: 'first' });
    const { context } = await resolve({ kind: 'pod', namespace: 'shop', pod: 'plain' });
    expect(context.pods?.map((p) => p.name)).toEqual(['plain']);
    expect(context.namespaces?.map((n) => n.name)).toEqual(['shop']);
  });

  it('refuses what is not there, what does not run, and what may never be a target', async () => {
    expect(await refusal({ kind: 'pod', namespace: 'nope', pod: 'cart' })).toBe('404 TARGET_NOT_FOUND');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'nope' })).toBe('404 TARGET_NOT_FOUND');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'cart', container: 'init' })).toBe('404 TARGET_NOT_FOUND');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'pending' })).toBe('409 TARGET_NOT_RUNNING');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'crashing' })).toBe('409 TARGET_NOT_RUNNING');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'denied' })).toBe('403 TARGET_NOT_ALLOWED');
    expect(await refusal({ kind: 'pod', namespace: 'shop', pod: 'sonde-abc' })).toBe('403 TARGET_NOT_ALLOWED');
    expect(await refusal({ kind: 'pod', namespace: 'vault', pod: 'anything' })).toBe('403 TARGET_NOT_ALLOWED');
  });

  it('resolves ready nodes only', async () => {
    expect((await resolve({ kind: 'node', node: 'w1' })).target).toEqual({ kind: 'node', engine: 'prod', node: 'w1' });
    expect(await refusal({ kind: 'node', node: 'w2' })).toBe('409 TARGET_NOT_RUNNING');
    expect(await refusal({ kind: 'node', node: 'w9' })).toBe('404 TARGET_NOT_FOUND');
  });
});
