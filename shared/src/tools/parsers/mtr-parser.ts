import type { MtrHop, MtrResult } from '../results.js';
import { decimal, plainLines } from './terminal-text.js';

// "  1.|-- 172.30.0.2   0.0%     3    0.1   0.1   0.1   0.1   0.0"; mtr prints large values as "1662."
const HOP = /^\s*(\d+)\.\|--\s+(.+?)\s+([\d.]+)%\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/;

/** Parses `mtr --report` / `--report-wide` output into hops. */
export function parseMtr(output: string): MtrResult | undefined {
  const hops: MtrHop[] = [];
  let header = false;
  let problem: string | undefined;
  for (const line of plainLines(output)) {
    if (/^HOST: .*Loss%/.test(line)) header = true;
    const m = HOP.exec(line);
    if (m) {
      hops.push({
        hop: Number(m[1]),
        host: m[2]!.trim(),
        lossPercent: decimal(m[3]) ?? 0,
        sent: Number(m[4]),
        lastMs: decimal(m[5]) ?? 0,
        avgMs: decimal(m[6]) ?? 0,
        bestMs: decimal(m[7]) ?? 0,
        worstMs: decimal(m[8]) ?? 0,
        stdevMs: decimal(m[9]) ?? 0,
      });
      continue;
    }
    const error = /^mtr: (.+)$/.exec(line);
    if (error) problem ??= error[1]!.trim();
  }
  if (!header && problem === undefined) return undefined;
  return { kind: 'mtr', hops, ...(problem ? { problem } : {}) };
}
