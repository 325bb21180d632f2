import type { Participant } from '@sonde/shared';
import { usePendingAction } from '../../components/use-pending-action';
import { useReportError } from '../../hooks/use-report-error';
import { orderParticipants, roleLabel } from './keyboard-handover';
import type { SessionSharing } from './use-session-sharing';

/**
 * Who is attached to a session and who may type. The owner (or an admin) hands the keyboard to
 * one participant at a time and takes it back.
 */
export function ParticipantsStrip({ sharing }: { sharing: SessionSharing }) {
  const report = useReportError();
  const { pending: busy, run } = usePendingAction({ onError: (error) => report('Could not change who may type', error) });
  const presence = sharing.presence;
  if (!presence) return null;
  const othersDriving = presence.participants.some((p) => p.id !== presence.you && p.role === 'driver');

  const actionsFor = (participant: Participant) => {
    if (!sharing.canManage) return null;
    const you = participant.id === presence.you;
    if (!you && participant.role === 'viewer') {
      return (
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="give-keyboard"
          disabled={busy}
          title={`${participant.name} may type; you only watch until you take the keyboard back`}
          onClick={() => run(() => sharing.giveKeyboard(participant.id))}
        >
          Give keyboard
        </button>
      );
    }
    // On another driver's row (unless their link is a driver link: revoke that instead), or on
    // ours when nobody else drives and we gave it away.
    if ((!you && participant.role === 'driver' && !sharing.isOnDriverLink(participant)) || (you && participant.role === 'viewer' && !othersDriving)) {
      return (
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="take-keyboard"
          disabled={busy}
          title="You type again; others watch (people on a driver share link keep typing)"
          onClick={() => run(() => sharing.takeKeyboardBack())}
        >
          Take keyboard back
        </button>
      );
    }
    return null;
  };

  return (
    <ul className="participants" data-testid="participants" aria-label="People in this session">
      {orderParticipants(presence.participants).map((participant) => {
        const you = participant.id === presence.you;
        return (
          <li
            key={participant.id}
            className={`participant${you ? ' is-you' : ''}`}
            data-testid="participant"
            data-participant-id={participant.id}
            data-role={participant.role}
          >
            <span className="participant-name">
              {participant.name}
              {you && <span className="muted"> (you)</span>}
            </span>
            {participant.owner && (
              <span className="participant-owner" data-testid="participant-owner" title="Opened this session">
                owner
              </span>
            )}
            <span className={`badge ${participant.role === 'driver' ? 'badge-ok' : 'badge-muted'}`} data-testid="participant-role">
              {roleLabel(participant.role)}
            </span>
            {participant.shareId && <span className="participant-meta">via link</span>}
            {participant.clients > 1 && <span className="participant-meta">{participant.clients} tabs</span>}
            {actionsFor(participant)}
          </li>
        );
      })}
    </ul>
  );
}
