import { isIPv4, type DnsOutcome, type FpingResult, type IcmpOutcome, type TcpOutcome } from '@sonde/shared';
import { dnsAnswer } from './doctor-findings.js';
import type { ProbeOutput } from './probe-output.js';

/**
 * Whether one namespace reaches others, in words: the probes (one fping for many addresses, one
 * nmap connect scan for many hosts sharing a port list, one dig for many names) and how their
 * answers read. The matrix asks this of every pair; the doctor of its target and one peer.
 */

export const PING_WAIT_SECONDS = 1;
/** One more echo after a lost one, so a single dropped packet does not mark a pair blocked. */
export const PING_RETRIES = 1;
/** nmap gives up on a destination after this long (all of its ports filtered, say). */
export const SCAN_HOST_TIMEOUT_SECONDS = 20;
/** dig waits this long per nameserver (+time), once (+tries=1). */
export const DNS_WAIT_SECONDS = 2;

export function fpingArgv(addresses: readonly string[]): string[] {
  return ['fping', '-e', '-r', String(PING_RETRIES), '-B', '1', '-t', String(PING_WAIT_SECONDS * 1000), ...addresses];
}

/** How long fping may run: every try's wait plus room to start. */
export const FPING_TIMEOUT_MS = (PING_WAIT_SECONDS * (PING_RETRIES + 1) + 3) * 1000;

export function nmapArgv(ports: readonly number[], addresses: readonly string[]): string[] {
  return ['nmap', '-n', '-Pn', '-sT', '--reason', '--max-retries', '1', '--host-timeout', `${SCAN_HOST_TIMEOUT_SECONDS}s`, '-p', ports.join(','), ...addresses];
}

export const NMAP_TIMEOUT_MS = (SCAN_HOST_TIMEOUT_SECONDS + 10) * 1000;

/** One dig for every name (+qr marks where each query starts, so the answers can be split). */
export function digArgv(names: readonly string[]): string[] {
  return ['dig', '+qr', '+search', `+time=${DNS_WAIT_SECONDS}`, '+tries=1', ...names.flatMap((name) => [name, 'A'])];
}

export const digTimeoutMs = (names: number): number => (DNS_WAIT_SECONDS * names + 3) * 1000;

/** fping's verdict on one destination, in words. */
export function icmpOutcome(result: FpingResult | undefined, killed: boolean): IcmpOutcome {
  if (result?.alive) return { ok: true, ...(result.ms !== undefined ? { ms: result.ms } : {}) };
  const error = result?.error ?? '';
  if (/Network is unreachable|No route to host|Net Unreachable/i.test(error)) return { ok: false, reason: 'no route' };
  if (/Host Unreachable/i.test(error)) return { ok: false, reason: 'unreachable (no ARP answer)' };
  if (/Prohibited|Filtered/i.test(error)) return { ok: false, reason: 'refused by a firewall (ICMP prohibited)' };
  if (error) return { ok: false, reason: error };
  if (!result) return { ok: false, reason: killed ? 'timeout (the probe was killed at its limit)' : 'no answer from fping' };
  return { ok: false, reason: `timeout (no reply within ${PING_WAIT_SECONDS} s, ${PING_RETRIES + 1} tries)` };
}

/** nmap's states for a destination's ports, in its port order; a port nmap did not report is filtered. */
export function tcpOutcomes(scanned: TcpOutcome[] | undefined, ports: readonly number[]): TcpOutcome[] {
  return ports.map((port) => scanned?.find((p) => p.port === port) ?? { port, state: 'filtered' as const, reason: scanned ? 'not reported by the scan' : 'timeout (the scan gave up on the host)' });
}

/** `dig +search name A` from the source: resolves, and to the destination's address on this network. */
export function dnsOutcome(out: ProbeOutput, expected: string | undefined): DnsOutcome {
  const answer = dnsAnswer(out);
  if (!answer.answered) return { ok: false, reason: `DNS failure: ${answer.reason}` };
  if (answer.status !== 'NOERROR') return { ok: false, reason: `DNS failure: ${answer.status}` };
  const addresses = answer.addresses.filter(isIPv4);
  if (addresses.length === 0) return { ok: false, reason: 'DNS failure: no address in the answer' };
  if (expected && !addresses.includes(expected)) return { ok: false, addresses, reason: `resolves to ${addresses.join(', ')}, not its address ${expected} on this network` };
  return { ok: true, addresses };
}

/** A TCP port's outcome as a person reads it: `80 open`, `8080 closed (refused)`. */
export function describeTcp(outcome: TcpOutcome): string {
  return `${outcome.port} ${outcome.state}${outcome.reason ? ` (${outcome.reason})` : ''}`;
}
