import { useState } from 'react';
import { EmptyState } from '../components/EmptyState';
import { ErrorCallout } from '../components/ErrorCallout';
import { usePendingAction } from '../components/use-pending-action';
import { DoctorRunView } from '../features/doctor/DoctorRunView';
import { MatrixView } from '../features/matrix/MatrixView';
import { pairDoctorRequest } from '../features/matrix/matrix-view';
import { showEngineLevel } from '../hooks/engine-views';
import { useEngineViews } from '../hooks/use-console-data';
import { useDiagnosisActions, useDoctorRuns, useMatrices } from '../hooks/use-diagnosis';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';

/**
 * One connectivity matrix: its grid filled in live, and under it the doctor for a failing pair
 * (the matrix feature asks for it, the doctor feature shows it: the page joins the two).
 */
export function MatrixPage({ id }: { id: string }) {
  const matrices = useMatrices();
  const doctorRuns = useDoctorRuns();
  const actions = useDiagnosisActions();
  const [pairRunId, setPairRunId] = useState<string | null>(null);
  const diagnosing = usePendingAction();
  const several = showEngineLevel(useEngineViews());

  if (matrices.status === 'loading') return <EmptyState title="Loading matrix…" />;
  if (matrices.status === 'failed') return <EmptyState title="Could not list matrices">{matrices.error.message}</EmptyState>;
  const run = matrices.data.find((m) => m.id === id);
  if (!run) {
    return (
      <EmptyState title="Matrix not found">
        <p>Finished matrices are kept for 30 minutes. Start a new one from a network's page.</p>
      </EmptyState>
    );
  }
  const pairRun = pairRunId && doctorRuns.status === 'ready' ? doctorRuns.data.find((r) => r.id === pairRunId) : undefined;
  const diagnosePair = (from: string, to: string) => diagnosing.run(() => actions.startDoctor(pairDoctorRequest(run, from, to)), (started) => setPairRunId(started.id));

  return (
    <article className="detail-page" data-testid="matrix-page">
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">Connectivity matrix</h1>
        </div>
        <p className="detail-subtitle">
          Network <Link to={routePath({ page: 'network', engine: run.engine, id: run.network.id })}>{run.network.name}</Link>
          {several ? ` on ${run.engine}` : ''} · {run.members.length} members · started {new Date(run.startedAt).toLocaleTimeString()} by {run.owner.name}
        </p>
      </header>
      <MatrixView run={run} onDiagnosePair={diagnosePair} />
      <ErrorCallout message={diagnosing.error} testId="pair-doctor-error" />
      {pairRun && (
        <section className="doctor-panel" aria-label="Doctor for a pair" data-testid="pair-doctor">
          <h2 className="section-title">
            Doctor: {pairRun.target.kind === 'container' ? pairRun.target.containerName : ''} → {pairRun.peer ? pairRun.peer.containerName : ''}
          </h2>
          <DoctorRunView run={pairRun} />
        </section>
      )}
      {diagnosing.pending && !pairRun && <p className="muted">Starting the doctor…</p>}
    </article>
  );
}
