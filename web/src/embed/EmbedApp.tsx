import { isSondeApiError, type SondeClient } from '@sonde/client';
import { EMBED_PROTOCOL_PREFIX, TERMINAL_PROTOCOL, TOOLS, toolInfo, type RunInfo, type SessionInfo } from '@sonde/shared';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ResultCard } from '../features/tools/results/ResultCard';
import { TerminalView } from '../terminal/TerminalView';
import type { EmbedView } from './embed-location';

/**
 * An embed page: only the terminal (a session, or a container's shell) or a run's result card,
 * with nothing of the console around it. It knows one credential, the embed token, and reaches
 * only what that token opens; when the token ends, the terminal says why and stays on screen.
 */

type Loaded = { kind: 'terminal'; session: SessionInfo } | { kind: 'run'; run: RunInfo };
type State = { kind: 'loading' } | { kind: 'failed'; message: string } | Loaded;

const noSearch = () => undefined;

export function EmbedApp({ view, token, client }: { view: EmbedView | null; token: string | null; client: SondeClient | null }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const protocols = useMemo(() => (token ? [TERMINAL_PROTOCOL, `${EMBED_PROTOCOL_PREFIX}${token}`] : []), [token]);

  useEffect(() => {
    if (!view || !client) {
      setState({ kind: 'failed', message: !view ? 'This is not an embed address.' : 'This embed has no token: the dashboard must frame the URL Sonde gave it, with its #token=…' });
      return;
    }
    let live = true;
    const load = async (): Promise<Loaded> => {
      if (view.kind === 'container') return { kind: 'terminal', session: await client.openEmbedShell() };
      const info = await client.embed();
      if (view.kind === 'session' && info.session?.id === view.id) return { kind: 'terminal', session: info.session };
      if (view.kind === 'run' && info.run?.id === view.id) return { kind: 'run', run: info.run };
      throw new Error('This embed token was made for another view.');
    };
    load().then(
      (loaded) => live && setState(loaded),
      (error: unknown) => live && setState({ kind: 'failed', message: describe(error) }),
    );
    return () => {
      live = false;
    };
  }, [view, client]);

  const onRun = useCallback((run: RunInfo) => setState((current) => (current.kind === 'run' ? { kind: 'run', run } : current)), []);
  // A refused reconnect looks like a lost network to a browser: ask whether the token still
  // opens anything, and stop retrying once it does not (expired, revoked).
  const stays = useCallback(async () => {
    if (!client) return false;
    try {
      await client.embed();
      return true;
    } catch (error) {
      return !(isSondeApiError(error, 401) || isSondeApiError(error, 403));
    }
  }, [client]);

  switch (state.kind) {
    case 'loading':
      return <main className="embed-message" aria-busy="true" />;
    case 'failed':
      return (
        <main className="embed-message" role="alert" data-testid="embed-error">
          {state.message}
        </main>
      );
    case 'terminal':
      return (
        <main className="embed-terminal">
          <TerminalView
            sessionId={state.session.id}
            ttyPath={state.session.ttyPath}
            active
            searchOpen={false}
            onSearchOpenChange={noSearch}
            onStateChange={noSearch}
            confirmSession={stays}
            protocols={protocols}
          />
        </main>
      );
    case 'run': {
      const definition = TOOLS.find((t) => t.id === state.run.tool);
      return (
        <main className="embed-run" data-testid="embed-run" data-state={state.run.state}>
          <ResultCard run={state.run} tool={definition ? toolInfo(definition) : undefined} />
          <div className="run-output" data-testid="run-output">
            <TerminalView
              sessionId={state.run.id}
              ttyPath={state.run.ttyPath}
              active={false}
              searchOpen={false}
              onSearchOpenChange={noSearch}
              onStateChange={noSearch}
              confirmSession={stays}
              kind="run"
              onRun={onRun}
              protocols={protocols}
            />
          </div>
        </main>
      );
    }
    default: {
      const unexpected: never = state;
      return unexpected;
    }
  }
}

function describe(error: unknown): string {
  if (isSondeApiError(error)) {
    switch (error.code) {
      case 'EMBED_EXPIRED':
        return 'This embed has expired; reload the dashboard for a new one.';
      case 'EMBED_REVOKED':
        return 'This embed was revoked.';
      case 'UNAUTHORIZED':
        return 'This embed token is not valid.';
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}
