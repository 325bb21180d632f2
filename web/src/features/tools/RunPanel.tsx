import type { RunInfo, ToolInfo } from '@sonde/shared';
import { useCallback, useEffect, useRef } from 'react';
import { Badge } from '../../components/Badge';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { useReportError } from '../../hooks/use-report-error';
import { TerminalView } from '../../terminal/TerminalView';
import type { TtyState } from '@sonde/client';
import { ResultCard } from './results/ResultCard';
import { runTitle } from './run-labels';
import { RunBadge } from './RunBadge';

const ENDED = new Set<TtyState['kind']>(['exited', 'closed', 'error']);

/** One run: its raw output in a read-only terminal and, beside it, the readable result. */
export function RunPanel({ run, tool, reveal = false, onClose }: { run: RunInfo; tool: ToolInfo | undefined; reveal?: boolean; onClose(): void }) {
  const panelRef = useRef<HTMLElement>(null);
  const data = useConsoleData();
  const report = useReportError();
  const cancelling = usePendingAction({ onError: (error) => report('Could not cancel the run', error) });
  const running = run.state === 'running';

  // The run's state and result arrive on its socket (a `run` message on attach and at its end):
  // nothing polls. Only a socket that ended without one (refused, lost) asks the server once.
  const pushed = useRef(false);
  const onRun = useCallback(
    (record: RunInfo) => {
      if (record.state === 'exited') pushed.current = true;
      data.runs.received(record);
    },
    [data],
  );
  const onStateChange = useCallback(
    (_id: string, state: TtyState) => {
      if (ENDED.has(state.kind) && !pushed.current) void data.runs.refresh(run.id).catch(() => undefined);
    },
    [data, run.id],
  );
  const confirmRun = useCallback((id: string) => data.runs.exists(id), [data]);

  // A run just started here is brought into view, and its result again when it arrives (the
  // form above can push both below the fold, in a narrow panel most of all). A run merely listed
  // (the page opened on an older one) does not move the page.
  useEffect(() => {
    if (!reveal) return;
    const panel = panelRef.current;
    const target = running ? panel : (panel?.querySelector('[data-testid="result-card"]') ?? panel);
    target?.scrollIntoView({ block: 'nearest' });
  }, [reveal, running]);

  const cancel = () => cancelling.run(() => data.runs.cancel(run.id));

  return (
    <section ref={panelRef} className="run-panel" aria-label={runTitle(run, tool?.title)} data-testid="run-panel" data-run-id={run.id} data-state={run.state}>
      <header className="run-header">
        <h3 className="run-title">{runTitle(run, tool?.title)}</h3>
        <RunBadge run={run} />
        {run.peer && (
          <span className="muted">
            {run.peer.role} in {run.peer.containerName} ({run.peer.address})
          </span>
        )}
        <span className="run-actions">
          {running && (
            <button type="button" className="button button-secondary button-small" disabled={cancelling.pending} onClick={cancel}>
              {cancelling.pending ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button type="button" className="button button-ghost button-small" onClick={onClose}>
            Hide
          </button>
        </span>
      </header>
      <code className="run-argv mono" title="The argv the toolbox ran (no shell)">
        {run.argv.join(' ')}
      </code>
      <div className="run-body">
        <div className="run-output" data-testid="run-output">
          <TerminalView
            sessionId={run.id}
            ttyPath={run.ttyPath}
            active
            searchOpen={false}
            onSearchOpenChange={() => undefined}
            onStateChange={onStateChange}
            confirmSession={confirmRun}
            kind="run"
            onRun={onRun}
          />
        </div>
        <ResultCard run={run} tool={tool} />
      </div>
    </section>
  );
}
