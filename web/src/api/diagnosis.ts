/**
 * Doctor runs and connectivity matrices: the principal's own (every one for admins), started
 * here, kept current by the `doctor` and `matrix` events (each a small change applied to the
 * run it names), and fetched again whole when one ends, so what stays on screen is the server's.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import type { CreateDoctorRequest, CreateMatrixRequest, DiagnosisStateEvent, DoctorEvent, DoctorRun, MatrixCell, MatrixEvent, MatrixRun } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

/** A run after its state event: the state set, and the end's reason and time when it has them. */
function applyStateEvent<R extends DoctorRun | MatrixRun>(run: R, event: DiagnosisStateEvent): R {
  return {
    ...run,
    state: event.state,
    ...(event.endReason ? { endReason: event.endReason } : {}),
    ...(event.elapsedMs !== undefined ? { elapsedMs: event.elapsedMs } : {}),
  };
}

/** A run after one of its events: checks replaced, findings added, the state set. */
export function applyDoctorEvent(run: DoctorRun, event: DoctorEvent): DoctorRun {
  switch (event.kind) {
    case 'check':
      return { ...run, checks: run.checks.map((c) => (c.id === event.check.id ? event.check : c)) };
    case 'finding':
      return { ...run, findings: [...run.findings, event.finding] };
    case 'state':
      return applyStateEvent(run, event);
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

/** A matrix after one of its events: a member or a cell replaced, the state set. */
export function applyMatrixEvent(run: MatrixRun, event: MatrixEvent): MatrixRun {
  switch (event.kind) {
    case 'member':
      return { ...run, members: run.members.map((m) => (m.id === event.member.id ? event.member : m)) };
    case 'cell':
      return { ...run, cells: replaceCell(run.cells, event.cell) };
    case 'state':
      return applyStateEvent(run, event);
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

function replaceCell(cells: readonly MatrixCell[], cell: MatrixCell): MatrixCell[] {
  return cells.map((c) => (c.from === cell.from && c.to === cell.to ? cell : c));
}

/**
 * The newer of two copies of one run by their revision (DiagnosisRevision); on a tie, the incoming
 * one, which is the server's. An answer that left the server before an event we applied never
 * turns the run back (a finished run shown running again, findings gone).
 */
function newer<R extends { revision: number }>(current: R | undefined, incoming: R): R {
  return current && current.revision > incoming.revision ? current : incoming;
}

function upsert<T extends { id: string; revision: number }>(list: readonly T[] | undefined, item: T): T[] {
  const current = list?.find((x) => x.id === item.id);
  if (list && current && newer(current, item) === current) return [...list];
  const rest = (list ?? []).filter((x) => x.id !== item.id);
  return [...rest, item];
}

/** How one kind of run is read, started, cancelled and changed by its events. */
interface RunApi<R, E, Request> {
  list(): Promise<R[]>;
  get(id: string): Promise<R>;
  create(request: Request): Promise<R>;
  cancel(id: string): Promise<unknown>;
  apply(run: R, event: E): R;
}

/**
 * The principal's runs of one kind (doctor runs or matrices), the same way for both: started and
 * cancelled here, changed by their pushed events, fetched whole at their end. Answers and events
 * may arrive in any order (an event can beat the answer to the request that started its run):
 * revisions decide which copy is newer, and an event the copy already has is skipped.
 */
class LiveRuns<R extends { id: string; revision: number }, E extends { id: string; revision: number; kind: string; state?: string }, Request> implements Disposable {
  readonly resource: LiveResource<R[]>;

  constructor(private readonly api: RunApi<R, E, Request>) {
    this.resource = new LiveResource(() => api.list());
  }

  /** Starts one; it goes on after the answer. */
  async start(request: Request): Promise<R> {
    const run = await this.api.create(request);
    this.resource.update((list) => upsert(list, run));
    return run;
  }

  /** Cancels one (gone already is fine) and shows what the server has now. */
  async cancel(id: string): Promise<void> {
    try {
      await this.api.cancel(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    await this.refresh(id);
  }

  /**
   * A pushed event: applied at once unless the copy we have includes it; a run we do not know yet
   * (another tab's, or ours before its start was answered) is fetched, and so is one whose events
   * we missed some of.
   */
  progress(event: E): void {
    const run = this.resource.data?.find((r) => r.id === event.id);
    if (!run) {
      void this.refresh(event.id);
      return;
    }
    if (event.revision <= run.revision) return;
    const missed = event.revision > run.revision + 1;
    this.resource.update((list = []) => list.map((r) => (r.id === event.id ? { ...this.api.apply(r, event), revision: event.revision } : r)));
    // The end: the server's copy has the findings in order and the final times.
    if (missed || (event.kind === 'state' && event.state === 'done')) void this.refresh(event.id);
  }

  /**
   * A change we predict from an answer (a cell probed again is running): applied only if no event
   * came since `revision`, the run's revision when the request left; otherwise the server's copy.
   */
  predict(id: string, revision: number | undefined, change: (run: R) => R): void {
    const run = this.resource.data?.find((r) => r.id === id);
    if (run && run.revision === revision) this.resource.update((list = []) => list.map((r) => (r.id === id ? change(r) : r)));
    else void this.refresh(id);
  }

  /** After a gap in the event stream: whatever was missed is in the list. */
  resync(): void {
    if (this.resource.data) void this.resource.refresh();
  }

  private async refresh(id: string): Promise<void> {
    try {
      const run = await this.api.get(id);
      this.resource.update((list) => upsert(list, run));
    } catch (error) {
      if (!isSondeApiError(error, 404)) return;
      this.resource.update((list = []) => list.filter((r) => r.id !== id));
    }
  }

  dispose(): void {
    this.resource.dispose();
  }
}

export class Diagnosis implements Disposable {
  readonly doctorRuns: LiveResource<DoctorRun[]>;
  readonly matrices: LiveResource<MatrixRun[]>;

  private readonly doctor: LiveRuns<DoctorRun, DoctorEvent, CreateDoctorRequest>;
  private readonly matrix: LiveRuns<MatrixRun, MatrixEvent, CreateMatrixRequest>;
  private readonly cleanup = new DisposableStore();

  constructor(private readonly client: SondeClient) {
    this.doctor = new LiveRuns({
      list: () => client.doctorRuns(),
      get: (id) => client.doctorRun(id),
      create: (request: CreateDoctorRequest) => client.createDoctorRun(request),
      cancel: (id) => client.cancelDoctorRun(id),
      apply: applyDoctorEvent,
    });
    this.matrix = new LiveRuns({
      list: () => client.matrices(),
      get: (id) => client.matrix(id),
      create: (request: CreateMatrixRequest) => client.createMatrix(request),
      cancel: (id) => client.cancelMatrix(id),
      apply: applyMatrixEvent,
    });
    this.doctorRuns = this.doctor.resource;
    this.matrices = this.matrix.resource;
    this.cleanup.add(this.doctor);
    this.cleanup.add(this.matrix);
  }

  /** Starts the doctor on a target (optionally toward a peer); the run goes on after the answer. */
  startDoctor(request: CreateDoctorRequest): Promise<DoctorRun> {
    return this.doctor.start(request);
  }

  cancelDoctor(id: string): Promise<void> {
    return this.doctor.cancel(id);
  }

  doctorProgress(event: DoctorEvent): void {
    this.doctor.progress(event);
  }

  startMatrix(request: CreateMatrixRequest): Promise<MatrixRun> {
    return this.matrix.start(request);
  }

  cancelMatrix(id: string): Promise<void> {
    return this.matrix.cancel(id);
  }

  /** Probes one cell again; the cell fills in through the events like the first time. */
  async rerunCell(id: string, from: string, to: string): Promise<void> {
    const revision = this.matrices.data?.find((r) => r.id === id)?.revision;
    const cell = await this.client.rerunMatrixCell(id, { from, to });
    this.matrix.predict(id, revision, (r) => ({ ...r, state: 'running', cells: replaceCell(r.cells, cell) }));
  }

  exportUrl(id: string, format: 'csv' | 'json'): string {
    return this.client.matrixExportUrl(id, format);
  }

  matrixProgress(event: MatrixEvent): void {
    this.matrix.progress(event);
  }

  /** After a gap in the event stream: whatever was missed is in the lists. */
  resync(): void {
    this.doctor.resync();
    this.matrix.resync();
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
