import type { SessionInfo } from '@sonde/shared';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { EmptyState } from '../components/EmptyState';
import { GuestSessionEnded } from '../features/sessions/GuestSessionEnded';
import { sessionTabs } from '../features/sessions/session-labels';
import '../styles/sessions.css';
import { SessionTabs } from '../features/sessions/SessionTabs';
import { useConsoleData, usePermissions, useSessions } from '../hooks/use-console-data';
import { useReportError } from '../hooks/use-report-error';
import { routePath, type Route } from '../routing/routes';
import { Link, useNavigate } from '../routing/RouterContext';
import type { TtyState } from '@sonde/client';
import { SessionPane } from './SessionPane';

const ENDED_STATES = new Set<TtyState['kind']>(['exited', 'closed', 'error']);

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  return new Map(map).set(key, value);
}

function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

/** A copy of `set` with `member` in it (`present`) or not: React state is replaced, never changed. */
function withMember<T>(set: ReadonlySet<T>, member: T, present = true): Set<T> {
  const next = new Set(set);
  if (present) next.add(member);
  else next.delete(member);
  return next;
}

/** What pages outside the terminals (the overview's "My sessions") need of the workspace. */
export interface WorkspaceSessions {
  /** Sessions whose terminal this page holds (their tab is open). */
  openHere: ReadonlySet<string>;
  ending: ReadonlySet<string>;
  /** Ends the session for everyone (DELETE); its tab goes. */
  end(id: string): void;
}

const WorkspaceSessionsContext = createContext<WorkspaceSessions>({ openHere: new Set(), ending: new Set(), end: () => undefined });

export function useWorkspaceSessions(): WorkspaceSessions {
  return useContext(WorkspaceSessionsContext);
}

/**
 * The main pane: session tabs on top, then either the routed page (`children`) or the active
 * terminal. A terminal is created the first time its tab is shown and then stays mounted (and
 * connected) while other tabs are in front, until its tab is closed.
 */
export function SessionWorkspace({ route, children }: { route: Route; children: ReactNode }) {
  const data = useConsoleData();
  const sessions = useSessions();
  const navigate = useNavigate();
  const report = useReportError();
  // A share guest has one session and no overview: tabs would only offer what it may not do.
  const guest = usePermissions().isShareGuest;

  /** Sessions whose terminal this page has mounted, with the info they were opened with. */
  const [attached, setAttached] = useState<ReadonlyMap<string, SessionInfo>>(new Map());
  const [live, setLive] = useState<ReadonlyMap<string, TtyState>>(new Map());
  const [closing, setClosing] = useState<ReadonlySet<string>>(new Set());
  /** Sessions whose tab was closed here: they run on (detached) and are listed under "My sessions". */
  const [detached, setDetached] = useState<ReadonlySet<string>>(new Set());
  const [searchOpen, setSearchOpen] = useState<ReadonlySet<string>>(new Set());

  const serverSessions = sessions.status === 'ready' ? sessions.data : undefined;
  const activeId = route.page === 'session' ? route.id : null;
  /**
   * The route now, for work that finishes later: ending a session waits for the server (its final
   * network snapshot), and a page the user opened meanwhile must not be replaced by a neighbour tab.
   */
  const activeIdNow = useRef(activeId);
  useEffect(() => {
    activeIdNow.current = activeId;
  }, [activeId]);
  const activeSession = activeId
    ? (serverSessions?.find((session) => session.id === activeId) ?? attached.get(activeId))
    : undefined;

  useEffect(() => {
    if (activeSession && !attached.has(activeSession.id)) setAttached(withEntry(attached, activeSession.id, activeSession));
    // Opening a detached session again (Rejoin, a link) brings its tab back.
    if (activeSession && detached.has(activeSession.id)) setDetached((current) => withMember(current, activeSession.id, false));
  }, [activeSession, attached, detached]);

  const tabs = sessionTabs(serverSessions, attached, detached);
  const mounted = new Map(attached);
  if (activeSession && !mounted.has(activeSession.id)) mounted.set(activeSession.id, activeSession);

  const onStateChange = useCallback(
    (id: string, state: TtyState) => {
      setLive((current) => withEntry(current, id, state));
      // The server's record (exit code, end reason) changed too.
      if (ENDED_STATES.has(state.kind)) void data.sessions.refresh();
    },
    [data],
  );

  const confirmSession = useCallback((id: string) => data.sessions.exists(id), [data]);

  const onSearchOpenChange = useCallback((id: string, open: boolean) => setSearchOpen((current) => withMember(current, id, open)), []);

  /** After a tab goes: show its neighbour, or the overview. */
  const leaveTab = useCallback(
    (id: string) => {
      const index = tabs.findIndex((tab) => tab.id === id);
      const neighbour = tabs[index + 1] ?? tabs[index - 1];
      setAttached((current) => withoutEntry(current, id));
      setLive((current) => withoutEntry(current, id));
      if (id === activeIdNow.current) {
        navigate(neighbour && neighbour.id !== id ? routePath({ page: 'session', id: neighbour.id }) : '/', { replace: true });
      }
    },
    [tabs, navigate],
  );

  /**
   * Closing a tab detaches: the terminal unmounts (its socket closes), the session runs on for
   * its grace period and "My sessions" offers Rejoin. An ended session's tab just goes.
   */
  const detachSession = useCallback(
    (id: string) => {
      setDetached((current) => withMember(current, id));
      leaveTab(id);
    },
    [leaveTab],
  );

  const endSession = useCallback(
    (id: string) => {
      setClosing((current) => withMember(current, id));
      data.sessions
        .close(id)
        .then(() => leaveTab(id))
        .catch((error: unknown) => report('Could not end the session', error))
        .finally(() => setClosing((current) => withMember(current, id, false)));
    },
    [data, leaveTab, report],
  );

  const workspace = useMemo<WorkspaceSessions>(() => ({ openHere: new Set(attached.keys()), ending: closing, end: endSession }), [attached, closing, endSession]);

  return (
    <div className="workspace">
      {!guest && <SessionTabs
        tabs={tabs}
        activeId={activeId}
        overviewActive={route.page === 'overview'}
        live={live}
        closing={closing}
        onClose={detachSession}
      />}
      <div className="workspace-body">
        {route.page !== 'session' && (
          <div className="page">
            <WorkspaceSessionsContext value={workspace}>{children}</WorkspaceSessionsContext>
          </div>
        )}
        {route.page === 'session' && !activeSession && (
          <div className="page">
            {sessions.status === 'loading' ? (
              <EmptyState title="Loading session…" />
            ) : guest ? (
              <GuestSessionEnded session={undefined} />
            ) : (
              <EmptyState title="Session not found">
                <p>It may have ended or been closed from another browser.</p>
                <p>
                  <Link to="/">Back to the overview</Link>
                </p>
              </EmptyState>
            )}
          </div>
        )}
        {[...mounted.values()].map((session) => (
          <SessionPane
            key={session.id}
            session={serverSessions?.find((s) => s.id === session.id) ?? session}
            active={session.id === activeId}
            live={live.get(session.id)}
            searchOpen={searchOpen.has(session.id)}
            closing={closing.has(session.id)}
            onSearchOpenChange={onSearchOpenChange}
            onStateChange={onStateChange}
            confirmSession={confirmSession}
            onDetach={detachSession}
            onEnd={endSession}
          />
        ))}
      </div>
    </div>
  );
}
