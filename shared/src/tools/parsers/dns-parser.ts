import type { DnsRecord, DnsResult } from '../results.js';
import { plainLines } from './terminal-text.js';

const SECTION = /^;; (ANSWER|AUTHORITY|ADDITIONAL|QUESTION) SECTION:/;

function record(line: string): DnsRecord | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 5 || !/^\d+$/.test(fields[1]!)) return undefined;
  return { name: fields[0]!, ttl: Number(fields[1]), class: fields[2]!, type: fields[3]!, data: fields.slice(4).join(' ') };
}

/** Parses dig's and drill's default output (they share the layout of the sections). */
export function parseDns(output: string): DnsResult | undefined {
  const answers: DnsRecord[] = [];
  const authority: DnsRecord[] = [];
  let section: string | undefined;
  let status: string | undefined;
  let flags: string[] = [];
  let question: DnsResult['question'];
  let server: string | undefined;
  let queryTimeMs: number | undefined;
  let problem: string | undefined;
  for (const line of plainLines(output)) {
    let m: RegExpExecArray | null;
    if ((m = SECTION.exec(line))) {
      section = m[1];
      continue;
    }
    if (line.trim() === '') {
      section = undefined;
      continue;
    }
    if ((m = /->>HEADER<<- opcode: \S+, (?:status|rcode): ([A-Z]+)/.exec(line))) status = m[1];
    else if ((m = /^;; flags: ([^;]*);/.exec(line))) flags = m[1]!.trim().split(/\s+/).filter(Boolean);
    else if ((m = /^;; Query time: (\d+) msec/.exec(line))) queryTimeMs = Number(m[1]);
    else if ((m = /^;; SERVER: ([^\s(]+)/.exec(line))) server = m[1];
    else if (/no servers could be reached/.test(line)) problem = 'no servers could be reached';
    else if ((m = /^;; (communications error to .+)$/.exec(line))) problem ??= m[1];
    else if ((m = /^(?:dig|drill): (.+)$/.exec(line)) || (m = /^Error: (.+)$/.exec(line))) problem ??= m[1];
    else if (section === 'QUESTION') {
      const fields = line.replace(/^;+\s*/, '').trim().split(/\s+/);
      if (fields.length >= 3) question = { name: fields[0]!, type: fields[2]! };
    } else if (section === 'ANSWER' && !line.startsWith(';')) {
      const r = record(line);
      if (r) answers.push(r);
    } else if (section === 'AUTHORITY' && !line.startsWith(';')) {
      const r = record(line);
      if (r) authority.push(r);
    }
  }
  if (status === undefined && problem === undefined) return undefined;
  return {
    kind: 'dns',
    ...(question ? { question } : {}),
    ...(status ? { status } : {}),
    flags,
    answers,
    authority,
    ...(server ? { server } : {}),
    ...(queryTimeMs !== undefined ? { queryTimeMs } : {}),
    ...(problem ? { problem } : {}),
  };
}
