import type { SessionInfo } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { useState } from 'react';
import { Badge } from '../components/Badge';
import { anotherShellTarget, sessionStatus } from '../features/sessions/session-labels';
import { SessionPresenceBar, SessionShareActions } from '../features/sharing/SessionSharingControls';
import { useSessionSharing } from '../features/sharing/use-session-sharing';
import { SessionTools } from '../features/tools/SessionTools';
import { usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { TerminalView } from '../terminal/TerminalView';
import type { TtyConnection, TtyState } from '../terminal/tty-connection';

interface SessionPaneProps {
  session: SessionInfo;
  active: boolean;
  live: TtyState | undefined;
  searchOpen: boolean;
  closing: boolean;
  onSearchOpenChange(id: string, open: boolean): void;
  onStateChange(id: string, state: TtyState): void;
  confirmSession(id: string): Promise<boolean>;
  onClose(id: string): void;
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
  onClose,
}: SessionPaneProps) {
  const status = sessionStatus(session, live);
  const [toolsOpen, setToolsOpen] = useState(false);
  const permissions = usePermissions();
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
          {!permissions.isShareGuest && <button
            type="button"
            className="button button-secondary button-small"
            disabled={closing}
            onClick={() => onClose(session.id)}
          >
            {closing ? 'Closing…' : 'Close session'}
          </button>}
        </div>
      </header>
      <SessionPresenceBar sharing={sharing} live={live} />
      {toolsOpen && <SessionTools session={session} />}
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
    </section>
  );
}
