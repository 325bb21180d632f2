import type { DnsResult } from './results.js';
import type { RunInfo } from './runs.js';
import { describe, expect, it } from 'vitest';
import { runVerdict } from './run-verdict.js';

const base: RunInfo = {
  id: 'r1',
  tool: 'dig',
  owner: { id: 'token:bootstrap', name: 'bootstrap token' },
  target: { kind: 'container', engine: 'local', containerId: 'c1', containerName: 'web', sharePid: false },
  params: { host: 'db' },
  argv: ['dig'],
  state: 'exited',
  exitCode: 0,
  createdAt: '2026-11-29T14:00:00.000Z',
  endReason: 'exited',
  limitReached: false,
  limitSeconds: 11,
  toolbox: { containerId: 'x', image: 'img' },
  ttyPath: '/api/runs/r1/tty',
};

const dns = (status: string, answers: DnsResult['answers'] = []): DnsResult => ({ kind: 'dns', status, flags: [], answers, authority: [] });
const record = { name: 'db.', ttl: 600, class: 'IN', type: 'A', data: '10.0.0.2' };

describe('runVerdict', () => {
  it('has none while running', () => {
    expect(runVerdict({ ...base, state: 'running', exitCode: null })).toBeNull();
  });

  it('fails NXDOMAIN although dig exited 0', () => {
    expect(runVerdict({ ...base, result: dns('NXDOMAIN') })).toEqual({ verdict: 'failed', summary: 'NXDOMAIN: no such name' });
    expect(runVerdict({ ...base, result: dns('SERVFAIL') })?.verdict).toBe('failed');
    expect(runVerdict({ ...base, result: dns('NOERROR') })?.verdict).toBe('warning');
    expect(runVerdict({ ...base, result: dns('NOERROR', [record]) })).toEqual({ verdict: 'ok', summary: 'resolved (1 record)' });
  });

  it('reads ping loss and port states', () => {
    const ping = { kind: 'ping' as const, host: 'db', transmitted: 4, received: 4, lossPercent: 0, replies: [] };
    expect(runVerdict({ ...base, tool: 'ping', result: ping })?.verdict).toBe('ok');
    expect(runVerdict({ ...base, tool: 'ping', result: { ...ping, received: 2, lossPercent: 50 } })).toEqual({ verdict: 'warning', summary: '50% packet loss' });
    expect(runVerdict({ ...base, tool: 'ping', exitCode: 1, result: { ...ping, received: 0, lossPercent: 100 } })?.verdict).toBe('failed');
    const port = (p: number, state: 'open' | 'closed') => ({ host: 'db', port: p, protocol: 'tcp' as const, state });
    expect(runVerdict({ ...base, result: { kind: 'ports', entries: [port(80, 'open'), port(81, 'closed')], notes: [] } })).toEqual({ verdict: 'warning', summary: '1 of 2 open' });
    expect(runVerdict({ ...base, result: { kind: 'ports', entries: [port(81, 'closed')], notes: [] } })?.verdict).toBe('failed');
  });

  it('falls back on the exit code, and a problem the tool reported fails the run', () => {
    expect(runVerdict(base)).toEqual({ verdict: 'ok', summary: 'completed' });
    expect(runVerdict({ ...base, exitCode: 2 })).toEqual({ verdict: 'failed', summary: 'exited with code 2' });
    expect(runVerdict({ ...base, result: { ...dns('NOERROR', [record]), problem: 'connection timed out' } })).toEqual({ verdict: 'failed', summary: 'connection timed out' });
    expect(runVerdict({ ...base, endReason: 'deleted', exitCode: -1 })?.summary).toBe('cancelled');
  });
});
