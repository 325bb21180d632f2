import type { SessionInfo } from '@sonde/shared';
import '../../styles/sessions.css';
import { guestEndedText } from './session-labels';

/**
 * What a share guest reads once its session is over: in the session's pane, or in its place when
 * the session is no longer listed at all (`session` undefined).
 */
export function GuestSessionEnded({ session }: { session: SessionInfo | undefined }) {
  const { title, next } = guestEndedText(session);
  return (
    <div className="guest-ended" role="status" data-testid="guest-session-ended">
      <h2>{title}</h2>
      <p>{next}</p>
    </div>
  );
}
