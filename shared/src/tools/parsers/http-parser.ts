import type { HttpPhase, HttpResult } from '../results.js';
import { decimal, plainLines } from './terminal-text.js';

/**
 * The block curl prints after the transfer (`-w`), one `key value` per line. The parser reads
 * only what follows the last marker: response headers come before it and a server cannot
 * write after it.
 */
export const CURL_TIMING_MARKER = '--- sonde timing (seconds) ---';
export const CURL_WRITE_OUT = [
  '',
  CURL_TIMING_MARKER,
  'status      %{http_code}',
  'remote      %{remote_ip}:%{remote_port}',
  'dns         %{time_namelookup}',
  'connect     %{time_connect}',
  'tls         %{time_appconnect}',
  'pretransfer %{time_pretransfer}',
  'first_byte  %{time_starttransfer}',
  'total       %{time_total}',
  'redirects   %{num_redirects}',
  'bytes       %{size_download}',
  '',
].join('\n');

const ms = (seconds: number) => Math.round(seconds * 1_000_000) / 1000;

export function parseCurl(output: string): HttpResult | undefined {
  const lines = plainLines(output);
  const marker = lines.lastIndexOf(CURL_TIMING_MARKER);
  let problem: string | undefined;
  for (const line of marker >= 0 ? lines.slice(0, marker) : lines) {
    const m = /^curl: \(\d+\) (.+)$/.exec(line);
    if (m) problem = m[1]!.trim();
  }
  if (marker < 0) return problem ? emptyResult(problem) : undefined;
  const values = new Map<string, string>();
  for (const line of lines.slice(marker + 1)) {
    const m = /^([a-z_]+)\s+(\S*)\s*$/.exec(line);
    if (m) values.set(m[1]!, m[2]!);
  }
  const seconds = (key: string) => decimal(values.get(key)) ?? 0;
  const dns = seconds('dns');
  const connect = seconds('connect');
  const tls = seconds('tls');
  const pretransfer = seconds('pretransfer');
  const firstByte = seconds('first_byte');
  const total = seconds('total');
  let statusLine: string | undefined;
  for (const line of lines.slice(0, marker)) if (/^HTTP\/[\d.]+ \d{3}/.test(line)) statusLine = line.trim();
  const httpCode = Number(values.get('status') ?? '0') || 0;
  const remote = values.get('remote');

  // Consecutive phases; one curl did not reach (or TLS on plain http) reports 0 and is skipped.
  const points: [HttpPhase['name'], number][] = [
    ['dns', dns],
    ['connect', connect],
    ['tls', tls],
    ['wait', firstByte],
    ['transfer', total],
  ];
  const phases: HttpPhase[] = [];
  let previous = 0;
  for (const [name, at] of points) {
    if (at <= 0) continue;
    const end = Math.max(at, previous);
    phases.push({ name, ms: ms(end - previous) });
    previous = end;
  }
  return {
    kind: 'http',
    ...(statusLine ? { statusLine } : {}),
    httpCode,
    ...(remote && remote !== ':0' ? { remote } : {}),
    timings: {
      dnsMs: ms(dns),
      connectMs: ms(connect),
      tlsMs: ms(tls),
      firstByteMs: ms(firstByte || pretransfer),
      totalMs: ms(total),
    },
    phases,
    redirects: Number(values.get('redirects') ?? '0') || 0,
    bytes: Number(values.get('bytes') ?? '0') || 0,
    ...(problem ? { problem } : {}),
  };
}

function emptyResult(problem: string): HttpResult {
  return {
    kind: 'http',
    httpCode: 0,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
    phases: [],
    redirects: 0,
    bytes: 0,
    problem,
  };
}
