import type { SessionInfo } from '@sonde/shared';
import { useState } from 'react';
import type { TtyState } from '@sonde/client';
import { ParticipantsStrip } from './ParticipantsStrip';
import { ShareDialog } from './ShareDialog';
import type { SessionSharing } from './use-session-sharing';
import '../../styles/access.css';

/** In the session header: "read-only" when we only watch, and the Share button for the owner. */
export function SessionShareActions({ session, title, sharing }: { session: SessionInfo; title: string; sharing: SessionSharing }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {sharing.readOnly && (
        <span
          className={`badge badge-warn${sharing.typedWhileReadOnly ? ' is-nudged' : ''}`}
          data-testid="read-only"
          title="You are watching: what you type is not sent. The owner can give you the keyboard."
        >
          read-only
        </span>
      )}
      {sharing.canManage && session.state !== 'exited' && (
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="share-button"
          title="Invite someone to watch or type in this session"
          onClick={() => setOpen(true)}
        >
          Share
        </button>
      )}
      {open && <ShareDialog session={session} title={title} onClose={() => setOpen(false)} />}
    </>
  );
}

/** Under the session header: who is here, and why the terminal stopped if our access ended. */
export function SessionPresenceBar({ sharing, live }: { sharing: SessionSharing; live: TtyState | undefined }) {
  const revoked = live?.kind === 'closed' && live.revoked === true;
  // Presence describes a live terminal; once it ended, the list would only be stale.
  const attached = live?.kind === 'open' || live?.kind === 'reconnecting';
  return (
    <>
      {attached && <ParticipantsStrip sharing={sharing} />}
      {revoked && (
        <p className="callout callout-danger session-callout" role="alert" data-testid="access-revoked">
          {live.reason}
        </p>
      )}
      {!revoked && sharing.typedWhileReadOnly && (
        <p className="callout callout-info session-callout" data-testid="read-only-hint">
          You are watching this session: what you type is not sent. Ask the owner for the keyboard.
        </p>
      )}
    </>
  );
}
