import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { ErrorReports } from './error-reports';

export const ErrorReportsContext = createContext<ErrorReports | null>(null);

function useErrorReports(): ErrorReports {
  const reports = useContext(ErrorReportsContext);
  if (!reports) throw new Error('useReportError must be used inside <ErrorReportsContext>');
  return reports;
}

/** `report(title, error)`: shows a failed action in the error banner. */
export function useReportError(): ErrorReports['report'] {
  const reports = useErrorReports();
  return useCallback((title, error) => reports.report(title, error), [reports]);
}

export function ErrorBannerHost() {
  const reports = useErrorReports();
  const messages = useSyncExternalStore(reports.subscribe, reports.getSnapshot);
  return <ErrorBanner messages={messages} onDismiss={(id) => reports.dismiss(id)} />;
}
