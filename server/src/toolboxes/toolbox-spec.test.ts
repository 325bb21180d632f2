import { describe, expect, it } from 'vitest';
import { buildToolboxSpec } from './toolbox-spec.js';

const settings = { image: 'sonde-toolbox:latest', instance: 'ci', limits: { memoryBytes: 512 << 20, pids: 512, nanoCpus: 1e9 } };
const id = '0123456789abcdef0123456789abcdef';

describe('toolbox spec', () => {
  it('joins a container namespace with minimal capabilities and labels', () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false }, settings);
    expect(spec.placement).toEqual({ kind: 'container', containerId: 'c'.repeat(64), sharePid: false });
    expect(spec.capDrop).toEqual(['ALL']);
    expect(spec.capAdd.sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SETGID', 'SETUID']);
    expect(spec.securityOpt).toContain('no-new-privileges');
    expect(spec.labels).toMatchObject({ 'sonde.managed': 'true', 'sonde.session': id, 'sonde.instance': 'ci' });
    expect(spec.name).toBe(`sonde-${id}`);
    expect(spec.memoryBytes).toBe(512 << 20);
    expect(spec.pidsLimit).toBe(512);
  });

  it('shares the PID namespace and adds SYS_PTRACE only when asked', () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: true }, settings);
    expect(spec.placement).toEqual({ kind: 'container', containerId: 'c'.repeat(64), sharePid: true });
    expect(spec.capAdd).toContain('SYS_PTRACE');
  });

  it('joins a network as a new endpoint, or the host namespace', () => {
    const net = buildToolboxSpec(id, { kind: 'network', engine: 'local', networkId: 'n'.repeat(64), networkName: 'backend' }, settings);
    expect(net.placement).toEqual({ kind: 'network', networkName: 'backend', hostname: 'sonde-01234567' });
    expect(net.capAdd).not.toContain('SYS_PTRACE');
    const host = buildToolboxSpec(id, { kind: 'host', engine: 'local' }, settings);
    expect(host.placement).toEqual({ kind: 'host' });
  });

  it('runs a fixed shell script that prefers bash and falls back to sh', () => {
    const spec = buildToolboxSpec(id, { kind: 'host', engine: 'local' }, settings);
    expect(spec.entrypoint.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(spec.entrypoint[2]).toContain('exec bash');
    expect(spec.entrypoint[2]).toContain('exec sh');
  });
});

describe('toolbox spec on Kubernetes', () => {
  const k8s = { ...settings, kubernetesImage: 'nicolaka/netshoot' };

  it('places a pod target in that pod, seeing the target container, with the Kubernetes toolbox image', () => {
    const spec = buildToolboxSpec(id, { kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart-7d9f', podUid: 'u-1', container: 'cart' }, k8s);
    expect(spec.placement).toEqual({ kind: 'pod', namespace: 'shop', pod: 'cart-7d9f', podUid: 'u-1', container: 'cart' });
    expect(spec.image).toBe('nicolaka/netshoot');
    expect(spec.capAdd.sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SETGID', 'SETUID']);
    expect(spec.capDrop).toEqual(['ALL']);
    expect(spec.labels).toMatchObject({ 'sonde.managed': 'true', 'sonde.session': id, 'sonde.instance': 'ci' });
  });

  it('places a node target on that node', () => {
    const spec = buildToolboxSpec(id, { kind: 'node', engine: 'prod', node: 'worker-2' }, k8s);
    expect(spec.placement).toEqual({ kind: 'node', node: 'worker-2' });
    expect(spec.image).toBe('nicolaka/netshoot');
    expect(spec.env).toContain('SONDE_TARGET=node: worker-2 @prod');
  });

  it('uses the Docker toolbox image when no Kubernetes image is configured', () => {
    expect(buildToolboxSpec(id, { kind: 'node', engine: 'prod', node: 'n' }, settings).image).toBe('sonde-toolbox:latest');
  });
});

describe('toolbox spec for tool runs', () => {
  it("runs the tool's argv as the entrypoint, with only the tool's capabilities and a run label", () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false }, settings, {
      entrypoint: ['ping', '-c', '4', '--', 'db'],
      capabilities: ['NET_RAW'],
      labels: { 'sonde.run': id },
      name: `sonde-${id}-peer`,
      initialSize: { cols: 200, rows: 50 },
    });
    expect(spec.entrypoint).toEqual(['ping', '-c', '4', '--', 'db']);
    expect(spec.capAdd).toEqual(['NET_RAW']);
    expect(spec.capDrop).toEqual(['ALL']);
    expect(spec.securityOpt).toContain('no-new-privileges');
    expect(spec.labels).toMatchObject({ 'sonde.managed': 'true', 'sonde.session': id, 'sonde.instance': 'ci', 'sonde.run': id });
    expect(spec.name).toBe(`sonde-${id}-peer`);
    expect(spec.initialSize).toEqual({ cols: 200, rows: 50 });
  });

  it('still adds SYS_PTRACE to a tool run that shares the PID namespace', () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: true }, settings, { capabilities: [] });
    expect(spec.capAdd).toEqual(['SYS_PTRACE']);
  });
});
