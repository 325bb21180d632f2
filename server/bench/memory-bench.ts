import { FLOW_HIGH_WATERMARK } from '@sonde/shared';
import { SondeProcess, type HeapFigures, type ProcessSample } from '../test/support/sonde-process.js';
import { MAX_OUTPUT_FRAME } from '../src/sessions/session.js';
import type { BenchContext } from './context.js';
import { marker, waitForMarker, type SondePipe } from './pipes.js';
import { FLOOD_LINE } from './flood-sink.js';
import { nowMs, sleep } from './stats.js';
import type { SessionInfo } from '@sonde/shared';

/**
 * Server memory, on a fresh server process of its own: idle, per idle session (10 and 50
 * open, each with a client), and while 50 sessions print at once. RSS from /proc; heap and
 * buffer figures after a full GC through the inspector, which say what is really held.
 */

const REPLAY_BYTES = 4 * 1024 * 1024;
/** What each of the 50 sessions prints at once: long lines, as `cat` of a log would. */
const OUTPUT_BYTES = 2_000_000;

export interface MemoryResults {
  idleRssMiB: number;
  warmRssMiB: number;
  warmHeap: HeapFigures;
  perIdleSessionKiB: { at10: number; at50: number };
  perIdleSessionHeldKiB: { at50: number };
  at50RssMiB: number;
  floodPeakRssMiB: number;
  floodBoundMiB: number;
  floodAggregateMBs: number;
  floodBytes: number;
  afterRssMiB: number;
  afterHeap: HeapFigures;
  afterFds: number;
  warmFds: number;
  /** Wall time to open all 50, 5 at a time. */
  openAllSeconds: number;
}

const MiB = 1024 * 1024;

async function settled(sonde: SondeProcess, ms = 1500): Promise<ProcessSample & { heap: HeapFigures }> {
  await sleep(ms);
  const heap = await sonde.collectGarbage();
  return { ...sonde.sample(), heap };
}

export async function runMemoryBench(ctx: BenchContext, log: (line: string) => void): Promise<MemoryResults> {
  const sonde = await SondeProcess.start({ inspect: true, env: { SONDE_MAX_SESSIONS: '60', SONDE_MAX_SESSIONS_PER_USER: '60', SONDE_MAX_TOOLBOXES: '60' } });
  const open: { info: SessionInfo; pipe: SondePipe }[] = [];
  try {
    await sleep(1000);
    const idle = sonde.sample();
    const request = ctx.modes[0]!.request;

    const warm = await ctx.openSonde('mem-warm', request, { kind: 'immediate' }, sonde);
    await ctx.closeSonde(warm, sonde);
    const warmSample = await settled(sonde, 6000);

    let openingMs = 0;
    const openUpTo = async (n: number) => {
      const t0 = nowMs();
      while (open.length < n) {
        const batch = Math.min(5, n - open.length);
        const opened = await Promise.all(Array.from({ length: batch }, (_, k) => ctx.openSonde(`mem-${open.length + k}`, request, { kind: 'immediate' }, sonde)));
        open.push(...opened);
      }
      openingMs += nowMs() - t0;
    };
    await openUpTo(10);
    const at10 = await settled(sonde);
    await openUpTo(50);
    const at50 = await settled(sonde);
    log(`  idle ${Math.round(idle.rssKiB / 1024)} MiB, warm ${Math.round(warmSample.rssKiB / 1024)} MiB, 10 open ${Math.round(at10.rssKiB / 1024)} MiB, 50 open ${Math.round(at50.rssKiB / 1024)} MiB`);

    // All 50 print at once, read by fast acking clients.
    let peak = at50.rssKiB;
    const sampler = setInterval(() => (peak = Math.max(peak, sonde.sample().rssKiB)), 50);
    const before = open.reduce((n, s) => n + s.pipe.received, 0);
    const f0 = nowMs();
    await Promise.all(
      open.map(({ pipe }, i) => {
        const mk = marker(`MEM${i}`);
        const done = waitForMarker(pipe, mk.text, 180_000);
        pipe.write(`yes '${FLOOD_LINE}' | head -c ${OUTPUT_BYTES}; ${mk.command}\r`);
        return done;
      }),
    );
    const floodMs = nowMs() - f0;
    clearInterval(sampler);
    const floodBytes = open.reduce((n, s) => n + s.pipe.received, 0) - before;

    while (open.length) await Promise.all(open.splice(0, 5).map((s) => ctx.closeSonde(s, sonde)));
    const after = await settled(sonde, 6000);

    const perSessionBound = REPLAY_BYTES + 64 * 1024 + FLOW_HIGH_WATERMARK + MAX_OUTPUT_FRAME;
    return {
      idleRssMiB: idle.rssKiB / 1024,
      warmRssMiB: warmSample.rssKiB / 1024,
      warmHeap: warmSample.heap,
      warmFds: warmSample.fds,
      perIdleSessionKiB: { at10: (at10.rssKiB - warmSample.rssKiB) / 10, at50: (at50.rssKiB - warmSample.rssKiB) / 50 },
      perIdleSessionHeldKiB: {
        at50: (at50.heap.heapUsed + at50.heap.external - warmSample.heap.heapUsed - warmSample.heap.external) / 1024 / 50,
      },
      at50RssMiB: at50.rssKiB / 1024,
      floodPeakRssMiB: peak / 1024,
      floodBoundMiB: warmSample.rssKiB / 1024 + (50 * perSessionBound) / MiB,
      floodAggregateMBs: floodBytes / 1e6 / (floodMs / 1000),
      floodBytes,
      afterRssMiB: after.rssKiB / 1024,
      afterHeap: after.heap,
      afterFds: after.fds,
      openAllSeconds: openingMs / 1000,
    };
  } finally {
    for (const s of open) await ctx.closeSonde(s, sonde).catch(() => undefined);
    await sonde.stop();
  }
}
