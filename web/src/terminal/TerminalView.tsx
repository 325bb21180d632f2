import type { RunInfo } from '@sonde/shared';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { TerminalBinding } from './terminal-binding';
import { TerminalSearch } from './TerminalSearch';
import { ttyUrl, type TtyConnection, type TtyState } from '@sonde/client';
import { useColorScheme } from '../components/use-color-scheme';
import { TouchKeyRow, useCoarsePointer } from './TouchKeyRow';

interface TerminalViewProps {
  sessionId: string;
  ttyPath: string;
  /** The visible tab: a shell's view is focused when it becomes active. Hidden views stay mounted and connected. */
  active: boolean;
  searchOpen: boolean;
  onSearchOpenChange(open: boolean): void;
  onStateChange(sessionId: string, state: TtyState): void;
  /** Resolves false when the server no longer has this session (see TtyConnectionOptions). */
  confirmSession(sessionId: string): Promise<boolean>;
  /** `run`: a tool run's read-only output (see TerminalBindingOptions.kind). */
  kind?: 'session' | 'run';
  /** The view's connection while it lives (null once it is gone), for presence and hand-over. */
  onConnection?(connection: TtyConnection | null): void;
  /** A tool run's record as the server pushes it (kind `run`): its state, then its result. */
  onRun?(run: RunInfo): void;
  /** Subprotocols to offer (an embed page's token); fixed for the view's life. */
  protocols?: readonly string[];
}

/** Thin React host for a TerminalBinding; all terminal and socket logic lives in the binding. */
export function TerminalView({
  sessionId,
  ttyPath,
  active,
  searchOpen,
  onSearchOpenChange,
  onStateChange,
  confirmSession,
  kind = 'session',
  onConnection,
  onRun,
  protocols,
}: TerminalViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [binding, setBinding] = useState<TerminalBinding | null>(null);
  const [state, setState] = useState<TtyState>({ kind: 'connecting' });
  const coarse = useCoarsePointer();
  const { scheme } = useColorScheme();
  // Read at creation only; the effect below follows changes without rebuilding the binding.
  const schemeAtCreation = useRef(scheme);
  schemeAtCreation.current = scheme;

  // Callbacks change identity on every parent render; the binding must not be rebuilt for that.
  const callbacks = useRef({ onSearchOpenChange, onStateChange, confirmSession, onConnection, onRun });
  callbacks.current = { onSearchOpenChange, onStateChange, confirmSession, onConnection, onRun };
  // Read once, when the binding is made: a credential does not change under a live socket.
  const initialProtocols = useRef(protocols);

  // A layout effect: the terminal opens (and writes what its socket already holds) before the
  // browser paints the page that mounted it, one frame and one layout sooner than an effect would.
  useLayoutEffect(() => {
    const element = hostRef.current;
    if (!element) return;
    const created = new TerminalBinding({
      element,
      url: ttyUrl(ttyPath, window.location),
      onState: (next) => {
        setState(next);
        callbacks.current.onStateChange(sessionId, next);
      },
      onFindRequest: () => callbacks.current.onSearchOpenChange(true),
      confirmSession: () => callbacks.current.confirmSession(sessionId),
      kind,
      ...(initialProtocols.current ? { protocols: initialProtocols.current } : {}),
      scheme: schemeAtCreation.current,
    });
    setBinding(created);
    callbacks.current.onConnection?.(created.connection);
    const offRun = created.connection.events.on('run', (run) => callbacks.current.onRun?.(run));
    return () => {
      offRun.dispose();
      callbacks.current.onConnection?.(null);
      created.dispose();
      setBinding(null);
    };
  }, [sessionId, ttyPath, kind]);

  useEffect(() => {
    binding?.setScheme(scheme);
  }, [binding, scheme]);

  useEffect(() => {
    // A tool run's output has no keyboard: focusing it would take the keys from the shell beside
    // it (a run in a session's drawer) and switch off the app's shortcuts (a container page's runs).
    if (active && kind === 'session' && !searchOpen) binding?.focus();
  }, [active, binding, searchOpen, kind]);

  return (
    <div className="terminal-view" data-testid="terminal" data-kind={kind} data-session-id={sessionId} data-state={state.kind}>
      {searchOpen && binding && (
        <TerminalSearch
          onFindNext={(query, options) => binding.findNext(query, options)}
          onFindPrevious={(query, options) => binding.findPrevious(query, options)}
          onClose={() => {
            binding.clearSearch();
            onSearchOpenChange(false);
            binding.focus();
          }}
        />
      )}
      <div className="terminal-frame">
        <div ref={hostRef} className="terminal-host" />
      </div>
      {coarse && kind === 'session' && binding && <TouchKeyRow binding={binding} />}
    </div>
  );
}
