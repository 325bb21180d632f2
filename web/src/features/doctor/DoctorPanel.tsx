import type { TargetRequest } from '@sonde/shared';
import { useState } from 'react';
import { ActionButton } from '../../components/ActionButton';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useDiagnosisActions, useDoctorRuns } from '../../hooks/use-diagnosis';
import { DoctorRunView } from './DoctorRunView';
import { runToShow } from './doctor-view';

/**
 * "Network doctor" on a container, task or network page: one click runs every check in the
 * target's namespace; findings appear as they are found (pushed events), and "Run again" starts
 * a fresh run. Shows the latest run for this target, so coming back to the page shows it too.
 */
export function DoctorPanel({ target, blockedReason }: { target: TargetRequest; blockedReason: string | null }) {
  const runs = useDoctorRuns();
  const actions = useDiagnosisActions();
  const [startedId, setStartedId] = useState<string | null>(null);
  const starting = usePendingAction();
  const cancelling = usePendingAction();
  const run = runs.status === 'ready' ? runToShow(runs.data, target, startedId) : undefined;
  const running = run?.state === 'running';

  const start = () => starting.run(() => actions.startDoctor({ target }), (started) => setStartedId(started.id));
  const cancel = () => run && cancelling.run(() => actions.cancelDoctor(run.id));

  return (
    <section className="doctor-panel" aria-label="Network doctor" data-testid="doctor-panel">
      <h2 className="section-title">Network doctor</h2>
      <p className="muted doctor-intro">
        Checks DNS, routes, the gateway, MTU, published ports, the firewall, conntrack and ARP in this namespace, and says what is wrong and how to fix it.
      </p>
      <ActionButton onClick={start} busy={starting.pending || running} blockedReason={blockedReason} testId={run ? 'doctor-run-again' : 'run-doctor'}>
        {starting.pending ? 'Starting…' : running ? 'Running…' : run ? 'Run again' : 'Run the doctor'}
      </ActionButton>
      <ErrorCallout message={starting.error} testId="doctor-error" />
      <ErrorCallout message={cancelling.error} />
      {run && (
        <DoctorRunView
          run={run}
          actions={
            running ? (
              <button type="button" className="button button-secondary button-small" disabled={cancelling.pending} onClick={cancel}>
                Cancel
              </button>
            ) : undefined
          }
        />
      )}
    </section>
  );
}
