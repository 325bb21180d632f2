import type { RunInfo, ToolInfo } from '@sonde/shared';
import { Time } from '../../components/Time';
import { runTitle } from './run-labels';
import { RunBadge } from './RunBadge';

interface RunHistoryProps {
  runs: readonly RunInfo[];
  tools: ReadonlyMap<string, ToolInfo>;
  selectedId: string | null;
  onSelect(id: string): void;
}

/** Runs started here, newest first; the server keeps ended ones (with results) for ten minutes. */
export function RunHistory({ runs, tools, selectedId, onSelect }: RunHistoryProps) {
  if (runs.length === 0) return null;
  return (
    <ul className="run-history" aria-label="Recent runs">
      {runs.map((run) => {
        return (
          <li key={run.id}>
            <button
              type="button"
              className="run-history-item"
              aria-current={run.id === selectedId || undefined}
              data-testid="run-history-item"
              data-run-id={run.id}
              onClick={() => onSelect(run.id)}
            >
              <span className="run-history-title">{runTitle(run, tools.get(run.tool)?.title)}</span>
              <RunBadge run={run} />
              <span className="muted run-history-time"><Time iso={run.createdAt} /></span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
