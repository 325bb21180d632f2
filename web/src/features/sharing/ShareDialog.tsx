import type { CreatedShare, ParticipantRole, SessionInfo, ShareInfo } from '@sonde/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CopyField } from '../../components/CopyField';
import { errorText } from '../../components/error-text';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { expiresIn, localTime, SHARE_LIFETIMES, shareRoleLabel, shareState } from './share-labels';
import '../../styles/access.css';

/** The list is refreshed this often while the dialog is open: participant counts change. */
const LIST_REFRESH_MS = 5000;

interface ShareDialogProps {
  session: SessionInfo;
  /** How the session is named in its tab. */
  title: string;
  onClose(): void;
}

/**
 * Create a link that lets someone without an account watch (or type in) this one session, and
 * revoke links. The link's URL holds its secret: shown once, right after creating it.
 */
export function ShareDialog({ session, title, onClose }: ShareDialogProps) {
  const data = useConsoleData();
  const dialog = useRef<HTMLDialogElement>(null);
  const [role, setRole] = useState<ParticipantRole>('viewer');
  const [lifetime, setLifetime] = useState(3600);
  const [created, setCreated] = useState<CreatedShare | null>(null);
  const [links, setLinks] = useState<ShareInfo[] | null>(null);
  const creating = usePendingAction();
  const revoking = usePendingAction();
  const [listError, setListError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const refresh = useCallback(() => {
    data.shares
      .list(session.id)
      .then((list) => {
        setLinks(list);
        setNow(Date.now());
      })
      .catch((failure: unknown) => setListError(errorText(failure)));
  }, [data, session.id]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, LIST_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const create = () =>
    creating.run(
      () => data.shares.create(session.id, { role, expiresInSeconds: lifetime }),
      (share) => {
        setCreated(share);
        refresh();
      },
    );

  const revoke = (share: ShareInfo) =>
    revoking.run(
      () => data.shares.revoke(session.id, share.id),
      () => {
        if (created?.id === share.id) setCreated(null);
        refresh();
      },
    );
  // One line says what last went wrong: creating, revoking or loading the list.
  const error = creating.error ?? revoking.error ?? listError;
  const busy = creating.pending;

  return (
    <dialog
      ref={dialog}
      className="dialog share-dialog"
      data-testid="share-dialog"
      aria-labelledby="share-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-header">
        <h2 id="share-dialog-title">Share {title}</h2>
        <button type="button" className="icon-button" aria-label="Close" data-testid="share-close" onClick={onClose}>
          ✕
        </button>
      </header>
      <p className="muted">
        Anyone with the link joins this session only, without an account, until the link expires or you revoke it.
        Everything they do is in the audit trail.
      </p>
      <ErrorCallout message={error} testId="share-error" />
      <fieldset className="share-options">
        <legend className="field-label">They join as</legend>
        <label className="radio">
          <input
            type="radio"
            name="share-role"
            data-testid="share-role-viewer"
            checked={role === 'viewer'}
            onChange={() => setRole('viewer')}
          />
          viewer: watches, cannot type
        </label>
        <label className="radio">
          <input
            type="radio"
            name="share-role"
            data-testid="share-role-driver"
            checked={role === 'driver'}
            onChange={() => setRole('driver')}
          />
          driver: can type in the shell
        </label>
      </fieldset>
      <label className="field">
        <span className="field-label">Link expires after</span>
        <select data-testid="share-expiry" value={lifetime} onChange={(event) => setLifetime(Number(event.target.value))}>
          {SHARE_LIFETIMES.map((option) => (
            <option key={option.seconds} value={option.seconds}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <div>
        <button type="button" className="button button-primary" data-testid="share-create" disabled={busy} onClick={create}>
          {busy ? 'Creating…' : 'Create link'}
        </button>
      </div>
      {created && (
        <div className="share-created" data-testid="share-created">
          <span className="field-label">
            New {shareRoleLabel(created.role)} link, expires {localTime(created.expiresAt)}. Copy it now: it is not shown again.
          </span>
          <CopyField value={created.url} label="Share link" testId="share-url" copyTestId="share-copy" />
        </div>
      )}
      <h3 className="section-title">Links for this session</h3>
      {links === null ? (
        <p className="muted">Loading…</p>
      ) : links.length === 0 ? (
        <p className="muted">No links yet.</p>
      ) : (
        <table className="data-table" data-testid="share-links">
          <thead>
            <tr>
              <th>Role</th>
              <th>Expires</th>
              <th>Joined now</th>
              <th>Created by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {links.map((share) => {
              const state = shareState(share, now);
              return (
                <tr key={share.id} data-testid="share-link" data-share-id={share.id} data-state={state}>
                  <td>{shareRoleLabel(share.role)}</td>
                  <td title={share.expiresAt}>
                    {state === 'revoked' ? 'revoked' : state === 'expired' ? 'expired' : `${localTime(share.expiresAt)} (${expiresIn(share.expiresAt, now)})`}
                  </td>
                  <td>{share.participants}</td>
                  <td>{share.createdBy}</td>
                  <td>
                    {state === 'active' && (
                      <button type="button" className="button button-secondary button-small" data-testid="share-revoke" onClick={() => revoke(share)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </dialog>
  );
}
