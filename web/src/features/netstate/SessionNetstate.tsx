import type { SessionInfo } from '@sonde/shared';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData, useNetstatePending } from '../../hooks/use-console-data';
import { NetstateDiffSections } from './NetstateDiffSections';
import { sectionSummary } from './netstate-labels';
import './netstate.css';

/**
 * In an open session on a container or the host: what it has changed so far in the target's
 * firewall or traffic control, while undoing is still easy (the server checks a few seconds
 * after typing stops, and on "Check now"). Nothing shows until something differs.
 */
export function SessionNetstate({ session }: { session: SessionInfo }) {
  const data = useConsoleData().netstate;
  const pending = useNetstatePending(session.id);
  const checking = usePendingAction();
  // A network session's namespace is the toolbox's own: nothing outlives it.
  if (session.state !== 'running' || session.target.kind === 'network' || session.target.kind === 'network-namespace') return null;
  const changed = pending && pending.sections.length > 0 ? pending.sections : null;
  const check = () => checking.run(() => data.check(session.id));
  return (
    <div className="netstate-pending" data-testid="session-netstate" data-state={changed ? 'changed' : pending ? 'clean' : 'unknown'}>
      <div className="netstate-pending-head">
        {changed ? (
          <>
            <strong>This session changed the namespace:</strong>
            <span className="mono" data-testid="session-netstate-summary">
              {sectionSummary(changed)}
            </span>
            <span className="muted">It stays after the session unless you undo it.</span>
          </>
        ) : (
          <span className="muted">{pending ? 'No firewall or qdisc change so far.' : 'Firewall and qdisc changes are checked a few seconds after you type.'}</span>
        )}
        <button type="button" className="button button-secondary button-small" data-testid="session-netstate-check" disabled={checking.pending} onClick={check}>
          {checking.pending ? 'Checking…' : 'Check now'}
        </button>
      </div>
      {changed && (
        <details className="netstate-diff">
          <summary>Show the diff</summary>
          <NetstateDiffSections sections={changed} testId="session-netstate-diff" />
        </details>
      )}
      <ErrorCallout message={checking.error} />
    </div>
  );
}
