import { describe, expect, it } from 'vitest';
import type { MatrixCell, MatrixRun } from '@sonde/shared';
import { cellVerdict, gridMembers, matrixSummary, pairDoctorRequest } from './matrix-view';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);
const cell = (extra: Partial<MatrixCell>): MatrixCell => ({ from: a, to: b, state: 'done', ...extra });

describe('matrix view', () => {
  it('a cell where everything answered is ok, with what worked', () => {
    const verdict = cellVerdict(cell({ icmp: { ok: true, ms: 0.2 }, tcp: [{ port: 80, state: 'open' }], dns: { ok: true, addresses: ['10.0.0.3'] } }));
    expect(verdict).toMatchObject({ status: 'ok', mark: '✓', tone: 'ok', problems: [] });
    expect(verdict.fine).toEqual(['ping 0.2 ms', 'TCP 80 open', 'name resolves to 10.0.0.3']);
  });

  it('a blocked pair fails with the reasons in words; a name that still resolves makes it partial', () => {
    const blocked = cellVerdict(cell({ icmp: { ok: false, reason: 'timeout (no reply within 1 s, 2 tries)' }, tcp: [{ port: 80, state: 'filtered', reason: 'timeout' }] }));
    expect(blocked).toMatchObject({ status: 'fail', mark: '✗', tone: 'danger' });
    expect(blocked.problems).toEqual(['ping: timeout (no reply within 1 s, 2 tries)', 'TCP 80 filtered (timeout)']);
    const resolving = cellVerdict(cell({ icmp: { ok: false, reason: 'timeout' }, dns: { ok: true, addresses: ['10.0.0.3'] } }));
    expect(resolving.status).toBe('partial');
  });

  it('a cell ended without results says why; pending and running cells have their own marks', () => {
    expect(cellVerdict(cell({ reason: 'gamma stopped during the run' }))).toMatchObject({ status: 'error', problems: ['gamma stopped during the run'] });
    expect(cellVerdict(cell({ state: 'pending' })).status).toBe('pending');
    expect(cellVerdict(cell({ state: 'running' })).mark).toBe('…');
  });

  const run: MatrixRun = {
    id: 'm'.repeat(32),
    engine: 'edge',
    network: { id: 'n', name: 'shop' },
    checks: ['icmp', 'tcp'],
    owner: { id: 'user:1', name: 'ops' },
    state: 'done',
    startedAt: '2026-01-01T00:00:00.000Z',
    limits: { maxMembers: 50, parallelism: 8, timeLimitMs: 180000 },
    members: [
      { id: b, engine: 'edge', name: 'web', ports: [80, 8080], state: 'ready' },
      { id: a, engine: 'edge', name: 'db', ports: [], state: 'ready' },
    ],
    skipped: [],
    cells: [cell({ icmp: { ok: false, reason: 'timeout' }, tcp: [{ port: 80, state: 'filtered' }] }), cell({ from: b, to: a, icmp: { ok: true } })],
    revision: 6,
  };

  it('orders members by name, counts failing cells, and asks the pair doctor for the probed ports on the engine', () => {
    expect(gridMembers(run).map((m) => m.name)).toEqual(['db', 'web']);
    expect(matrixSummary(run)).toEqual({ done: 2, total: 2, failing: 1 });
    expect(pairDoctorRequest(run, a, b)).toEqual({ target: { kind: 'container', engine: 'edge', container: a }, peer: { container: b, ports: [80, 8080] } });
    expect(pairDoctorRequest(run, b, a)).toEqual({ target: { kind: 'container', engine: 'edge', container: b }, peer: { container: a } });
  });
});
