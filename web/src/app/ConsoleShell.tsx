import type { Me } from '@sonde/shared';
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client';
import { ConsoleDataContext } from '../api/console-context';
import { ConsoleData } from '../api/console-data';
import { EmptyState } from '../components/EmptyState';
import { AdminPage } from '../features/admin/AdminPage';
import { AuditPage } from '../features/audit/AuditPage';
import { RecordingsPage } from '../features/recordings/RecordingsPage';
import { isAdmin } from '../features/auth/permissions';
import { ShareGuestBanner } from '../features/sharing/ShareGuestBanner';
import { ContainerPage } from '../features/containers/ContainerPage';
import { ErrorReports } from '../features/errors/error-reports';
import { ErrorBannerHost, ErrorReportsContext, useReportError } from '../features/errors/ErrorReportsContext';
import { NetworkPage } from '../features/networks/NetworkPage';
import { OverviewPage } from '../features/overview/OverviewPage';
import { SessionWorkspace } from '../features/sessions/SessionWorkspace';
import { StatusBar } from '../features/status/StatusBar';
import { routePath, type Route } from '../routing/routes';
import { Link, useNavigate, useRoute } from '../routing/RouterContext';
import { Sidebar } from './Sidebar';

interface ConsoleShellProps {
  client: ApiClient;
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
        {me.kind === 'share' && <ShareGuestBanner me={me} onSignOut={signOut} />}
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
          <RoutedPage route={route} me={me} />
        </SessionWorkspace>
      </main>
      {me.kind !== 'share' && <StatusBar via={me.via} />}
    </div>
  );
}

function AdminOnly() {
  return (
    <EmptyState title="Admins only">
      <p>
        This page is for admins. <Link to="/">Back to the overview</Link>
      </p>
    </EmptyState>
  );
}

function RoutedPage({ route, me }: { route: Route; me: Me }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'container':
      return <ContainerPage id={route.id} />;
    case 'network':
      return <NetworkPage id={route.id} />;
    case 'session':
      // Terminals are rendered by SessionWorkspace so they survive tab switches.
      return null;
    case 'admin':
      return isAdmin(me) ? <AdminPage section={route.section} /> : <AdminOnly />;
    case 'audit':
      return isAdmin(me) ? <AuditPage /> : <AdminOnly />;
    case 'recordings':
      return <RecordingsPage selectedId={null} />;
    case 'recording':
      return <RecordingsPage selectedId={route.id} />;
    case 'not-found':
      return (
        <EmptyState title="Page not found">
          <p>
            Nothing lives at <code>{route.path}</code>. <Link to="/">Back to the overview</Link>
          </p>
        </EmptyState>
      );
    default: {
      const unexpected: never = route;
      return unexpected;
    }
  }
}
