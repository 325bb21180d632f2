import type { ThroughputInterval, ThroughputResult } from '../results.js';
import { plainText } from './terminal-text.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function totals(sum: unknown): ThroughputResult['sender'] {
  if (!isObject(sum)) return undefined;
  const bytes = num(sum.bytes);
  const bitsPerSecond = num(sum.bits_per_second);
  if (bytes === undefined || bitsPerSecond === undefined) return undefined;
  const retransmits = num(sum.retransmits);
  return { bytes, bitsPerSecond, ...(retransmits !== undefined ? { retransmits: Math.round(retransmits) } : {}) };
}

/**
 * Parses `iperf3 --json` (the client's report): the per-interval sums, sender and receiver
 * totals, and the error iperf3 reports inside the JSON when the test could not run.
 */
export function parseIperf3(output: string): ThroughputResult | undefined {
  const text = plainText(output);
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first < 0 || last < first) return undefined;
  let report: unknown;
  try {
    report = JSON.parse(text.slice(first, last + 1));
  } catch {
    return undefined;
  }
  if (!isObject(report)) return undefined;
  const start = isObject(report.start) ? report.start : {};
  const testStart = isObject(start.test_start) ? start.test_start : {};
  const end = isObject(report.end) ? report.end : {};
  const intervals: ThroughputInterval[] = [];
  for (const interval of Array.isArray(report.intervals) ? report.intervals : []) {
    const sum = isObject(interval) && isObject(interval.sum) ? interval.sum : undefined;
    if (!sum) continue;
    const startSeconds = num(sum.start);
    const endSeconds = num(sum.end);
    const bytes = num(sum.bytes);
    const bitsPerSecond = num(sum.bits_per_second);
    if (startSeconds === undefined || endSeconds === undefined || bytes === undefined || bitsPerSecond === undefined) continue;
    const retransmits = num(sum.retransmits);
    intervals.push({ startSeconds, endSeconds, bytes, bitsPerSecond, ...(retransmits !== undefined ? { retransmits: Math.round(retransmits) } : {}) });
  }
  const sender = totals(end.sum_sent) ?? totals(end.sum);
  const receiver = totals(end.sum_received);
  const protocol = typeof testStart.protocol === 'string' ? testStart.protocol : undefined;
  const problem = typeof report.error === 'string' ? report.error : undefined;
  return {
    kind: 'throughput',
    ...(protocol ? { protocol } : {}),
    reverse: testStart.reverse === 1 || testStart.reverse === true,
    intervals,
    ...(sender ? { sender } : {}),
    ...(receiver ? { receiver } : {}),
    ...(problem ? { problem } : {}),
  };
}
