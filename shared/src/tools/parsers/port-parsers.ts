import type { PortEntry, PortState, PortsResult } from '../results.js';
import { plainLines } from './terminal-text.js';

type Protocol = 'tcp' | 'udp';

/**
 * Parses OpenBSD netcat's `-vz` lines. Ports it printed nothing about are filled in from the
 * request: for UDP silence means an ICMP port-unreachable came back (closed); nc cannot tell
 * an open UDP port from a filtered one, so "succeeded" there means open|filtered.
 */
export function parsePortCheck(output: string, request: { host: string; ports: readonly number[]; protocol: Protocol }): PortsResult | undefined {
  const found = new Map<number, PortEntry>();
  let problem: string | undefined;
  const host = '(\\S+)(?: \\(([^)]+)\\))?';
  const succeeded = new RegExp(`^Connection to ${host} (\\d+) port \\[(tcp|udp)/([^\\]]*)\\] succeeded!`);
  const failed = new RegExp(`^nc: connect to ${host} port (\\d+) \\((tcp|udp)\\) (failed|timed out): (.+)$`);
  for (const line of plainLines(output)) {
    let m: RegExpExecArray | null;
    if ((m = succeeded.exec(line))) {
      const protocol = m[4] as Protocol;
      found.set(Number(m[3]), {
        host: m[1]!,
        ...(m[2] ? { address: m[2] } : {}),
        port: Number(m[3]),
        protocol,
        state: protocol === 'udp' ? 'open|filtered' : 'open',
        ...(m[5] && m[5] !== '*' ? { service: m[5] } : {}),
      });
    } else if ((m = failed.exec(line))) {
      const reason = m[6]!.trim();
      const refused = /refused/i.test(reason);
      found.set(Number(m[3]), {
        host: m[1]!,
        ...(m[2] ? { address: m[2] } : {}),
        port: Number(m[3]),
        protocol: m[4] as Protocol,
        state: refused ? 'closed' : 'filtered',
        ...(refused ? {} : { detail: m[5] === 'timed out' ? 'timed out' : reason }),
      });
    } else if ((m = /^nc: getaddrinfo(?: for host "[^"]*")?(?: port \d+)?: (.+)$/.exec(line))) {
      problem ??= m[1]!.trim();
    }
  }
  if (found.size === 0 && problem === undefined && request.protocol === 'tcp') return undefined;
  const entries: PortEntry[] = request.ports.map(
    (port) =>
      found.get(port) ?? {
        host: request.host,
        port,
        protocol: request.protocol,
        state: problem ? 'unknown' : request.protocol === 'udp' ? 'closed' : 'unknown',
      },
  );
  return { kind: 'ports', entries, notes: [], ...(problem ? { problem } : {}) };
}

const NMAP_STATES = new Set<PortState>(['open', 'closed', 'filtered', 'open|filtered', 'closed|filtered', 'unfiltered']);

/** Parses nmap's normal output: one block per host, a PORT STATE SERVICE table in each. */
export function parseNmap(output: string): PortsResult | undefined {
  const entries: PortEntry[] = [];
  const notes: string[] = [];
  let host: { name: string; address?: string } | undefined;
  let sawReport = false;
  let problem: string | undefined;
  for (const line of plainLines(output)) {
    let m: RegExpExecArray | null;
    if ((m = /^Nmap scan report for (\S+)(?: \(([^)]+)\))?/.exec(line))) {
      sawReport = true;
      host = { name: m[1]!, ...(m[2] ? { address: m[2] } : {}) };
    } else if (host && (m = /^(\d+)\/(tcp|udp)\s+(\S+)\s*(\S*)/.exec(line))) {
      const state = m[3] as PortState;
      entries.push({
        host: host.name,
        ...(host.address ? { address: host.address } : {}),
        port: Number(m[1]),
        protocol: m[2] as Protocol,
        state: NMAP_STATES.has(state) ? state : 'unknown',
        ...(m[4] && m[4] !== 'unknown' ? { service: m[4] } : {}),
      });
    } else if (host && (m = /^(?:Not shown|All \d+ scanned ports).*$/.exec(line))) {
      notes.push(`${host.name}: ${m[0].trim()}`);
    } else if ((m = /^Nmap done: .*\((\d+) hosts? up\)/.exec(line))) {
      if (m[1] === '0') problem = 'no host answered (Nmap done: 0 hosts up)';
    } else if ((m = /^Failed to resolve "([^"]+)"/.exec(line))) {
      problem ??= `cannot resolve ${m[1]}`;
    }
  }
  if (!sawReport && problem === undefined) return undefined;
  return { kind: 'ports', entries, notes, ...(problem ? { problem } : {}) };
}
