import type { Me } from '@sonde/shared';
import { useSessions } from '../../api/console-context';
import { CurrentUser } from '../auth/CurrentUser';
import { sessionTitle } from '../sessions/session-labels';
import { localTime, shareRoleLabel } from './share-labels';
import '../../styles/access.css';

/** What a share-link guest sees instead of the sidebar: which session, as what, until when. */
export function ShareGuestBanner({ me, onSignOut }: { me: Me; onSignOut(): void }) {
  const sessions = useSessions();
  const share = me.share;
  const session = sessions.status === 'ready' ? sessions.data.find((s) => s.id === share?.sessionId) : undefined;
  const what = session ? sessionTitle(session.target) : 'a shared session';
  return (
    <div className="guest-banner" data-testid="share-banner" role="status">
      <span className="brand-mark" aria-hidden="true">
        ›_
      </span>
      <span className="guest-banner-text">
        {share ? (
          <>
            You joined <strong>{what}</strong> as a {shareRoleLabel(share.role)} via a share link, expires{' '}
            <time dateTime={share.expiresAt}>{localTime(share.expiresAt)}</time>.
          </>
        ) : (
          <>You joined {what} via a share link.</>
        )}
      </span>
      <CurrentUser me={me} onSignOut={onSignOut} />
    </div>
  );
}
