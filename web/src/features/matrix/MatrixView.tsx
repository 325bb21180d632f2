import type { MatrixRun } from '@sonde/shared';
import { useState } from 'react';
import { Badge } from '../../components/Badge';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useDiagnosisActions } from '../../hooks/use-diagnosis';
import { cellVerdict, findCell, gridMembers, matrixSummary } from './matrix-view';
import './matrix.css';

/**
 * A connectivity matrix: who reaches whom, filled in live. Rows are where the probes start,
 * columns where they go. A cell opens its details: every check's outcome in words, "Probe
 * again", and (for one that fails) the doctor for that pair, which the page runs and shows.
 */
export function MatrixView({ run, onDiagnosePair }: { run: MatrixRun; onDiagnosePair(from: string, to: string): void }) {
  const actions = useDiagnosisActions();
  const [selected, setSelected] = useState<{ from: string; to: string } | null>(null);
  const cancelling = usePendingAction();
  const probing = usePendingAction();
  const members = gridMembers(run);
  const summary = matrixSummary(run);
  const name = (id: string) => run.members.find((m) => m.id === id)?.name ?? id.slice(0, 12);
  const cell = selected ? findCell(run, selected.from, selected.to) : undefined;
  const verdict = cell ? cellVerdict(cell) : undefined;

  return (
    <section className="matrix" data-testid="matrix" data-state={run.state} data-matrix-id={run.id}>
      <header className="matrix-header">
        <Badge tone={run.state === 'running' ? 'info' : summary.failing ? 'danger' : 'ok'}>
          {run.state === 'running' ? `Probing… ${summary.done} of ${summary.total} cells` : summary.failing ? `${summary.failing} of ${summary.total} cells fail` : `All ${summary.total} cells answer`}
        </Badge>
        <span className="muted">checks: {run.checks.join(', ')}</span>
        {run.elapsedMs !== undefined && <span className="muted">{(run.elapsedMs / 1000).toFixed(1)} s</span>}
        {run.endReason && run.endReason !== 'completed' && <span className="muted">{run.endDetail ?? run.endReason}</span>}
        <span className="matrix-actions">
          {run.state === 'running' && (
            <button type="button" className="button button-secondary button-small" disabled={cancelling.pending} onClick={() => cancelling.run(() => actions.cancelMatrix(run.id))}>
              Cancel
            </button>
          )}
          <a className="button button-ghost button-small" href={actions.exportUrl(run.id, 'csv')} download data-testid="matrix-export-csv">
            Export CSV
          </a>
          <a className="button button-ghost button-small" href={actions.exportUrl(run.id, 'json')} download data-testid="matrix-export-json">
            Export JSON
          </a>
        </span>
      </header>
      <ErrorCallout message={cancelling.error} />
      <div className="matrix-scroll">
        <table className="matrix-grid" aria-label="Connectivity matrix">
          <thead>
            <tr>
              <th scope="col" className="matrix-corner">
                from ↓ / to →
              </th>
              {members.map((m) => (
                <th key={m.id} scope="col" className="matrix-col" title={`${m.name} ${m.ipv4 ?? ''}`}>
                  <span>{m.name}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {members.map((from) => (
              <tr key={from.id}>
                <th scope="row" className="matrix-row" title={from.ipv4 ?? ''}>
                  {from.name}
                  {from.state !== 'ready' && <span className="muted"> ({from.state})</span>}
                </th>
                {members.map((to) => {
                  if (to.id === from.id) return <td key={to.id} className="matrix-self" aria-label="itself" />;
                  const c = findCell(run, from.id, to.id);
                  const v = c ? cellVerdict(c) : undefined;
                  const isSelected = selected?.from === from.id && selected.to === to.id;
                  return (
                    <td key={to.id} className={`matrix-cell tone-cell-${v?.tone ?? 'muted'}${isSelected ? ' matrix-cell-selected' : ''}`}>
                      <button
                        type="button"
                        className="matrix-cell-button"
                        data-testid="matrix-cell"
                        data-from={from.name}
                        data-to={to.name}
                        data-status={v?.status ?? 'pending'}
                        title={v ? [...v.problems, ...v.fine].join('\n') || v.status : 'pending'}
                        aria-label={`${from.name} to ${to.name}: ${v?.status ?? 'pending'}`}
                        onClick={() => setSelected({ from: from.id, to: to.id })}
                      >
                        {v?.mark ?? '·'}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && cell && verdict && (
        <div className="matrix-detail" data-testid="matrix-cell-detail" data-status={verdict.status}>
          <h3 className="matrix-detail-title">
            {name(selected.from)} → {name(selected.to)}
          </h3>
          {verdict.problems.length > 0 && (
            <ul className="matrix-problems">
              {verdict.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {verdict.fine.length > 0 && <p className="muted">Works: {verdict.fine.join(', ')}</p>}
          <div className="matrix-detail-actions">
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="matrix-rerun"
              disabled={probing.pending || cell.state === 'running'}
              onClick={() => probing.run(() => actions.rerunCell(run.id, selected.from, selected.to))}
            >
              Probe again
            </button>
            {(verdict.status === 'fail' || verdict.status === 'partial') && (
              <button type="button" className="button button-primary button-small" data-testid="matrix-pair-doctor" onClick={() => onDiagnosePair(selected.from, selected.to)}>
                Run the doctor for this pair
              </button>
            )}
          </div>
          <ErrorCallout message={probing.error} />
        </div>
      )}
      {run.skipped.length > 0 && (
        <details className="matrix-skipped">
          <summary>{run.skipped.length} not probed</summary>
          <ul>
            {run.skipped.map((s) => (
              <li key={s.id}>
                {s.name}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
