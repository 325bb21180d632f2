import type { SondeClient } from '@sonde/client';
import type { Me } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { useEffect, useState } from 'react';
import { ConsoleData } from '../api/console-data';
import { ErrorBanner } from '../components/ErrorBanner';
import { CurrentUser } from '../features/auth/CurrentUser';
import { NetstateStatusItem } from '../features/netstate/NetstateWarnings';
import { ShareGuestBanner } from '../features/sharing/ShareGuestBanner';
import { StatusBar } from '../features/status/StatusBar';
import { ErrorReports } from '../hooks/error-reports';
import { ConsoleDataContext, usePermissions, useSessions } from '../hooks/use-console-data';
import { ErrorReportsContext, useErrorReportList, useReportError } from '../hooks/use-report-error';
import { AdminPage } from '../pages/AdminPage';
import { AuditPage } from '../pages/AuditPage';
import { ContainerPage } from '../pages/ContainerPage';
import { EnginePage } from '../pages/EnginePage';
import { MatrixPage } from '../pages/MatrixPage';
import { NetworkPage } from '../pages/NetworkPage';
import { AdminOnlyPage, NotFoundPage } from '../pages/NotFoundPage';
import { OverviewPage } from '../pages/OverviewPage';
import { RecordingsPage } from '../pages/RecordingsPage';
import { SessionWorkspace } from '../pages/SessionWorkspace';
import { TaskPage } from '../pages/TaskPage';
import { TopologyPage } from '../pages/TopologyPage';
import { routePath, type Route } from '../routing/routes';
import { useNavigate, useRoute } from '../routing/RouterContext';
import { Sidebar } from './Sidebar';

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

  useEffect(() => {
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
  const signOut = () => void onSignOut().catch((error: unknown) => report('Could not log out', error));
  // A share-link guest reaches one session; every other page would only be refused.
  const guestSession = me.kind === 'share' ? me.share?.sessionId : undefined;
  const offSession = guestSession !== undefined && !(route.page === 'session' && route.id === guestSession);
  useEffect(() => {
    if (guestSession !== undefined && offSession) navigate(routePath({ page: 'session', id: guestSession }), { replace: true });
  }, [guestSession, offSession, navigate]);
  return (
    <div className={`console${me.kind === 'share' ? ' console-guest' : ''}`}>
      {me.kind !== 'share' && <Sidebar route={route} me={me} onSignOut={signOut} />}
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
        <SessionWorkspace route={route}>
          <RoutedPage route={route} />
        </SessionWorkspace>
      </main>
      {me.kind !== 'share' && (
        <StatusBar via={me.via}>
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
  return (
    <ShareGuestBanner me={me} sessionTitle={session ? describeTarget(session.target, 'short') : undefined}>
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
