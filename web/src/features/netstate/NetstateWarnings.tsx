import type { NetstateChange, NetstateChangeDetail } from '@sonde/shared';
import { useMemo, useState } from 'react';
import { Badge } from '../../components/Badge';
import { errorText } from '../../components/error-text';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData, useContainers, useNetstateChanges, usePermissions } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { NetstateDiffSections } from './NetstateDiffSections';
import { outstandingChanges, revertOutcome, sectionSummary } from './netstate-labels';
import './netstate.css';

/**
 * "Changes left behind": firewall or qdisc changes a session made in a namespace that outlives
 * its toolbox. On a container page, that container's; on the overview, every container's that
 * still exists and the host's of the last day. Each shows its diff and, for containers, a
 * revert to the snapshot taken when the session started.
 */
export function NetstateWarnings({ containerId }: { containerId?: string }) {
  const changes = useNetstateChanges();
  const containers = useContainers();
  // Reverted while this view is open: the result stays on screen.
  const [keep, setKeep] = useState<ReadonlySet<string>>(new Set());
  const existing = useMemo(
    () => (containers.status === 'ready' ? new Set(containers.data.map((c) => c.id)) : undefined),
    [containers],
  );
  if (changes.status !== 'ready') return null;
  const shown = outstandingChanges(changes.data, { containerId, existingContainerIds: existing, keep, now: Date.now() });
  if (shown.length === 0) return null;
  // Every change shown was put back: nothing is left behind any more, so the box turns green.
  const allReverted = shown.every((c) => c.reverted?.matches === true);
  return (
    <section
      className={`netstate-warning${allReverted ? ' is-reverted' : ''}`}
      data-testid="netstate-warning"
      data-state={allReverted ? 'reverted' : 'outstanding'}
      aria-label="Changes left behind"
    >
      <h2 className="section-title">Changes left behind</h2>
      <p className="netstate-explain">
        A session changed the firewall or traffic control here. The namespace belongs to the {containerId ? 'container' : 'target'}, so these changes
        stay after the toolbox is gone.
      </p>
      <ul className="netstate-list">
        {shown.map((change) => (
          <NetstateChangeItem key={change.id} change={change} linkTarget={containerId === undefined} onReverted={(id) => setKeep((ids) => new Set([...ids, id]))} />
        ))}
      </ul>
    </section>
  );
}

function NetstateChangeItem({ change, linkTarget, onReverted }: { change: NetstateChange; linkTarget: boolean; onReverted(id: string): void }) {
  const data = useConsoleData().netstate;
  const operate = usePermissions().canOperate;
  const [detail, setDetail] = useState<NetstateChangeDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const reverting = usePendingAction();
  const { pending, error } = reverting;
  const target = change.target;

  const loadDetail = () => {
    if (detail) return;
    data
      .detail(change.id)
      .then(setDetail)
      .catch((e: unknown) => setDetailError(errorText(e)));
  };

  const revert = () => {
    onReverted(change.id);
    reverting.run(() => data.revert(change.id));
  };

  const blocked = !change.revertible
    ? "Sonde does not revert the host's firewall: Docker changes it all the time. The diff shows what changed."
    : !operate
      ? 'Operators and admins can revert.'
      : null;
  const outcome = change.reverted ? revertOutcome(change.reverted) : null;
  const reverted = change.reverted?.matches === true;

  return (
    <li className={`netstate-item${reverted ? ' is-reverted' : ''}`} data-testid="netstate-change" data-change-id={change.id} data-reverted={change.reverted?.matches ? 'matches' : change.reverted ? 'partly' : 'no'}>
      <div className="netstate-item-head">
        <strong>
          {linkTarget && target.kind === 'container' ? (
            <Link to={routePath({ page: 'container', id: target.containerId })}>{change.targetLabel}</Link>
          ) : (
            change.targetLabel
          )}
        </strong>
        <span className="mono">{sectionSummary(change.sections)}</span>
        <span className="muted">
          session of {change.sessionOwner.name}, ended {new Date(change.detectedAt).toLocaleString()}
          {change.concurrentSessions.length > 0 && ` (${change.concurrentSessions.length} other session${change.concurrentSessions.length === 1 ? '' : 's'} open on it)`}
        </span>
      </div>
      <details className="netstate-diff" onToggle={(e) => (e.currentTarget.open ? loadDetail() : undefined)}>
        <summary>Show what changed</summary>
        {detailError && <p className="callout callout-danger">{detailError}</p>}
        {!detail && !detailError && <p className="muted">Loading…</p>}
        {detail && <NetstateDiffSections sections={detail.sections} testId="netstate-diff" />}
      </details>
      <div className="netstate-actions">
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="netstate-revert"
          disabled={blocked !== null || pending || reverted}
          aria-busy={pending || undefined}
          title={reverted ? 'Already reverted: the namespace matches the snapshot' : (blocked ?? 'Restore the iptables, nftables and qdisc configuration the session started with')}
          onClick={revert}
        >
          {pending ? 'Reverting…' : reverted ? 'Reverted' : 'Revert to the snapshot'}
        </button>
        {blocked && !reverted && <span className="action-reason">{blocked}</span>}
      </div>
      <ErrorCallout message={error} testId="netstate-revert-error" />
      {outcome && change.reverted && (
        <div className="netstate-result" data-testid="netstate-revert-result" data-matches={String(change.reverted.matches)}>
          <Badge tone={outcome.tone}>{change.reverted.matches ? 'reverted' : 'partly reverted'}</Badge> {outcome.text}
          {change.reverted.steps
            .filter((step) => !step.ok)
            .map((step) => (
              <p key={step.command} className="muted mono">
                {step.command}: {step.output || 'failed'}
              </p>
            ))}
          {change.reverted.notes.map((note) => (
            <p key={note} className="muted">
              {note}
            </p>
          ))}
        </div>
      )}
    </li>
  );
}

/** A status bar item counting the changes left behind, linking to the overview that lists them. */
export function NetstateStatusItem() {
  const changes = useNetstateChanges();
  const containers = useContainers();
  if (changes.status !== 'ready') return null;
  const existing = containers.status === 'ready' ? new Set(containers.data.map((c) => c.id)) : undefined;
  const count = outstandingChanges(changes.data, { existingContainerIds: existing, now: Date.now() }).length;
  if (count === 0) return null;
  return (
    <span className="status-item netstate-status" data-testid="netstate-status">
      <Link to={routePath({ page: 'overview' })}>{count === 1 ? '1 change left behind' : `${count} changes left behind`}</Link>
    </span>
  );
}
