import type { SondeClient } from '@sonde/client';
import type { DoctorEvent, DoctorRun, MatrixCell, MatrixRun } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { deferred, type Deferred } from '../testing/deferred';
import { Diagnosis, applyDoctorEvent, applyMatrixEvent } from './diagnosis';

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
  revision: 0,
};

/** A matrix of one check on network `shop`, running, at revision 0; `extra` replaces any part. */
function matrixRun(extra: Partial<MatrixRun> = {}): MatrixRun {
  return {
    id: 'm'.repeat(32),
    engine: 'local',
    network: { id: 'n', name: 'shop' },
    checks: ['icmp'],
    owner: { id: 'user:1', name: 'ops' },
    state: 'running',
    startedAt: '2026-01-01T00:00:00.000Z',
    limits: { maxMembers: 50, parallelism: 8, timeLimitMs: 180000 },
    members: [],
    skipped: [],
    cells: [],
    revision: 0,
    ...extra,
  };
}

describe('applying pushed progress', () => {
  it('a doctor check replaces its own, a finding is added, the end sets state and time', () => {
    let run = applyDoctorEvent(doctor, { id: doctor.id, revision: 1, kind: 'check', check: { id: 'gateway', title: 'Gateway answers', state: 'passed', note: '1 ms' } });
    expect(run.checks.map((c) => c.state)).toEqual(['passed', 'pending']);
    run = applyDoctorEvent(run, { id: doctor.id, revision: 1, kind: 'finding', finding: { code: 'mtu-mismatch', severity: 'error', title: 't', detail: 'd', evidence: [], fix: 'f' } });
    expect(run.findings.map((f) => f.code)).toEqual(['mtu-mismatch']);
    run = applyDoctorEvent(run, { id: doctor.id, revision: 1, kind: 'state', state: 'done', endReason: 'completed', elapsedMs: 2100 });
    expect(run).toMatchObject({ state: 'done', endReason: 'completed', elapsedMs: 2100 });
    // The original is untouched (React sees a new object).
    expect(doctor.checks[0]!.state).toBe('running');
  });

  it('a matrix member or cell replaces its own', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const matrix = matrixRun({
      members: [
        { id: a, engine: 'local', name: 'a', ports: [], state: 'probing' },
        { id: b, engine: 'local', name: 'b', ports: [], state: 'probing' },
      ],
      cells: [
        { from: a, to: b, state: 'pending' },
        { from: b, to: a, state: 'pending' },
      ],
    });
    let run = applyMatrixEvent(matrix, { id: matrix.id, revision: 1, kind: 'member', member: { id: b, engine: 'local', name: 'b', ports: [80], state: 'ready' } });
    expect(run.members.map((m) => m.state)).toEqual(['probing', 'ready']);
    run = applyMatrixEvent(run, { id: matrix.id, revision: 1, kind: 'cell', cell: { from: a, to: b, state: 'done', icmp: { ok: false, reason: 'timeout' } } });
    expect(run.cells.map((c) => c.state)).toEqual(['done', 'pending']);
    expect(applyMatrixEvent(run, { id: matrix.id, revision: 1, kind: 'state', state: 'done', endReason: 'cancelled' })).toMatchObject({ state: 'done', endReason: 'cancelled' });
  });
});

const flush = () => new Promise((r) => setTimeout(r, 0));

/** The client the diagnosis module talks to: each answer held until the test gives it. */
function heldClient() {
  const answers = { create: deferred<DoctorRun>(), gets: [] as { id: string; answer: Deferred<DoctorRun> }[] };
  const client = {
    doctorRuns: async () => [],
    matrices: async () => [],
    createDoctorRun: () => answers.create.promise,
    doctorRun: (id: string) => {
      const answer = deferred<DoctorRun>();
      answers.gets.push({ id, answer });
      return answer.promise;
    },
  } as unknown as SondeClient;
  return { client, answers };
}

describe('answers and events in any order', () => {
  const at = (revision: number, extra: Partial<DoctorRun> = {}): DoctorRun => ({ ...doctor, revision, ...extra });
  const done: DoctorEvent = { id: doctor.id, revision: 3, kind: 'state', state: 'done', endReason: 'completed', elapsedMs: 900 };

  it('a run that ended before its start was answered stays ended', async () => {
    const { client, answers } = heldClient();
    const diagnosis = new Diagnosis(client);
    await diagnosis.doctorRuns.refresh();
    const started = diagnosis.startDoctor({ target: { kind: 'host', engine: 'local' } });
    // The events beat the answer: the run is fetched, and that copy has the end.
    diagnosis.doctorProgress(done);
    expect(answers.gets).toHaveLength(1);
    answers.gets[0]!.answer.resolve(at(3, { state: 'done', endReason: 'completed' }));
    await flush();
    // The answer to the start left the server when the run had just begun.
    answers.create.resolve(at(1));
    await started;
    expect(diagnosis.doctorRuns.data?.map((r) => [r.state, r.revision])).toEqual([['done', 3]]);
  });

  it('a fetch answered before the end does not undo the end that arrived first', async () => {
    const { client, answers } = heldClient();
    const diagnosis = new Diagnosis(client);
    await diagnosis.doctorRuns.refresh();
    const started = diagnosis.startDoctor({ target: { kind: 'host', engine: 'local' } });
    // An early event: the run is not known yet, so it is fetched.
    diagnosis.doctorProgress({ id: doctor.id, revision: 1, kind: 'check', check: { id: 'gateway', title: 'Gateway answers', state: 'passed' } });
    answers.create.resolve(at(1, { checks: [{ id: 'gateway', title: 'Gateway answers', state: 'passed' }, doctor.checks[1]!] }));
    await started;
    diagnosis.doctorProgress({ id: doctor.id, revision: 2, kind: 'finding', finding: { code: 'mtu-mismatch', severity: 'error', title: 't', detail: 'd', evidence: [], fix: 'f' } });
    diagnosis.doctorProgress(done);
    // The early fetch's answer (revision 1) comes last.
    answers.gets[0]!.answer.resolve(at(1));
    await flush();
    const run = diagnosis.doctorRuns.data![0]!;
    expect([run.state, run.revision, run.findings.map((f) => f.code)]).toEqual(['done', 3, ['mtu-mismatch']]);
  });

  it('an event the copy already has is skipped; one after a gap fetches the run', async () => {
    const { client, answers } = heldClient();
    const diagnosis = new Diagnosis(client);
    await diagnosis.doctorRuns.refresh();
    const finding: DoctorEvent = { id: doctor.id, revision: 2, kind: 'finding', finding: { code: 'mtu-mismatch', severity: 'error', title: 't', detail: 'd', evidence: [], fix: 'f' } };
    const started = diagnosis.startDoctor({ target: { kind: 'host', engine: 'local' } });
    answers.create.resolve(at(2, { findings: [finding.finding] }));
    await started;
    diagnosis.doctorProgress(finding);
    expect(diagnosis.doctorRuns.data![0]!.findings).toHaveLength(1);
    expect(answers.gets).toHaveLength(0);
    // Revision 3 never came (a gap in the stream): 4 is applied and the whole run fetched.
    diagnosis.doctorProgress({ id: doctor.id, revision: 4, kind: 'check', check: { id: 'mtu', title: 'MTU', state: 'passed' } });
    expect(diagnosis.doctorRuns.data![0]!.revision).toBe(4);
    expect(answers.gets.map((g) => g.id)).toEqual([doctor.id]);
  });

  it("a cell probed again is shown running only if no event came since the request left; else the matrix is fetched", async () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const cell: MatrixCell = { from: a, to: b, state: 'done', icmp: { ok: true } };
    const matrix = matrixRun({ state: 'done', cells: [cell], revision: 5 });
    const rerun = deferred<MatrixCell>();
    const fetched: string[] = [];
    const client = {
      matrices: async () => [matrix],
      matrix: async (id: string) => {
        fetched.push(id);
        return { ...matrix, revision: 8 };
      },
      rerunMatrixCell: () => rerun.promise,
    } as unknown as SondeClient;
    const diagnosis = new Diagnosis(client);
    await diagnosis.matrices.refresh();
    const quiet = diagnosis.rerunCell(matrix.id, a, b);
    rerun.resolve({ from: a, to: b, state: 'running' });
    await quiet;
    expect(diagnosis.matrices.data![0]).toMatchObject({ state: 'running', revision: 5, cells: [{ state: 'running' }] });
    expect(fetched).toEqual([]);

    // Its events (running again, then done) beat the answer: the answer is not applied over them.
    const late = deferred<MatrixCell>();
    client.rerunMatrixCell = () => late.promise;
    const raced = diagnosis.rerunCell(matrix.id, a, b);
    diagnosis.matrixProgress({ id: matrix.id, revision: 6, kind: 'cell', cell: { from: a, to: b, state: 'done', icmp: { ok: false, reason: 'timeout' } } });
    diagnosis.matrixProgress({ id: matrix.id, revision: 7, kind: 'state', state: 'done' });
    late.resolve({ from: a, to: b, state: 'running' });
    await raced;
    await flush();
    expect(fetched).toEqual([matrix.id, matrix.id]);
    expect(diagnosis.matrices.data![0]!.state).toBe('done');
  });
});
