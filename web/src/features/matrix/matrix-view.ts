/**
 * How a connectivity matrix reads: each cell's verdict and its reasons in words, the grid's
 * order, and what a failing cell's pair doctor asks for. Pure, so it is unit-tested.
 */
import type { CreateDoctorRequest, MatrixCell, MatrixMember, MatrixRun } from '@sonde/shared';
import type { Tone } from '../../components/Badge';

/** `ok`: everything asked answered. `fail`: nothing got through. `partial`: some did. `error`: no result (why in words). */
export type CellStatus = 'pending' | 'running' | 'ok' | 'partial' | 'fail' | 'error';

export interface CellVerdict {
  status: CellStatus;
  /** One glyph for the grid. */
  mark: string;
  tone: Tone;
  /** What went wrong, one sentence per check; empty when all is well. */
  problems: string[];
  /** What worked, for the details. */
  fine: string[];
}

const MARKS: Record<CellStatus, { mark: string; tone: Tone }> = {
  pending: { mark: '·', tone: 'muted' },
  running: { mark: '…', tone: 'info' },
  ok: { mark: '✓', tone: 'ok' },
  partial: { mark: '!', tone: 'warn' },
  fail: { mark: '✗', tone: 'danger' },
  error: { mark: '?', tone: 'muted' },
};

export function cellVerdict(cell: MatrixCell): CellVerdict {
  const verdict = (status: CellStatus, problems: string[] = [], fine: string[] = []): CellVerdict => ({ status, ...MARKS[status], problems, fine });
  if (cell.state === 'pending') return verdict('pending');
  if (cell.state === 'running') return verdict('running');
  const problems: string[] = [];
  const fine: string[] = [];
  if (cell.icmp) (cell.icmp.ok ? fine : problems).push(cell.icmp.ok ? `ping ${cell.icmp.ms ?? '?'} ms` : `ping: ${cell.icmp.reason ?? 'no answer'}`);
  for (const port of cell.tcp ?? []) {
    if (port.state === 'open') fine.push(`TCP ${port.port} open`);
    else problems.push(`TCP ${port.port} ${port.state}${port.reason ? ` (${port.reason})` : ''}`);
  }
  if (cell.dns) (cell.dns.ok ? fine : problems).push(cell.dns.ok ? `name resolves to ${(cell.dns.addresses ?? []).join(', ')}` : (cell.dns.reason ?? 'DNS failure'));
  if (cell.reason) problems.push(cell.reason);
  if (fine.length === 0 && problems.length === 0) return verdict('ok', [], ['nothing to probe']);
  if (fine.length === 0) return verdict(cell.icmp || cell.tcp?.length || cell.dns ? 'fail' : 'error', problems, fine);
  return verdict(problems.length ? 'partial' : 'ok', problems, fine);
}

/** Members in the grid's order: by name, so rows and columns line up the same way every time. */
export function gridMembers(run: MatrixRun): MatrixMember[] {
  return [...run.members].sort((a, b) => a.name.localeCompare(b.name));
}

export function findCell(run: MatrixRun, from: string, to: string): MatrixCell | undefined {
  return run.cells.find((c) => c.from === from && c.to === to);
}

/** Counts for the header: cells done, and how many have a problem. */
export function matrixSummary(run: MatrixRun): { done: number; total: number; failing: number } {
  const verdicts = run.cells.map(cellVerdict);
  return { done: run.cells.filter((c) => c.state === 'done').length, total: run.cells.length, failing: verdicts.filter((v) => v.status === 'fail' || v.status === 'partial').length };
}

/** The doctor for a failing cell: in the source's namespace, toward the destination and the ports the matrix probed. */
export function pairDoctorRequest(run: MatrixRun, from: string, to: string): CreateDoctorRequest {
  const destination = run.members.find((m) => m.id === to);
  return {
    target: { kind: 'container', engine: run.engine, container: from },
    peer: { container: to, ...(destination && destination.ports.length ? { ports: destination.ports } : {}) },
  };
}
