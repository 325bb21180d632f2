import { describe, expect, it } from 'vitest';
import { describeTarget, namespaceKey } from './targets.js';

describe('describeTarget', () => {
  const web = { kind: 'container', engine: 'local', containerId: 'x', containerName: 'web-1', sharePid: false } as const;
  const withPid = { ...web, sharePid: true } as const;
  const backend = { kind: 'network', engine: 'local', networkId: 'n', networkName: 'backend' } as const;

  it('labels targets for the audit trail and recordings', () => {
    expect([web, backend, { kind: 'host', engine: 'local' } as const].map((t) => describeTarget(t))).toEqual(['container web-1', 'network backend', 'host']);
  });

  it('names them shortly for tabs and toolboxes', () => {
    expect([web, withPid, backend, { kind: 'host', engine: 'local' } as const].map((t) => describeTarget(t, 'short'))).toEqual(['web-1 (net)', 'web-1 (net+pid)', 'net: backend', 'host']);
  });

  it('says what the toolbox is attached to, for headings', () => {
    expect(describeTarget(withPid, 'long')).toBe('Network and process namespaces of container web-1');
    expect(describeTarget(backend, 'long')).toBe('Toolbox attached to network backend');
    expect(describeTarget({ kind: 'host', engine: 'local' }, 'long')).toBe('Host network namespace');
  });

  it('says which engine, when it is not the default one, and names Swarm tasks and overlay namespaces', () => {
    const task = { ...web, engine: 'node2', containerName: 'web.2.abc', task: { id: 'abc', service: 'web', slot: 2, nodeId: 'n2', manager: 'node1' } } as const;
    expect(describeTarget(task)).toBe('task web.2 on node2');
    expect(describeTarget(task, 'short')).toBe('web.2 (net) @node2');
    expect(describeTarget(task, 'long')).toBe('Network namespace of task web.2 (container web.2.abc) on node2');
    const ns = { kind: 'network-namespace', engine: 'node1', networkId: 'o', networkName: 'overlay1' } as const;
    expect(describeTarget(ns)).toBe('namespace of network overlay1 on node1');
    expect(describeTarget(ns, 'short')).toBe('ns: overlay1 @node1');
  });
});

describe('namespaceKey', () => {
  it('is the same for one place however it is asked for, and differs between places', () => {
    const web = { kind: 'container', engine: 'local', containerId: 'x', containerName: 'web-1', sharePid: false } as const;
    const pod = { kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart', podUid: 'u1', container: 'cart' } as const;
    // Sharing the processes is the same network namespace; the name is not part of it.
    expect(namespaceKey({ ...web, sharePid: true, containerName: 'renamed' })).toBe(namespaceKey(web));
    expect(namespaceKey({ ...pod, container: 'sidecar' })).toBe(namespaceKey(pod));
    const places = [
      web,
      { ...web, containerId: 'y' },
      { ...web, engine: 'edge' },
      { kind: 'network', engine: 'local', networkId: 'x', networkName: 'x' } as const,
      { kind: 'network-namespace', engine: 'local', networkId: 'x', networkName: 'x' } as const,
      { kind: 'host', engine: 'local' } as const,
      { kind: 'host', engine: 'edge' } as const,
      pod,
      { ...pod, podUid: 'u2' },
      { kind: 'node', engine: 'prod', node: 'worker-1' } as const,
    ];
    expect(new Set(places.map(namespaceKey)).size).toBe(places.length);
  });
});
