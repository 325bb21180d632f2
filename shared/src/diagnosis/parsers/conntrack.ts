/**
 * The connection-tracking table of a namespace: how full it is (nf_conntrack_count against
 * nf_conntrack_max) and whether it ever overflowed (`conntrack -S`: `drop` and `early_drop`
 * count new connections refused or evicted because the table was full).
 */
export interface ConntrackUsage {
  count: number;
  max: number;
}

/** `cat nf_conntrack_count nf_conntrack_max`: two numbers, one a line. */
export function parseConntrackUsage(text: string): ConntrackUsage | undefined {
  const numbers = text.trim().split(/\s+/);
  if (numbers.length !== 2 || !numbers.every((n) => /^\d+$/.test(n))) return undefined;
  return { count: Number(numbers[0]), max: Number(numbers[1]) };
}

export interface ConntrackStats {
  /** Summed over CPUs, by the kernel's column names (`drop`, `early_drop`, `insert_failed`, …). */
  totals: Record<string, number>;
  cpus: number;
}

/**
 * `/proc/net/stat/nf_conntrack` (what `conntrack -S` reads): a header of column names, then
 * one line of hexadecimal counters per CPU. The namespace's own, like the count.
 */
export function parseConntrackStats(text: string): ConntrackStats | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines[0]?.split(/\s+/);
  if (!header || header[0] !== 'entries') return undefined;
  const totals: Record<string, number> = {};
  let cpus = 0;
  for (const line of lines.slice(1)) {
    const values = line.split(/\s+/);
    if (values.length !== header.length || !values.every((v) => /^[0-9a-f]+$/i.test(v))) continue;
    cpus += 1;
    header.forEach((name, i) => {
      // `entries` is the table's size, repeated on every line, not a per-CPU counter.
      if (name === 'entries') totals[name] = parseInt(values[i]!, 16);
      else totals[name] = (totals[name] ?? 0) + parseInt(values[i]!, 16);
    });
  }
  return cpus > 0 ? { totals, cpus } : undefined;
}
