import type { SessionInfo } from '@sonde/shared';
import { Badge } from '../../components/Badge';
import { TerminalView } from '../../terminal/TerminalView';
import type { TtyConnection, TtyState } from '../../terminal/tty-connection';
import { useState } from 'react';
import { useMe } from '../../api/console-context';
import { canOperate, isShareGuest } from '../auth/permissions';
import { SessionPresenceBar, SessionShareActions } from '../sharing/SessionSharingControls';
import { useSessionSharing } from '../sharing/use-session-sharing';
import { SessionTools } from './SessionTools';
import { sessionStatus, sessionTitle } from './session-labels';

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

function targetDescription(session: SessionInfo): string {
  const target = session.target;
  switch (target.kind) {
    case 'container':
      return target.sharePid
        ? `Network and process namespaces of container ${target.containerName}`
        : `Network namespace of container ${target.containerName}`;
    case 'network':
      return `Toolbox attached to network ${target.networkName}`;
    case 'host':
      return 'Host network namespace';
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/** One terminal with its header. Hidden, not unmounted, when another tab is active. */
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
  const me = useMe();
  const [connection, setConnection] = useState<TtyConnection | undefined>(undefined);
  const sharing = useSessionSharing(session, connection);
  return (
    <section className="session-pane" hidden={!active} aria-label={sessionTitle(session.target)}>
      <header className="session-header">
        <div className="session-heading">
          <h1 className="session-title">{sessionTitle(session.target)}</h1>
          <Badge tone={status.tone}>{status.label ?? 'connected'}</Badge>
          <span className="session-meta">{targetDescription(session)}</span>
          <span className="session-meta mono" title="Toolbox image">
            {session.toolbox.image}
          </span>
        </div>
        <div className="session-actions">
          <SessionShareActions session={session} sharing={sharing} />
          {canOperate(me) && <button
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
          {!isShareGuest(me) && <button
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
