import type { SondeClient } from '@sonde/client';
import type { Me } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { useEffect, useLayoutEffect, useState } from 'react';
import { ConsoleData } from '../api/console-data';
import { ErrorBanner } from '../components/ErrorBanner';
import { CurrentUser } from '../features/auth/CurrentUser';
import { CaptureStatusItem } from '../features/captures/CaptureStatusItem';
import { ToolboxImageBanner } from '../features/engines/ToolboxImageBanner';
import { NetstateStatusItem } from '../features/netstate/NetstateWarnings';
import { ShareGuestBanner } from '../features/sharing/ShareGuestBanner';
import { StatusBar } from '../features/status/StatusBar';
import { ErrorReports } from '../hooks/error-reports';
import { ConsoleDataContext, usePermissions, useSessions } from '../hooks/use-console-data';
import { ErrorReportsContext, useErrorReportList, useReportError } from '../hooks/use-report-error';
import { AdminPage } from '../pages/AdminPage';
import { AuditPage } from '../pages/AuditPage';
import { CapturesPage } from '../pages/CapturesPage';
import { ContainerPage } from '../pages/ContainerPage';
import { EnginePage } from '../pages/EnginePage';
import { MatrixPage } from '../pages/MatrixPage';
import { NetworkPage } from '../pages/NetworkPage';
import { AdminOnlyPage, NotFoundPage } from '../pages/NotFoundPage';
import { OverviewPage } from '../pages/OverviewPage';
import { RecordingsPage } from '../pages/RecordingsPage';
import { SessionWorkspace } from '../pages/SessionWorkspace';
import { TaskPage } from '../pages/TaskPage';
import { PodPage } from '../pages/PodPage';
import { KubeNodePage } from '../pages/KubeNodePage';
import { TopologyPage } from '../pages/TopologyPage';
import { routePath, type Route } from '../routing/routes';
import { Link, useNavigate, useRoute } from '../routing/RouterContext';
import { ShortcutsHost } from './ShortcutsHost';
import { Sidebar } from './Sidebar';
import { ThemeToggle } from '../components/ThemeToggle';

interface ConsoleShellProps {
  client: SondeClient;
  me: Me;
  /** Said once at the top (e.g. a share link that no longer works, opened while signed in). */
  notice?: string | undefined;
  onSignOut(): Promise<void>;
}

/**
 * The signed-in console. Owns the ConsoleData of this login: created on mount, disposed on
 * logout, which closes the event stream (terminals close as their views unmount).
 */
export function ConsoleShell({ client, me, notice, onSignOut }: ConsoleShellProps) {
  const [data, setData] = useState<ConsoleData | null>(null);
  const [reports] = useState(() => new ErrorReports());

  // Before the first paint (a layout effect), so the console is drawn in the same frame as the page
  // that mounted it, not one paint later: a deep link's terminal comes with it.
  useLayoutEffect(() => {
    const created = new ConsoleData(client, me);
    created.start();
    setData(created);
    return () => created.dispose();
  }, [client, me]);

  if (!data) return null;
  return (
    <ConsoleDataContext value={data}>
      <ErrorReportsContext value={reports}>
        <ConsoleLayout me={me} notice={notice} onSignOut={onSignOut} />
      </ErrorReportsContext>
    </ConsoleDataContext>
  );
}

function ConsoleLayout({ me, notice, onSignOut }: { me: Me; notice: string | undefined; onSignOut(): Promise<void> }) {
  const route = useRoute();
  const report = useReportError();
  const navigate = useNavigate();
  const [noticeShown, setNoticeShown] = useState(Boolean(notice));
  // Below the breakpoint (layout.css) the sidebar is a drawer; a pick in it is a navigation, which closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route]);
  const signOut = () => void onSignOut().catch((error: unknown) => report('Could not log out', error));
  // A share-link guest reaches one session; every other page would only be refused.
  const guestSession = me.kind === 'share' ? me.share?.sessionId : undefined;
  const offSession = guestSession !== undefined && !(route.page === 'session' && route.id === guestSession);
  useEffect(() => {
    if (guestSession !== undefined && offSession) navigate(routePath({ page: 'session', id: guestSession }), { replace: true });
  }, [guestSession, offSession, navigate]);
  return (
    <div className={`console${me.kind === 'share' ? ' console-guest' : ''}${menuOpen ? ' menu-open' : ''}`}>
      {me.kind !== 'share' && (
        <>
          <header className="mobile-bar">
            <button
              type="button"
              className="button button-ghost menu-button"
              data-testid="menu-toggle"
              aria-controls="console-sidebar"
              aria-expanded={menuOpen}
              aria-label={menuOpen ? 'Close the menu' : 'Open the menu: targets, recordings, admin'}
              onClick={() => setMenuOpen(!menuOpen)}
            >
              <span aria-hidden="true">{menuOpen ? '✕' : '☰'}</span>
            </button>
            <Link to="/" className="brand" aria-label="Sonde overview">
              <span className="brand-mark" aria-hidden="true">
                ›_
              </span>
              Sonde
            </Link>
            <span className="mobile-bar-spacer" />
            <ThemeToggle />
          </header>
          <Sidebar route={route} me={me} onSignOut={signOut} />
          {menuOpen && <div className="menu-scrim" data-testid="menu-scrim" aria-hidden="true" onClick={() => setMenuOpen(false)} />}
        </>
      )}
      <main className="main">
        {me.kind === 'share' && <GuestBanner me={me} onSignOut={signOut} />}
        {notice && noticeShown && (
          <p className="callout callout-info session-callout" data-testid="login-notice">
            {notice}{' '}
            <button type="button" className="link-button" onClick={() => setNoticeShown(false)}>
              Dismiss
            </button>
          </p>
        )}
        <ErrorBannerHost />
        {me.kind !== 'share' && <ToolboxImageBanner />}
        <SessionWorkspace route={route}>
          <RoutedPage route={route} />
        </SessionWorkspace>
      </main>
      {me.kind !== 'share' && <ShortcutsHost />}
      {me.kind !== 'share' && (
        <StatusBar via={me.via}>
          <CaptureStatusItem />
          <NetstateStatusItem />
        </StatusBar>
      )}
    </div>
  );
}

/** A share-link guest's banner names its session by the same title as its tab. */
function GuestBanner({ me, onSignOut }: { me: Me; onSignOut(): void }) {
  const sessions = useSessions();
  const session = sessions.status === 'ready' ? sessions.data.find((s) => s.id === me.share?.sessionId) : undefined;
  const ended = sessions.status === 'ready' && (!session || session.state === 'exited');
  return (
    <ShareGuestBanner me={me} sessionTitle={session ? describeTarget(session.target, 'short') : undefined} ended={ended}>
      <CurrentUser me={me} onSignOut={onSignOut} />
    </ShareGuestBanner>
  );
}

function ErrorBannerHost() {
  const { messages, dismiss } = useErrorReportList();
  return <ErrorBanner messages={messages} onDismiss={dismiss} />;
}

function RoutedPage({ route }: { route: Route }) {
  const { isAdmin } = usePermissions();
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'container':
      return <ContainerPage id={route.id} engine={route.engine} />;
    case 'network':
      return <NetworkPage id={route.id} engine={route.engine} />;
    case 'engine':
      return <EnginePage engine={route.engine} />;
    case 'task':
      return <TaskPage engine={route.engine} service={route.service} task={route.task} />;
    case 'pod':
      return <PodPage engine={route.engine} namespace={route.namespace} pod={route.pod} />;
    case 'kube-node':
      return <KubeNodePage engine={route.engine} node={route.node} />;
    case 'session':
      // Terminals are rendered by SessionWorkspace so they survive tab switches.
      return null;
    case 'admin':
      return isAdmin ? <AdminPage section={route.section} /> : <AdminOnlyPage />;
    case 'audit':
      return isAdmin ? <AuditPage /> : <AdminOnlyPage />;
    case 'recordings':
      return <RecordingsPage selectedId={null} />;
    case 'recording':
      return <RecordingsPage selectedId={route.id} />;
    case 'captures':
      return <CapturesPage />;
    case 'matrix':
      return <MatrixPage id={route.id} />;
    case 'topology':
      return <TopologyPage engine={route.engine} />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
    default: {
      const unexpected: never = route;
      return unexpected;
    }
  }
}
