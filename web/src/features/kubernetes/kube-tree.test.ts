import type { KubeContainer, KubeNamespace, KubeNode, KubePod } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { clusterBranch, defaultTargetContainer, findPod, hasToolbox, nodeBlockedReason, nodeState, nodeTone, podBlockedReason, podTone, targetContainers } from './kube-tree';

const main = (name: string, extra: Partial<KubeContainer> = {}): KubeContainer => ({ name, image: 'app', state: 'running', ready: true, restartCount: 0, role: 'main', toolbox: false, ...extra });
const pod = (namespace: string, name: string, extra: Partial<KubePod> = {}): KubePod => ({
  engine: 'prod',
  namespace,
  name,
  uid: `${namespace}-${name}`,
  phase: 'Running',
  node: 'w1',
  podIP: '10.244.1.7',
  hostNetwork: false,
  labels: { app: name.split('-')[0]! },
  containers: [main('app')],
  toolbox: false,
  ...extra,
});
const namespaces: KubeNamespace[] = [
  { engine: 'prod', name: 'shop', phase: 'Active', labels: {} },
  { engine: 'prod', name: 'vault', phase: 'Active', labels: { 'sonde.deny': 'true' } },
  { engine: 'prod', name: 'empty', phase: 'Active', labels: {} },
  { engine: 'other', name: 'shop', phase: 'Active', labels: {} },
];
const nodes: KubeNode[] = [
  { engine: 'prod', name: 'w2', addresses: [{ type: 'InternalIP', address: '192.168.49.3' }], ready: false, unschedulable: false, labels: {} },
  { engine: 'prod', name: 'w1', addresses: [{ type: 'InternalIP', address: '192.168.49.2' }], ready: true, unschedulable: true, labels: {} },
];
const pods = [pod('shop', 'web-2'), pod('shop', 'cart-1'), pod('vault', 'secrets-0'), pod('kube-system', 'sonde-node-w1', { toolbox: true }), pod('shop', 'web-9', { engine: 'other' })];

describe('clusterBranch', () => {
  it('lists one cluster’s namespaces with their pods by name, and its nodes, leaving Sonde’s node pods out unless asked', () => {
    const branch = clusterBranch('prod', namespaces, pods, nodes, '');
    expect(branch.namespaces.map((n) => [n.namespace, n.denied, n.pods.map((p) => p.name)])).toEqual([
      ['empty', false, []],
      ['kube-system', false, []],
      ['shop', false, ['cart-1', 'web-2']],
      ['vault', true, ['secrets-0']],
    ]);
    expect(branch.nodes.map((n) => n.name)).toEqual(['w1', 'w2']);
    expect(clusterBranch('prod', namespaces, pods, nodes, '', true).namespaces.find((n) => n.namespace === 'kube-system')?.pods.map((p) => p.name)).toEqual(['sonde-node-w1']);
  });

  it('filters pods by name, label, IP and container; a namespace’s name shows all its pods; nodes by address', () => {
    expect(clusterBranch('prod', namespaces, pods, nodes, 'web').namespaces.map((n) => [n.namespace, n.pods.map((p) => p.name)])).toEqual([['shop', ['web-2']]]);
    expect(clusterBranch('prod', namespaces, pods, nodes, 'app=cart').namespaces.map((n) => n.pods.map((p) => p.name))).toEqual([['cart-1']]);
    expect(clusterBranch('prod', namespaces, pods, nodes, 'vault').namespaces.map((n) => n.pods.map((p) => p.name))).toEqual([['secrets-0']]);
    expect(clusterBranch('prod', namespaces, pods, nodes, '192.168.49.3').nodes.map((n) => n.name)).toEqual(['w2']);
    expect(clusterBranch('prod', namespaces, pods, nodes, 'nothing-like-it')).toEqual({ namespaces: [], nodes: [] });
  });
});

describe('pods and nodes', () => {
  it('says why a shell cannot open: deny labels (pod or namespace), not running, no container', () => {
    expect(podBlockedReason(pod('shop', 'web-2'), false)).toBeNull();
    expect(podBlockedReason(pod('vault', 'secrets-0'), true)).toMatch(/sonde.deny=true \(on its namespace\)/);
    expect(podBlockedReason(pod('shop', 'x', { labels: { 'sonde.deny': 'true' } }), false)).toMatch(/labelled sonde.deny=true/);
    expect(podBlockedReason(pod('shop', 'x', { phase: 'Pending' }), false)).toMatch(/is Pending/);
    expect(podBlockedReason(pod('shop', 'x', { containers: [] }), false)).toMatch(/no container/);
    expect(nodeBlockedReason(nodes[0]!)).toMatch(/not Ready/);
    expect(nodeBlockedReason(nodes[1]!)).toBeNull();
  });

  it('targets kubectl’s default container, else the first main one; never init or ephemeral ones', () => {
    const p = pod('shop', 'web-2', {
      containers: [main('init', { role: 'init' }), main('app'), main('sidecar'), main('sonde-toolbox', { role: 'ephemeral', toolbox: true, targetContainerName: 'app' })],
    });
    expect(targetContainers(p)).toEqual(['app', 'sidecar']);
    expect(defaultTargetContainer(p)).toBe('app');
    expect(defaultTargetContainer({ ...p, defaultContainer: 'sidecar' })).toBe('sidecar');
    expect(defaultTargetContainer({ ...p, defaultContainer: 'gone' })).toBe('app');
    expect(hasToolbox(p)).toBe(true);
    expect(hasToolbox(pod('shop', 'cart-1'))).toBe(false);
  });

  it('tones and states', () => {
    expect(podTone(pod('a', 'b'))).toBe('ok');
    expect(podTone(pod('a', 'b', { containers: [main('app', { ready: false })] }))).toBe('warn');
    expect(podTone(pod('a', 'b', { phase: 'Failed' }))).toBe('danger');
    expect([nodeTone(nodes[0]!), nodeState(nodes[0]!)]).toEqual(['danger', 'NotReady']);
    expect([nodeTone(nodes[1]!), nodeState(nodes[1]!)]).toEqual(['warn', 'Ready, cordoned']);
    expect(findPod(pods, 'other', 'shop', 'web-9')?.engine).toBe('other');
    expect(findPod(pods, 'prod', 'shop', 'web-9')).toBeUndefined();
  });
});
