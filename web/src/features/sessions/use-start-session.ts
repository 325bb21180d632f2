import type { TargetRequest } from '@sonde/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useConsoleData } from '../../api/console-context';
import { routePath } from '../../routing/routes';
import { useNavigate } from '../../routing/RouterContext';
import { useReportError } from '../errors/ErrorReportsContext';

export interface StartSession {
  start(target: TargetRequest): void;
  /** A start is in flight (starting a toolbox can take seconds); buttons should wait. */
  pending: boolean;
}

/** Opens a terminal session on `target` and switches to its tab; failures go to the error banner. */
export function useStartSession(): StartSession {
  const data = useConsoleData();
  const navigate = useNavigate();
  const report = useReportError();
  const [pending, setPending] = useState(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const start = useCallback(
    (target: TargetRequest) => {
      setPending(true);
      data
        .createSession(target)
        .then((session) => navigate(routePath({ page: 'session', id: session.id })))
        .catch((error: unknown) => report('Could not open a shell', error))
        .finally(() => {
          if (mounted.current) setPending(false);
        });
    },
    [data, navigate, report],
  );

  return { start, pending };
}
