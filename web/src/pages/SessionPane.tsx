import type { SessionInfo } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { useState } from 'react';
import { Badge } from '../components/Badge';
import { CapturePanel } from '../features/captures/CapturePanel';
import { SessionNetstate } from '../features/netstate/SessionNetstate';
import { ConfirmButton } from '../components/ConfirmButton';
import { ResizableSidePanel } from '../components/ResizableSidePanel';
import { GuestSessionEnded } from '../features/sessions/GuestSessionEnded';
import { anotherShellTarget, endConfirmation, sessionStatus } from '../features/sessions/session-labels';
import { SessionPresenceBar, SessionShareActions } from '../features/sharing/SessionSharingControls';
import { useSessionSharing } from '../features/sharing/use-session-sharing';
import { SessionTools } from '../features/tools/SessionTools';
import { useConsoleData, usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { TerminalView } from '../terminal/TerminalView';
import type { TtyConnection, TtyState } from '@sonde/client';

interface SessionPaneProps {
  session: SessionInfo;
  active: boolean;
  live: TtyState | undefined;
  searchOpen: boolean;
  closing: boolean;
  onSearchOpenChange(id: string, open: boolean): void;
  onStateChange(id: string, state: TtyState): void;
  confirmSession(id: string): Promise<boolean>;
  /** Close the tab; the session runs on for its grace period (see SessionWorkspace). */
  onDetach(id: string): void;
  /** End the session for everyone. */
  onEnd(id: string): void;
}

/**
 * One terminal with its header: the session's state, sharing, tools and the terminal itself.
 * Hidden, not unmounted, when another tab is active.
 */
export function SessionPane({
  session,
  active,
  live,
  searchOpen,
  closing,
  onSearchOpenChange,
  onStateChange,
  confirmSession,
  onDetach,
  onEnd,
}: SessionPaneProps) {
  const status = sessionStatus(session, live);
  const [toolsOpen, setToolsOpen] = useState(false);
  const permissions = usePermissions();
  const me = useConsoleData().me;
  const another = useStartSession();
  // Host and namespace shells are admins' (the server decides; the button is not offered where it would only be refused).
  const mayReopen = permissions.canOperate && (permissions.isAdmin || (session.target.kind !== 'host' && session.target.kind !== 'network-namespace'));
  const [connection, setConnection] = useState<TtyConnection | undefined>(undefined);
  const sharing = useSessionSharing(session, connection);
  return (
    <section className="session-pane" hidden={!active} aria-label={describeTarget(session.target, 'short')}>
      <header className="session-header">
        <div className="session-heading">
          <h1 className="session-title">{describeTarget(session.target, 'short')}</h1>
          <Badge tone={status.tone}>{status.label ?? 'connected'}</Badge>
          <span className="session-meta">{describeTarget(session.target, 'long')}</span>
          <span className="session-meta mono" title="Toolbox image">
            {session.toolbox.image}
          </span>
        </div>
        <div className="session-actions">
          <SessionShareActions session={session} title={describeTarget(session.target, 'short')} sharing={sharing} />
          {mayReopen && (
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="session-another"
              disabled={another.pending}
              title={`Another shell: ${describeTarget(session.target, 'long')}`}
              onClick={() => another.start(anotherShellTarget(session.target))}
            >
              {another.pending ? 'Starting…' : 'Another shell'}
            </button>
          )}
          {permissions.canOperate && <button
            type="button"
            className="button button-secondary button-small"
            data-testid="session-tools-toggle"
            aria-expanded={toolsOpen}
            title="Run a tool in this session's namespaces"
            onClick={() => setToolsOpen(!toolsOpen)}
          >
            Tools
          </button>}
          <button
            type="button"
            className="button button-secondary button-small"
            title="Find in terminal (Ctrl+Shift+F)"
            onClick={() => onSearchOpenChange(session.id, !searchOpen)}
          >
            Find
          </button>
          {!permissions.isShareGuest && (
            <button
              type="button"
              className="button button-secondary button-small"
              data-testid="session-detach"
              title="Close this tab; the session keeps running for a few minutes and “My sessions” on the overview can rejoin it"
              onClick={() => onDetach(session.id)}
            >
              Close tab
            </button>
          )}
          {!permissions.isShareGuest && session.state !== 'exited' && (
            <ConfirmButton
              label={closing ? 'Ending…' : 'End session'}
              // Who is attached now, as this terminal's presence says (the session list is not pushed).
              question={endConfirmation(sharing.presence ? { ...session, participants: sharing.presence.participants } : session, me?.id)}
              confirmLabel="End for everyone"
              busy={closing}
              title="End the shell for everyone and remove its toolbox"
              testId="session-end"
              onConfirm={() => onEnd(session.id)}
            />
          )}
        </div>
      </header>
      <SessionPresenceBar sharing={sharing} live={live} />
      {permissions.canOperate && <SessionNetstate session={session} />}
      {permissions.isShareGuest && (session.state === 'exited' || live?.kind === 'exited') && (
        <GuestSessionEnded session={session} />
      )}
      <div className="session-body">
        <TerminalView
          onConnection={(c) => setConnection(c ?? undefined)}
          sessionId={session.id}
          ttyPath={session.ttyPath}
          active={active}
          searchOpen={searchOpen}
          onSearchOpenChange={(open) => onSearchOpenChange(session.id, open)}
          onStateChange={onStateChange}
          confirmSession={confirmSession}
        />
        {/* Beside the terminal, so a form, its Run button and the result are seen while typing. */}
        {toolsOpen && (
          <ResizableSidePanel storageKey="sonde.sessionTools.width" defaultWidth={460} label="Tools" testId="session-tools-panel">
            <SessionTools session={session} drives={sharing.presence ? sharing.presence.role === 'driver' : session.owner.id === me?.id}>{(context) => <CapturePanel target={context.target} blockedReason={context.blockedReason} />}</SessionTools>
          </ResizableSidePanel>
        )}
      </div>
    </section>
  );
}
