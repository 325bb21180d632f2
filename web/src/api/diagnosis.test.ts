import { describe, expect, it } from 'vitest';
import type { DoctorRun, MatrixRun } from '@sonde/shared';
import { applyDoctorEvent, applyMatrixEvent } from './diagnosis';

const doctor: DoctorRun = {
  id: 'd'.repeat(32),
  target: { kind: 'host', engine: 'local' },
  owner: { id: 'user:1', name: 'ops' },
  state: 'running',
  startedAt: '2026-01-01T00:00:00.000Z',
  timeLimitMs: 20000,
  checks: [
    { id: 'gateway', title: 'Gateway answers', state: 'running' },
    { id: 'mtu', title: 'MTU', state: 'pending' },
  ],
  findings: [],
};

describe('applying pushed progress', () => {
  it('a doctor check replaces its own, a finding is added, the end sets state and time', () => {
    let run = applyDoctorEvent(doctor, { id: doctor.id, kind: 'check', check: { id: 'gateway', title: 'Gateway answers', state: 'passed', note: '1 ms' } });
    expect(run.checks.map((c) => c.state)).toEqual(['passed', 'pending']);
    run = applyDoctorEvent(run, { id: doctor.id, kind: 'finding', finding: { code: 'mtu-mismatch', severity: 'error', title: 't', detail: 'd', evidence: [], fix: 'f' } });
    expect(run.findings.map((f) => f.code)).toEqual(['mtu-mismatch']);
    run = applyDoctorEvent(run, { id: doctor.id, kind: 'state', state: 'done', endReason: 'completed', elapsedMs: 2100 });
    expect(run).toMatchObject({ state: 'done', endReason: 'completed', elapsedMs: 2100 });
    // The original is untouched (React sees a new object).
    expect(doctor.checks[0]!.state).toBe('running');
  });

  it('a matrix member or cell replaces its own', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const matrix: MatrixRun = {
      id: 'm'.repeat(32),
      engine: 'local',
      network: { id: 'n', name: 'shop' },
      checks: ['icmp'],
      owner: { id: 'user:1', name: 'ops' },
      state: 'running',
      startedAt: '2026-01-01T00:00:00.000Z',
      limits: { maxMembers: 50, parallelism: 8, timeLimitMs: 180000 },
      members: [
        { id: a, engine: 'local', name: 'a', ports: [], state: 'probing' },
        { id: b, engine: 'local', name: 'b', ports: [], state: 'probing' },
      ],
      skipped: [],
      cells: [
        { from: a, to: b, state: 'pending' },
        { from: b, to: a, state: 'pending' },
      ],
    };
    let run = applyMatrixEvent(matrix, { id: matrix.id, kind: 'member', member: { id: b, engine: 'local', name: 'b', ports: [80], state: 'ready' } });
    expect(run.members.map((m) => m.state)).toEqual(['probing', 'ready']);
    run = applyMatrixEvent(run, { id: matrix.id, kind: 'cell', cell: { from: a, to: b, state: 'done', icmp: { ok: false, reason: 'timeout' } } });
    expect(run.cells.map((c) => c.state)).toEqual(['done', 'pending']);
    expect(applyMatrixEvent(run, { id: matrix.id, kind: 'state', state: 'done', endReason: 'cancelled' })).toMatchObject({ state: 'done', endReason: 'cancelled' });
  });
});
