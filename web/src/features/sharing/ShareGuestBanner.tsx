import type { Me } from '@sonde/shared';
import type { ReactNode } from 'react';
import { localTime, shareRoleLabel } from './share-labels';
import '../../styles/access.css';

interface ShareGuestBannerProps {
  me: Me;
  /** The shared session's tab title, once its record is loaded. */
  sessionTitle: string | undefined;
  /** The session is over: its link's expiry no longer matters. */
  ended?: boolean;
  /** Who is signed in and the Log out button. */
  children: ReactNode;
}

/** What a share-link guest sees instead of the sidebar: which session, as what, until when. */
export function ShareGuestBanner({ me, sessionTitle, ended = false, children }: ShareGuestBannerProps) {
  const share = me.share;
  const what = sessionTitle ?? 'a shared session';
  return (
    <div className="guest-banner" data-testid="share-banner" role="status">
      <span className="brand-mark" aria-hidden="true">
        ›_
      </span>
      <span className="guest-banner-text">
        {ended ? (
          <>
            <strong>{what}</strong> has ended; the share link you used led to it only.
          </>
        ) : share ? (
          <>
            You joined <strong>{what}</strong> as a {shareRoleLabel(share.role)} via a share link, expires{' '}
            <time dateTime={share.expiresAt}>{localTime(share.expiresAt)}</time>.
          </>
        ) : (
          <>You joined {what} via a share link.</>
        )}
      </span>
      {children}
    </div>
  );
}
