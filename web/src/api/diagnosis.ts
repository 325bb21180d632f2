/**
 * Doctor runs and connectivity matrices: the principal's own (every one for admins), started
 * here, kept current by the `doctor` and `matrix` events (each a small change applied to the
 * run it names), and fetched again whole when one ends, so what stays on screen is the server's.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import type { CreateDoctorRequest, CreateMatrixRequest, DoctorEvent, DoctorRun, MatrixCell, MatrixEvent, MatrixRun } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

/** A run after one of its events: checks replaced, findings added, the state set. */
export function applyDoctorEvent(run: DoctorRun, event: DoctorEvent): DoctorRun {
  switch (event.kind) {
    case 'check':
      return { ...run, checks: run.checks.map((c) => (c.id === event.check.id ? event.check : c)) };
    case 'finding':
      return { ...run, findings: [...run.findings, event.finding] };
    case 'state':
      return {
        ...run,
        state: event.state,
        ...(event.endReason ? { endReason: event.endReason } : {}),
        ...(event.elapsedMs !== undefined ? { elapsedMs: event.elapsedMs } : {}),
      };
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
      return {
        ...run,
        state: event.state,
        ...(event.endReason ? { endReason: event.endReason } : {}),
        ...(event.elapsedMs !== undefined ? { elapsedMs: event.elapsedMs } : {}),
      };
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

function replaceCell(cells: readonly MatrixCell[], cell: MatrixCell): MatrixCell[] {
  return cells.map((c) => (c.from === cell.from && c.to === cell.to ? cell : c));
}

function upsert<T extends { id: string }>(list: readonly T[] | undefined, item: T): T[] {
  const rest = (list ?? []).filter((x) => x.id !== item.id);
  return [...rest, item];
}

export class Diagnosis implements Disposable {
  readonly doctorRuns: LiveResource<DoctorRun[]>;
  readonly matrices: LiveResource<MatrixRun[]>;

  private readonly cleanup = new DisposableStore();

  constructor(private readonly client: SondeClient) {
    this.doctorRuns = new LiveResource(() => client.doctorRuns());
    this.matrices = new LiveResource(() => client.matrices());
    this.cleanup.add(this.doctorRuns);
    this.cleanup.add(this.matrices);
  }

  /** Starts the doctor on a target (optionally toward a peer); the run goes on after the answer. */
  async startDoctor(request: CreateDoctorRequest): Promise<DoctorRun> {
    const run = await this.client.createDoctorRun(request);
    this.doctorRuns.update((list) => upsert(list, run));
    return run;
  }

  async cancelDoctor(id: string): Promise<void> {
    try {
      await this.client.cancelDoctorRun(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    await this.refreshDoctor(id);
  }

  /** A pushed event: applied at once; a run we do not know yet (another tab's) is fetched. */
  doctorProgress(event: DoctorEvent): void {
    const known = this.doctorRuns.data?.some((r) => r.id === event.id) ?? false;
    if (!known) {
      void this.refreshDoctor(event.id);
      return;
    }
    this.doctorRuns.update((list = []) => list.map((r) => (r.id === event.id ? applyDoctorEvent(r, event) : r)));
    // The end: the server's copy has the findings in order and the final times.
    if (event.kind === 'state' && event.state === 'done') void this.refreshDoctor(event.id);
  }

  private async refreshDoctor(id: string): Promise<void> {
    try {
      const run = await this.client.doctorRun(id);
      this.doctorRuns.update((list) => upsert(list, run));
    } catch (error) {
      if (!isSondeApiError(error, 404)) return;
      this.doctorRuns.update((list = []) => list.filter((r) => r.id !== id));
    }
  }

  async startMatrix(request: CreateMatrixRequest): Promise<MatrixRun> {
    const run = await this.client.createMatrix(request);
    this.matrices.update((list) => upsert(list, run));
    return run;
  }

  async cancelMatrix(id: string): Promise<void> {
    try {
      await this.client.cancelMatrix(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    await this.refreshMatrix(id);
  }

  /** Probes one cell again; the cell fills in through the events like the first time. */
  async rerunCell(id: string, from: string, to: string): Promise<void> {
    const cell = await this.client.rerunMatrixCell(id, { from, to });
    this.matrices.update((list = []) => list.map((r) => (r.id === id ? { ...r, state: 'running', cells: replaceCell(r.cells, cell) } : r)));
  }

  exportUrl(id: string, format: 'csv' | 'json'): string {
    return this.client.matrixExportUrl(id, format);
  }

  matrixProgress(event: MatrixEvent): void {
    const known = this.matrices.data?.some((r) => r.id === event.id) ?? false;
    if (!known) {
      void this.refreshMatrix(event.id);
      return;
    }
    this.matrices.update((list = []) => list.map((r) => (r.id === event.id ? applyMatrixEvent(r, event) : r)));
    if (event.kind === 'state' && event.state === 'done') void this.refreshMatrix(event.id);
  }

  private async refreshMatrix(id: string): Promise<void> {
    try {
      const run = await this.client.matrix(id);
      this.matrices.update((list) => upsert(list, run));
    } catch (error) {
      if (!isSondeApiError(error, 404)) return;
      this.matrices.update((list = []) => list.filter((r) => r.id !== id));
    }
  }

  /** After a gap in the event stream: whatever was missed is in the lists. */
  resync(): void {
    if (this.doctorRuns.data) void this.doctorRuns.refresh();
    if (this.matrices.data) void this.matrices.refresh();
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
