import type { TcpOutcome } from '../matrix.js';

/**
 * Outputs of commands that answer for several things at once, split per thing. Starting a
 * command in a container costs 0.1-0.4 s of CPU here (a runc exec), so the doctor and the
 * matrix ask one command about many files, names, hosts or ports instead of one command each.
 */

/** `grep -H -s '' file…`: each file's text by path (files that do not exist are absent). */
export function splitFiles(output: string, paths: readonly string[]): Map<string, string> {
  const files = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    // Longest path first: one path may be a prefix of another.
    const path = [...paths].sort((a, b) => b.length - a.length).find((p) => line.startsWith(`${p}:`));
    if (!path) continue;
    const lines = files.get(path) ?? [];
    lines.push(line.slice(path.length + 1));
    files.set(path, lines);
  }
  return new Map([...files].map(([path, lines]) => [path, `${lines.join('\n')}\n`]));
}

/**
 * `dig +qr name1 A name2 A …`: the part of the output about each name. With +qr dig prints
 * ";; Sending:" before every query it sends, so each query's answer or error follows its own
 * question. With +search one name may be sent several times (name.search-domain first); the
 * last attempt for a name is its answer.
 */
export function splitDigQueries(output: string, names: readonly string[]): Map<string, string> {
  const chunks = output.split(/^;; Sending:$/m).slice(1);
  const byName = new Map<string, string>();
  let index = 0;
  const asked = (chunk: string) => /^;(\S+)\s+IN\s+\S+$/m.exec(chunk)?.[1]?.toLowerCase() ?? '';
  const matches = (question: string, name: string) => {
    const bare = `${name.replace(/\.$/, '').toLowerCase()}.`;
    return question === bare || question.startsWith(bare);
  };
  for (const chunk of chunks) {
    const question = asked(chunk);
    const next = names[index + 1];
    // dig goes through the names in order: move on when the chunk is about the next one.
    if (next !== undefined && (question === `${next.replace(/\.$/, '').toLowerCase()}.` || (!matches(question, names[index]!) && matches(question, next)))) index += 1;
    const name = names[index];
    if (name === undefined || !matches(question, name)) continue;
    byName.set(name, chunk.trim());
  }
  return byName;
}

export interface FpingResult {
  alive: boolean;
  ms?: number;
  /** What came back instead of a reply (`ICMP Host Unreachable from …`), if anything. */
  error?: string;
}

/** `fping -e host…`: "X is alive (0.12 ms)" / "X is unreachable" on stdout, ICMP errors on stderr. */
export function parseFping(stdout: string, stderr: string): Map<string, FpingResult> {
  const results = new Map<string, FpingResult>();
  for (const line of stdout.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^(\S+) is alive(?: \(([\d.]+) ms\))?/.exec(line))) results.set(m[1]!, { alive: true, ...(m[2] ? { ms: Number(m[2]) } : {}) });
    else if ((m = /^(\S+) is unreachable/.exec(line))) results.set(m[1]!, { alive: false });
  }
  for (const line of stderr.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^(ICMP .+?) from \S+ for ICMP Echo sent to (\S+)/.exec(line)) || (m = /^(\S+): error while sending ping: (.+)$/.exec(line))) {
      const [host, error] = m[0].startsWith('ICMP') ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
      const entry = results.get(host) ?? { alive: false };
      if (!entry.alive) results.set(host, { ...entry, error: entry.error ?? error });
    }
  }
  return results;
}

/** nmap's `--reason` words, as a cell states them. */
const NMAP_REASONS: Record<string, { state: TcpOutcome['state']; reason?: string }> = {
  'syn-ack': { state: 'open' },
  'conn-refused': { state: 'closed', reason: 'refused' },
  reset: { state: 'closed', reason: 'refused' },
  'no-response': { state: 'filtered', reason: 'timeout' },
  'host-unreach': { state: 'filtered', reason: 'unreachable (no ARP answer)' },
  'net-unreach': { state: 'filtered', reason: 'no route' },
  'admin-prohibited': { state: 'filtered', reason: 'refused by a firewall (ICMP prohibited)' },
  'host-prohibited': { state: 'filtered', reason: 'refused by a firewall (ICMP prohibited)' },
  'net-prohibited': { state: 'filtered', reason: 'refused by a firewall (ICMP prohibited)' },
  'port-unreach': { state: 'closed', reason: 'refused (ICMP port unreachable)' },
};

/** `nmap -n -Pn -sT --reason -p … host…`: per host address, each TCP port's state and reason. */
export function parseNmapReasons(output: string): Map<string, TcpOutcome[]> {
  const hosts = new Map<string, TcpOutcome[]>();
  let current: TcpOutcome[] | undefined;
  for (const line of output.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Nmap scan report for (\S+)(?: \((\S+)\))?/.exec(line))) {
      current = [];
      hosts.set(m[2] ?? m[1]!, current);
    } else if (current && (m = /^(\d+)\/tcp\s+(\S+)\s+\S+\s+(\S+)/.exec(line))) {
      const port = Number(m[1]);
      const known = NMAP_REASONS[m[3]!];
      const state = m[2] === 'open' || m[2] === 'closed' || m[2] === 'filtered' ? m[2] : (known?.state ?? 'filtered');
      const reason = known && known.state === state ? known.reason : state === 'open' ? undefined : m[3];
      current.push({ port, state, ...(reason ? { reason } : {}) });
    }
  }
  return hosts;
}
