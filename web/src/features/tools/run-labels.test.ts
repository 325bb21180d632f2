import { describe, expect, it } from 'vitest';
import type { RunInfo } from '@sonde/shared';
import { runIsFor, runStatus, runTitle } from './run-labels';

const base: RunInfo = {
  id: 'r1',
  tool: 'ping',
  owner: { id: 'token:bootstrap', name: 'bootstrap token' },
  target: { kind: 'container', engine: 'local', containerId: 'c1', containerName: 'web', sharePid: false },
  params: { host: 'db', count: 4 },
  argv: ['ping'],
  state: 'exited',
  exitCode: 0,
  createdAt: '2026-11-29T14:00:00.000Z',
  endReason: 'exited',
  limitReached: false,
  limitSeconds: 11,
  toolbox: { containerId: 'x', image: 'img' },
  ttyPath: '/api/runs/r1/tty',
};

describe('run labels', () => {
  it('says how a run ended', () => {
    expect(runStatus({ ...base, state: 'running', exitCode: null })).toEqual({ label: 'running', tone: 'info' });
    expect(runStatus(base)).toEqual({ label: 'exit 0', tone: 'ok' });
    expect(runStatus({ ...base, exitCode: 1 })).toEqual({ label: 'exit 1', tone: 'warn' });
    expect(runStatus({ ...base, limitReached: true, endReason: 'limit' }).label).toBe('stopped at 11 s limit');
    expect(runStatus({ ...base, exitCode: -1, endReason: 'deleted' }).label).toBe('cancelled');
  });

  it('names a run by its tool and main operand', () => {
    expect(runTitle(base, 'Ping')).toBe('Ping db');
    expect(runTitle({ ...base, tool: 'ip-addr', params: {} }, 'Addresses')).toBe('Addresses');
  });

  it('matches runs to the page they were started from', () => {
    expect(runIsFor(base, { containerId: 'c1' })).toBe(true);
    expect(runIsFor(base, { containerId: 'c2' })).toBe(false);
    expect(runIsFor({ ...base, target: { kind: 'network', engine: 'local', networkId: 'n1', networkName: 'shop' } }, { networkId: 'n1' })).toBe(true);
  });
});

describe('runIsFor host runs', () => {
  it('matches host runs only where the context is the host', () => {
    const run = { id: 'r', tool: 'ip-addr', target: { kind: 'host', engine: 'local' } } as unknown as Parameters<typeof runIsFor>[0];
    expect(runIsFor(run, { host: true })).toBe(true);
    expect(runIsFor(run, {})).toBe(false);
  });
});

describe('runIsFor with several engines and Swarm tasks', () => {
  const onNode2 = { ...base, target: { kind: 'container', engine: 'node2', containerId: 'c9', containerName: 'web.2.x', sharePid: false, task: { id: 't2', service: 'web', slot: 2, nodeId: 'n2', manager: 'node1' } } } as const;

  it("a task's runs show on its task page (by manager, service and slot) and on its container's page", () => {
    expect(runIsFor(onNode2, { task: { manager: 'node1', service: 'web', slot: 2 } })).toBe(true);
    expect(runIsFor(onNode2, { task: { manager: 'node1', service: 'web', slot: 1 } })).toBe(false);
    expect(runIsFor(onNode2, { task: { manager: 'node1', service: 'web', id: 't2' } })).toBe(true);
    expect(runIsFor(onNode2, { engine: 'node2', containerId: 'c9' })).toBe(true);
  });

  it('a host or network run belongs to its engine only', () => {
    const host = { ...base, target: { kind: 'host', engine: 'node1' } } as const;
    expect(runIsFor(host, { host: true, engine: 'node1' })).toBe(true);
    expect(runIsFor(host, { host: true, engine: 'node2' })).toBe(false);
    const namespace = { ...base, target: { kind: 'network-namespace', engine: 'node2', networkId: 'ov', networkName: 'ov' } } as const;
    expect(runIsFor(namespace, { networkNamespace: 'ov', engine: 'node2' })).toBe(true);
    expect(runIsFor(namespace, { host: true, engine: 'node2' })).toBe(false);
  });
});
