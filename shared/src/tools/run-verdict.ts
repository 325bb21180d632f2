/**
 * A finished run's verdict: did the tool find what one hoped (ok), something to look at
 * (warning), or a failure (failed)? Read from the parsed result, because the exit code says
 * little: dig exits 0 on NXDOMAIN, a port check exits 0 with every port closed. Shared: the
 * result card shows it, and the server writes it into a session recording's marker.
 */
import type { ToolResult } from './results.js';
import type { RunInfo } from './runs.js';

export type Verdict = 'ok' | 'warning' | 'failed';

export interface RunVerdict {
  verdict: Verdict;
  /** A few words: "resolved", "NXDOMAIN: no such name", "2 of 3 open". */
  summary: string;
}

export function runVerdict(run: RunInfo): RunVerdict | null {
  if (run.state === 'running') return null;
  if (run.endReason === 'deleted') return { verdict: 'warning', summary: 'cancelled' };
  if (run.endReason === 'target-stopped' || run.endReason === 'shutdown' || run.endReason === 'engine-lost') {
    return { verdict: 'failed', summary: 'interrupted' };
  }
  const result = run.result;
  if (result?.problem) return { verdict: 'failed', summary: result.problem };
  const fromResult = result ? resultVerdict(result) : null;
  if (fromResult) return fromResult;
  return run.exitCode === 0 ? { verdict: 'ok', summary: 'completed' } : { verdict: 'failed', summary: `exited with code ${run.exitCode ?? '?'}` };
}

function resultVerdict(result: ToolResult): RunVerdict | null {
  switch (result.kind) {
    case 'dns': {
      if (result.status === undefined) return null;
      if (result.status === 'NOERROR') {
        return result.answers.length > 0
          ? { verdict: 'ok', summary: `resolved (${result.answers.length} ${result.answers.length === 1 ? 'record' : 'records'})` }
          : { verdict: 'warning', summary: 'NOERROR but no records of this type' };
      }
      if (result.status === 'NXDOMAIN') return { verdict: 'failed', summary: 'NXDOMAIN: no such name' };
      return { verdict: 'failed', summary: result.status };
    }
    case 'ping':
      if (result.transmitted === 0) return null;
      if (result.received === 0) return { verdict: 'failed', summary: 'no replies: unreachable' };
      if (result.received < result.transmitted) return { verdict: 'warning', summary: `${result.lossPercent}% packet loss` };
      return { verdict: 'ok', summary: 'reachable, no loss' };
    case 'ports': {
      if (result.entries.length === 0) return null;
      const open = result.entries.filter((entry) => entry.state === 'open').length;
      if (open === result.entries.length) return { verdict: 'ok', summary: open === 1 ? 'open' : `all ${open} open` };
      if (open === 0) return { verdict: 'failed', summary: result.entries.length === 1 ? 'not open' : 'none open' };
      return { verdict: 'warning', summary: `${open} of ${result.entries.length} open` };
    }
    case 'http':
      if (result.httpCode === 0) return { verdict: 'failed', summary: 'no HTTP response' };
      if (result.httpCode >= 500) return { verdict: 'failed', summary: `HTTP ${result.httpCode}` };
      if (result.httpCode >= 400) return { verdict: 'warning', summary: `HTTP ${result.httpCode}` };
      return { verdict: 'ok', summary: `HTTP ${result.httpCode}` };
    case 'mtr': {
      const last = result.hops.at(-1);
      if (!last) return null;
      if (last.lossPercent >= 100) return { verdict: 'failed', summary: 'destination not reached' };
      if (last.lossPercent > 0) return { verdict: 'warning', summary: `${last.lossPercent}% loss at the destination` };
      return { verdict: 'ok', summary: 'destination reached, no loss' };
    }
    case 'throughput':
    case 'sockets':
      return null;
    default: {
      const unexpected: never = result;
      return unexpected;
    }
  }
}
