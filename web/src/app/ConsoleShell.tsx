import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client';
import { ConsoleDataContext } from '../api/console-context';
import { ConsoleData } from '../api/console-data';
import { EmptyState } from '../components/EmptyState';
import { ContainerPage } from '../features/containers/ContainerPage';
import { ErrorReports } from '../features/errors/error-reports';
import { ErrorBannerHost, ErrorReportsContext, useReportError } from '../features/errors/ErrorReportsContext';
import { NetworkPage } from '../features/networks/NetworkPage';
import { OverviewPage } from '../features/overview/OverviewPage';
import { SessionWorkspace } from '../features/sessions/SessionWorkspace';
import { StatusBar } from '../features/status/StatusBar';
import type { Route } from '../routing/routes';
import { Link, useRoute } from '../routing/RouterContext';
import { Sidebar } from './Sidebar';

interface ConsoleShellProps {
  client: ApiClient;
  via: string;
  onSignOut(): Promise<void>;
}

/**
 * The signed-in console. Owns the ConsoleData of this login: created on mount, disposed on
 * logout, which closes the event stream (terminals close as their views unmount).
 */
export function ConsoleShell({ client, via, onSignOut }: ConsoleShellProps) {
  const [data, setData] = useState<ConsoleData | null>(null);
  const [reports] = useState(() => new ErrorReports());

  useEffect(() => {
    const created = new ConsoleData(client);
    created.start();
    setData(created);
    return () => created.dispose();
  }, [client]);

  if (!data) return null;
  return (
    <ConsoleDataContext value={data}>
      <ErrorReportsContext value={reports}>
        <ConsoleLayout via={via} onSignOut={onSignOut} />
      </ErrorReportsContext>
    </ConsoleDataContext>
  );
}

function ConsoleLayout({ via, onSignOut }: { via: string; onSignOut(): Promise<void> }) {
  const route = useRoute();
  const report = useReportError();
  return (
    <div className="console">
      <Sidebar route={route} onSignOut={() => void onSignOut().catch((error: unknown) => report('Could not log out', error))} />
      <main className="main">
        <ErrorBannerHost />
        <SessionWorkspace route={route}>
          <RoutedPage route={route} />
        </SessionWorkspace>
      </main>
      <StatusBar via={via} />
    </div>
  );
}

function RoutedPage({ route }: { route: Route }) {
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
