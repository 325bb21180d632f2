import { MATRIX_CHECKS, type MatrixCheck, type NetworkSummary } from '@sonde/shared';
import { useState } from 'react';
import { ActionButton } from '../../components/ActionButton';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useDiagnosisActions, useMatrices } from '../../hooks/use-diagnosis';
import { routePath } from '../../routing/routes';
import { Link, useNavigate } from '../../routing/RouterContext';

const CHECK_LABELS: Record<MatrixCheck, string> = { icmp: 'ping', tcp: 'TCP ports', dns: 'names' };

/**
 * "Connectivity matrix" on a network page: which checks, start, and the matrices already run on
 * this network (each opens its own page, where the grid fills in live).
 */
export function MatrixLauncher({ network }: { network: NetworkSummary }) {
  const [checks, setChecks] = useState<MatrixCheck[]>([...MATRIX_CHECKS]);
  const matrices = useMatrices();
  const actions = useDiagnosisActions();
  const navigate = useNavigate();
  const starting = usePendingAction();
  const earlier = (matrices.status === 'ready' ? matrices.data : []).filter((m) => m.network.id === network.id && m.engine === network.engine).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const toggle = (check: MatrixCheck) => setChecks((current) => (current.includes(check) ? current.filter((c) => c !== check) : [...current, check]));
  const start = () =>
    starting.run(
      () => actions.startMatrix({ engine: network.engine, network: network.id, checks }),
      (run) => navigate(routePath({ page: 'matrix', id: run.id })),
    );
  const blocked = checks.length === 0 ? 'Choose at least one check.' : network.containers.length < 2 ? 'A matrix needs two containers on the network.' : null;

  return (
    <section className="matrix-launcher" aria-label="Connectivity matrix" data-testid="matrix-launcher">
      <h2 className="section-title">Connectivity matrix</h2>
      <p className="muted">From each member's namespace to every other member: who reaches whom, and why not.</p>
      <div className="matrix-launcher-checks">
        {MATRIX_CHECKS.map((check) => (
          <label key={check} className="checkbox">
            <input type="checkbox" checked={checks.includes(check)} onChange={() => toggle(check)} data-testid={`matrix-check-${check}`} /> {CHECK_LABELS[check]}
          </label>
        ))}
      </div>
      <ActionButton onClick={start} busy={starting.pending} blockedReason={blocked} testId="start-matrix">
        {starting.pending ? 'Starting…' : 'Start the matrix'}
      </ActionButton>
      <ErrorCallout message={starting.error} testId="matrix-error" />
      {earlier.length > 0 && (
        <ul className="matrix-earlier">
          {earlier.slice(0, 5).map((m) => (
            <li key={m.id}>
              <Link to={routePath({ page: 'matrix', id: m.id })}>
                {new Date(m.startedAt).toLocaleTimeString()} · {m.checks.join(', ')} · {m.state === 'running' ? 'running' : `${m.members.length} members`}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
