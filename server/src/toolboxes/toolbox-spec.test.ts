import { describe, expect, it } from 'vitest';
import { buildToolboxSpec } from './toolbox-spec.js';

const settings = { image: 'sonde-toolbox:latest', instance: 'ci', limits: { memoryBytes: 512 << 20, pids: 512, nanoCpus: 1e9 } };
const id = '0123456789abcdef0123456789abcdef';

describe('toolbox spec', () => {
  it('joins a container namespace with minimal capabilities and labels', () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false }, settings);
    expect(spec.networkMode).toBe(`container:${'c'.repeat(64)}`);
    expect(spec.pidMode).toBeUndefined();
    expect(spec.capDrop).toEqual(['ALL']);
    expect(spec.capAdd.sort()).toEqual(['NET_ADMIN', 'NET_RAW', 'SETGID', 'SETUID']);
    expect(spec.securityOpt).toContain('no-new-privileges');
    expect(spec.labels).toMatchObject({ 'sonde.managed': 'true', 'sonde.session': id, 'sonde.instance': 'ci' });
    expect(spec.name).toBe(`sonde-${id}`);
    expect(spec.hostname).toBeUndefined(); // Docker refuses a hostname in container: mode.
    expect(spec.memoryBytes).toBe(512 << 20);
    expect(spec.pidsLimit).toBe(512);
  });

  it('shares the PID namespace and adds SYS_PTRACE only when asked', () => {
    const spec = buildToolboxSpec(id, { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: true }, settings);
    expect(spec.pidMode).toBe(`container:${'c'.repeat(64)}`);
    expect(spec.capAdd).toContain('SYS_PTRACE');
  });

  it('joins a network as a new endpoint, or the host namespace', () => {
    const net = buildToolboxSpec(id, { kind: 'network', engine: 'local', networkId: 'n'.repeat(64), networkName: 'backend' }, settings);
    expect(net.networkMode).toBe('backend');
    expect(net.network).toBe('backend');
    expect(net.capAdd).not.toContain('SYS_PTRACE');
    const host = buildToolboxSpec(id, { kind: 'host', engine: 'local' }, settings);
    expect(host.networkMode).toBe('host');
    expect(host.network).toBeUndefined();
  });

  it('runs a fixed shell script that prefers bash and falls back to sh', () => {
    const spec = buildToolboxSpec(id, { kind: 'host', engine: 'local' }, settings);
    expect(spec.entrypoint.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(spec.entrypoint[2]).toContain('exec bash');
    expect(spec.entrypoint[2]).toContain('exec sh');
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
