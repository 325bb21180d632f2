/**
 * A finished run as a verdict and a few lines of text: what `sonde run` prints and what a
 * script's exit code follows. Pure, so the rules are tested without a server.
 */
import type { ResolvedTarget, RunInfo, ToolResult } from '@sonde/shared';

export interface RunVerdict {
  ok: boolean;
  /** Why, in a few words: "NOERROR, 1 answer", "100% packet loss", "exit 2". */
  summary: string;
}

/**
 * ok means the tool answered what was asked: it exited 0 by itself (not cut at its limit,
 * cancelled or stopped), and its parsed result agrees (DNS NOERROR, a ping reply, an HTTP
 * status below 400, no closed port).
 */
export function runVerdict(run: RunInfo): RunVerdict {
  if (run.state !== 'exited') return { ok: false, summary: 'still running' };
  if (run.endReason && run.endReason !== 'exited' && run.endReason !== 'limit') return { ok: false, summary: `ended: ${run.endReason}` };
  const result = run.result;
  if (result?.problem) return { ok: false, summary: result.problem };
  const fromResult = result ? resultVerdict(result) : undefined;
  if (fromResult && !fromResult.ok) return fromResult;
  if (run.limitReached && !fromResult) return { ok: false, summary: `stopped at its ${run.limitSeconds} s limit` };
  if (run.exitCode !== 0 && !(run.limitReached && fromResult?.ok)) return { ok: false, summary: fromResult ? `${fromResult.summary}, exit ${run.exitCode ?? '?'}` : `exit ${run.exitCode ?? '?'}` };
  return fromResult ?? { ok: true, summary: 'exit 0' };
}

function resultVerdict(result: ToolResult): RunVerdict | undefined {
  switch (result.kind) {
    case 'dns': {
      const status = result.status ?? 'no answer';
      const answers = `${result.answers.length} answer${result.answers.length === 1 ? '' : 's'}`;
      return { ok: status === 'NOERROR', summary: `${status}, ${answers}` };
    }
    case 'ping':
      return { ok: result.received > 0, summary: `${result.received}/${result.transmitted} replies, ${result.lossPercent}% loss` };
    case 'http':
      return { ok: result.httpCode >= 200 && result.httpCode < 400, summary: result.httpCode === 0 ? 'no response' : `HTTP ${result.httpCode}` };
    case 'ports': {
      const open = result.entries.filter((e) => e.state === 'open').length;
      return { ok: result.entries.length > 0 && open === result.entries.length, summary: `${open}/${result.entries.length} open` };
    }
    case 'mtr':
    case 'throughput':
    case 'sockets':
      return undefined;
    default: {
      const unexpected: never = result;
      return unexpected;
    }
  }
}

export function describeTarget(target: ResolvedTarget): string {
  switch (target.kind) {
    case 'container':
      return `container ${target.containerName}`;
    case 'network':
      return `network ${target.networkName}`;
    case 'network-namespace':
      return `namespace of network ${target.networkName}`;
    case 'host':
      return `host of engine ${target.engine}`;
    case 'pod':
      return `pod ${target.namespace}/${target.pod}`;
    case 'node':
      return `node ${target.node}`;
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}

/** The result card as plain text lines (no colour: it goes to logs and pipes). */
export function runCardLines(run: RunInfo): string[] {
  const verdict = runVerdict(run);
  const lines = [`${run.tool} on ${describeTarget(run.target)}: ${verdict.ok ? 'ok' : 'FAILED'} (${verdict.summary})`, `  command: ${run.argv.join(' ')}`];
  const result = run.result;
  if (!result) return lines;
  switch (result.kind) {
    case 'dns':
      if (result.question) lines.push(`  question: ${result.question.name} ${result.question.type}`);
      for (const a of result.answers) lines.push(`  answer: ${a.name} ${a.ttl} ${a.class} ${a.type} ${a.data}`);
      if (result.server) lines.push(`  server: ${result.server}`);
      if (result.queryTimeMs !== undefined) lines.push(`  query time: ${result.queryTimeMs} ms`);
      break;
    case 'ping':
      lines.push(`  ${result.host}${result.address ? ` (${result.address})` : ''}: ${result.received}/${result.transmitted} received, ${result.lossPercent}% loss`);
      if (result.rtt) lines.push(`  rtt min/avg/max: ${result.rtt.minMs}/${result.rtt.avgMs}/${result.rtt.maxMs} ms`);
      break;
    case 'http':
      if (result.statusLine) lines.push(`  ${result.statusLine}`);
      lines.push(`  total ${result.timings.totalMs} ms, first byte ${result.timings.firstByteMs} ms, ${result.bytes} bytes, ${result.redirects} redirects`);
      break;
    case 'ports':
      for (const e of result.entries) lines.push(`  ${e.host}:${e.port}/${e.protocol} ${e.state}${e.service ? ` ${e.service}` : ''}`);
      break;
    case 'mtr':
      for (const h of result.hops) lines.push(`  ${h.hop}. ${h.host} loss ${h.lossPercent}% avg ${h.avgMs} ms`);
      break;
    case 'throughput':
    case 'sockets':
      lines.push(`  ${JSON.stringify(result)}`);
      break;
    default: {
      const unexpected: never = result;
      return unexpected;
    }
  }
  return lines;
}
