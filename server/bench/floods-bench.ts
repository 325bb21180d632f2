import type { BenchContext } from './context.js';
import { FLOOD_LINE } from './flood-sink.js';
import { marker, waitForMarker, type TerminalPipe } from './pipes.js';
import { nowMs, sleep, spread, type Spread } from './stats.js';

/**
 * Several sessions flooding at once: aggregate throughput through one Sonde server against the
 * same number of raw dockerode streams read by one process, and how evenly it is shared.
 */

const FILE_BYTES = 8 * 1024 * 1024;

export interface FloodsResults {
  sessions: number;
  /** Size of the file each shell prints. */
  fileBytes: number;
  raw: { aggregate: Spread; slowestToFastest: Spread };
  sonde: { aggregate: Spread; slowestToFastest: Spread };
  ratio: Spread;
}

async function round(pipes: TerminalPipe[], tag: string): Promise<{ aggregate: number; slowestToFastest: number }> {
  const t0 = nowMs();
  const before = pipes.map((p) => p.received);
  const ends = await Promise.all(
    pipes.map((p, i) => {
      const mk = marker(`${tag}${i}`);
      const done = waitForMarker(p, mk.text, 180_000);
      p.write(`cat /tmp/flood.txt; ${mk.command}\r`);
      return done;
    }),
  );
  const bytes = pipes.map((p, i) => p.received - before[i]!);
  const rates = bytes.map((b, i) => b / 1e6 / ((ends[i]! - t0) / 1000));
  const total = bytes.reduce((a, b) => a + b, 0);
  return { aggregate: total / 1e6 / ((Math.max(...ends) - t0) / 1000), slowestToFastest: Math.min(...rates) / Math.max(...rates) };
}

export async function runFloodsBench(ctx: BenchContext, log: (line: string) => void, options: { sessions: number; rounds: number }): Promise<FloodsResults> {
  const mode = ctx.modes[0]!;
  const raws = [];
  const sondes = [];
  try {
    for (let i = 0; i < options.sessions; i++) {
      raws.push(await ctx.openRaw(`raw-${i}`, mode.resolved, 'exec'));
      sondes.push(await ctx.openSonde(`sonde-${i}`, mode.request));
    }
    const all = [...raws.map((r) => r.pipe), ...sondes.map((s) => s.pipe)];
    await Promise.all(
      all.map((p, i) => {
        const mk = marker(`PREP${i}`);
        const done = waitForMarker(p, mk.text, 120_000);
        p.write(`stty cols 120 rows 40; yes '${FLOOD_LINE}' | head -c ${FILE_BYTES} > /tmp/flood.txt; ${mk.command}\r`);
        return done;
      }),
    );
    const raw: { aggregate: number; slowestToFastest: number }[] = [];
    const sonde: { aggregate: number; slowestToFastest: number }[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? (['raw', 'sonde'] as const) : (['sonde', 'raw'] as const);
      for (const which of order) {
        const result = which === 'raw' ? await round(raws.map((x) => x.pipe), `RR${r}`) : await round(sondes.map((x) => x.pipe), `RS${r}`);
        (which === 'raw' ? raw : sonde).push(result);
        await sleep(300);
      }
      log(`  round ${r + 1}: raw ${raw.at(-1)!.aggregate.toFixed(1)} MB/s, sonde ${sonde.at(-1)!.aggregate.toFixed(1)} MB/s`);
    }
    return {
      sessions: options.sessions,
      fileBytes: FILE_BYTES,
      raw: { aggregate: spread(raw.map((x) => x.aggregate)), slowestToFastest: spread(raw.map((x) => x.slowestToFastest)) },
      sonde: { aggregate: spread(sonde.map((x) => x.aggregate)), slowestToFastest: spread(sonde.map((x) => x.slowestToFastest)) },
      ratio: spread(sonde.map((x, i) => x.aggregate / raw[i]!.aggregate)),
    };
  } finally {
    await Promise.all(sondes.map((s) => ctx.closeSonde(s).catch(() => undefined)));
    await Promise.all(raws.map((r) => r.raw.remove()));
  }
}
