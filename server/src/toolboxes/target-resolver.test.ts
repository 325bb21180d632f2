import { describe, expect, it } from 'vitest';
import type { ContainerSummary, NetworkSummary } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { pickByRef, resolveTarget } from './target-resolver.js';

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
