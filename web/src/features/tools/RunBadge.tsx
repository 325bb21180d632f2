import { runVerdict, type RunInfo, type Verdict } from '@sonde/shared';
import { Badge, type Tone } from '../../components/Badge';
import { runStatus } from './run-labels';

const VERDICT_TONE: Record<Verdict, Tone> = { ok: 'ok', warning: 'warn', failed: 'danger' };

/**
 * A run's state as a badge: the verdict once it has ended (ok / warning / failed, with why on
 * hover), then the exit code, secondary. While running, or stopped from outside, its status.
 */
export function RunBadge({ run }: { run: RunInfo }) {
  const verdict = runVerdict(run);
  const status = runStatus(run);
  if (!verdict || run.limitReached) return <Badge tone={status.tone}>{status.label}</Badge>;
  return (
    <span className="run-badge" data-testid="run-verdict" data-verdict={verdict.verdict}>
      <Badge tone={VERDICT_TONE[verdict.verdict]} title={verdict.summary}>
        {verdict.verdict}
      </Badge>
      {run.exitCode !== null && run.exitCode >= 0 && <span className="run-exit">exit {run.exitCode}</span>}
    </span>
  );
}
