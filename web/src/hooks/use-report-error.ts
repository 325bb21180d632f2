/** Failed user actions go to the error banner at the top of the console through this context. */
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { BannerMessage } from '../components/ErrorBanner';
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

/** What the banner shows, and how to dismiss an entry. */
export function useErrorReportList(): { messages: readonly BannerMessage[]; dismiss(id: number): void } {
  const reports = useErrorReports();
  const messages = useSyncExternalStore(reports.subscribe, reports.getSnapshot);
  return { messages, dismiss: useCallback((id: number) => reports.dismiss(id), [reports]) };
}
