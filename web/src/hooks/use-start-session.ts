import { ttyUrl } from '@sonde/client';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { useCallback } from 'react';
import { usePendingAction } from '../components/use-pending-action';
import { routePath } from '../routing/routes';
import { useNavigate } from '../routing/RouterContext';
import { openEarlySocket } from '../terminal/early-sockets';
import { useConsoleData } from './use-console-data';
import { useReportError } from './use-report-error';

export interface StartSession {
  start(target: TargetRequest): void;
  /**
   * Like start, for a caller that shows the failure itself, beside its button (a refusal that
   * explains the policy): rejects with it instead of reporting it to the error banner.
   */
  open(target: TargetRequest): Promise<void>;
  /** A start is in flight (starting a toolbox can take seconds); buttons should wait. */
  pending: boolean;
}

/**
 * The new session's terminal socket opens as soon as the server answered, before the page renders
 * the new list and switches to the session: the handshake and its prompt travel meanwhile.
 */
function openSocket(session: SessionInfo): void {
  openEarlySocket(ttyUrl(session.ttyPath, window.location));
}

/** Opens a terminal session on `target` and switches to its tab; failures go to the error banner. */
export function useStartSession(): StartSession {
  const data = useConsoleData();
  const navigate = useNavigate();
  const report = useReportError();
  const action = usePendingAction({ onError: (error) => report('Could not open a shell', error) });
  const show = useCallback((session: SessionInfo) => navigate(routePath({ page: 'session', id: session.id })), [navigate]);
  const { run } = action;
  const start = useCallback(
    (target: TargetRequest) => run(() => data.sessions.create(target, openSocket), show),
    [data, show, run],
  );
  const open = useCallback(
    async (target: TargetRequest) => {
      show(await data.sessions.create(target, openSocket));
    },
    [data, show],
  );
  return { start, open, pending: action.pending };
}
