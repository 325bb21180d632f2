import { describe, expect, it } from 'vitest';
import type { RunInfo } from '@sonde/shared';
import { runCardLines, runVerdict } from './run-card.js';

const base: RunInfo = {
  id: 'r1',
  tool: 'dig',
  owner: { id: 'token:bootstrap', name: 'bootstrap' },
  target: { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false },
  params: { host: 'db' },
  argv: ['dig', '-t', 'A', '-q', 'db'],
  state: 'exited',
  exitCode: 0,
  createdAt: '2026-12-06T11:00:00.000Z',
  endReason: 'exited',
  limitReached: false,
  limitSeconds: 25,
  toolbox: { containerId: 't'.repeat(64), image: 'sonde-toolbox:latest' },
  ttyPath: '/api/runs/r1/tty',
};
const dns = (status: string, answers = 1): RunInfo['result'] => ({
  kind: 'dns',
  status,
  flags: [],
  answers: Array.from({ length: answers }, () => ({ name: 'db.', ttl: 600, class: 'IN', type: 'A', data: '172.18.0.3' })),
  authority: [],
});

describe('runVerdict', () => {
  it('is ok for a tool that exited 0 with a good result', () => {
    expect(runVerdict({ ...base, result: dns('NOERROR') })).toEqual({ ok: true, summary: 'NOERROR, 1 answer' });
    expect(runVerdict({ ...base, tool: 'nc' })).toEqual({ ok: true, summary: 'exit 0' });
  });

  it('fails on a bad result even when the tool exited 0', () => {
    expect(runVerdict({ ...base, result: dns('NXDOMAIN', 0) })).toEqual({ ok: false, summary: 'NXDOMAIN, 0 answers' });
    const ping = { kind: 'ping' as const, host: 'db', transmitted: 3, received: 0, lossPercent: 100, replies: [] };
    expect(runVerdict({ ...base, exitCode: 1, result: ping }).ok).toBe(false);
  });

  it('fails on a non-zero exit, a cancel, a run still going, or a parse problem', () => {
    expect(runVerdict({ ...base, exitCode: 2 })).toEqual({ ok: false, summary: 'exit 2' });
    expect(runVerdict({ ...base, exitCode: -1, endReason: 'deleted' })).toEqual({ ok: false, summary: 'ended: deleted' });
    expect(runVerdict({ ...base, state: 'running', exitCode: null }).ok).toBe(false);
    expect(runVerdict({ ...base, result: { ...dns('NOERROR')!, problem: 'no reply from the server' } as RunInfo['result'] })).toEqual({ ok: false, summary: 'no reply from the server' });
  });

  it('accepts a ping cut at its limit when replies came back, not a bare timeout', () => {
    const ping = { kind: 'ping' as const, host: 'db', transmitted: 5, received: 5, lossPercent: 0, replies: [] };
    expect(runVerdict({ ...base, tool: 'ping', exitCode: 130, limitReached: true, endReason: 'limit', result: ping }).ok).toBe(true);
    expect(runVerdict({ ...base, tool: 'tcpdump', exitCode: 130, limitReached: true, endReason: 'limit' })).toEqual({ ok: false, summary: 'stopped at its 25 s limit' });
  });
});

describe('runCardLines', () => {
  it('prints the verdict, the command and the answers', () => {
    expect(runCardLines({ ...base, result: dns('NOERROR') })).toEqual([
      'dig on container web: ok (NOERROR, 1 answer)',
      '  command: dig -t A -q db',
      '  answer: db. 600 IN A 172.18.0.3',
    ]);
  });
});
