import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FLOW_HIGH_WATERMARK, type SessionInfo } from '@sonde/shared';
import { containersWithLabels } from '../test/support/docker-fixtures.js';
import { SondeProcess, type HeapFigures, type ProcessSample } from '../test/support/sonde-process.js';
import { MAX_OUTPUT_FRAME } from '../src/sessions/session.js';
import type { BenchContext } from './context.js';
import { marker, waitForMarker, type SondePipe } from './pipes.js';
import { FLOOD_LINE } from './flood-sink.js';
import { nowMs, sleep } from './stats.js';

/**
 * Server memory, on a fresh server process of its own: idle, per idle session along a curve
 * (10, 100 and 500 open by default, each with a client), and while 50 of them print at once.
 * RSS from /proc; heap and buffer figures after a full GC through the inspector, which say what
 * is really held. One user opens them all on one target, so they share toolboxes (16 shells
 * each): 500 sessions are 32 containers, not 500, which is what keeps the curve's far end
 * affordable on a small machine.
 */

const REPLAY_BYTES = 4 * 1024 * 1024;
/** What each of the 50 sessions prints at once: long lines, as `cat` of a log would. */
const OUTPUT_BYTES = 2_000_000;

/** One point of the curve: `sessions` idle sessions open. */
export interface MemoryPoint {
  sessions: number;
  rssMiB: number;
  /** (RSS now − RSS after the warm-up) / sessions. */
  perSessionKiB: number;
  /** The same from heap used + external after a full GC: what the server holds. */
  heldPerSessionKiB: number;
  /** Toolbox containers of this server then. */
  toolboxes: number;
  /** Containers this server created since the warm-up (Docker's create events): toolboxes, and anything else (a snapshot's). */
  createdContainers: number;
  /** Seconds to open the sessions since the previous point. */
  openSeconds: number;
}

export interface MemoryResults {
  idleRssMiB: number;
  warmRssMiB: number;
  warmHeap: HeapFigures;
  curve: MemoryPoint[];
  /** The sessions that printed at once (the first of the open ones). */
  floodSessions: number;
  floodPeakRssMiB: number;
  floodBoundMiB: number;
  floodAggregateMBs: number;
  floodBytes: number;
  afterRssMiB: number;
  afterHeap: HeapFigures;
  afterFds: number;
  warmFds: number;
}

const MiB = 1024 * 1024;

/** CPU time of a process in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Waits until the server has been quiet (under 30 ms of CPU a second) for two seconds in a row,
 * at most `maxMs`: new sessions' starting network snapshots run after their prompts.
 */
async function quiet(sonde: SondeProcess, maxMs = 180_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let calm = 0;
  let last = cpuMs(sonde.pid);
  while (calm < 2 && Date.now() < deadline) {
    await sleep(1000);
    const now = cpuMs(sonde.pid);
    calm = now - last < 30 ? calm + 1 : 0;
    last = now;
  }
}

async function settled(sonde: SondeProcess, ms = 1500): Promise<ProcessSample & { heap: HeapFigures }> {
  await quiet(sonde);
  await sleep(ms);
  const heap = await sonde.collectGarbage();
  return { ...sonde.sample(), heap };
}

export async function runMemoryBench(ctx: BenchContext, log: (line: string) => void, options: { curve: number[]; floodSessions: number } = { curve: [10, 100, 500], floodSessions: 50 }): Promise<MemoryResults> {
  const most = Math.max(...options.curve);
  const limit = String(most + 10);
  const sonde = await SondeProcess.start({ inspect: true, env: { SONDE_MAX_SESSIONS: limit, SONDE_MAX_SESSIONS_PER_USER: limit, SONDE_MAX_TOOLBOXES: limit } });
  const open: { info: SessionInfo; pipe: SondePipe }[] = [];
  let stopFollowing = () => undefined as void;
  try {
    await sleep(1000);
    const idle = sonde.sample();
    const request = ctx.modes[0]!.request;

    const warm = await ctx.openSonde('mem-warm', request, { kind: 'immediate' }, sonde);
    await ctx.closeSonde(warm, sonde);
    const warmSample = await settled(sonde, 6000);
    // Followed live: `docker events --since` replays only Docker's last 256 events, and 500
    // sessions' execs push the creates out of that window (an earlier run counted 0 for 32 toolboxes).
    const creates = followCreates(sonde.instance);
    stopFollowing = creates.stop;
    await creates.ready;
    const created = async () => {
      await sleep(500);
      return creates.count();
    };

    const openUpTo = async (n: number) => {
      const t0 = nowMs();
      while (open.length < n) {
        const batch = Math.min(10, n - open.length);
        const opened = await Promise.all(Array.from({ length: batch }, (_, k) => ctx.openSonde(`mem-${open.length + k}`, request, { kind: 'immediate' }, sonde)));
        open.push(...opened);
      }
      return (nowMs() - t0) / 1000;
    };
    const curve: MemoryPoint[] = [];
    for (const n of [...options.curve].sort((a, b) => a - b)) {
      const openSeconds = await openUpTo(n);
      const point = await settled(sonde);
      const toolboxes = (await containersWithLabels(`sonde.instance=${sonde.instance}`)).length;
      curve.push({
        sessions: n,
        rssMiB: point.rssKiB / 1024,
        perSessionKiB: (point.rssKiB - warmSample.rssKiB) / n,
        heldPerSessionKiB: (point.heap.heapUsed + point.heap.external - warmSample.heap.heapUsed - warmSample.heap.external) / 1024 / n,
        toolboxes,
        createdContainers: await created(),
        openSeconds,
      });
      log(`  ${n} open: RSS ${(point.rssKiB / 1024).toFixed(0)} MiB, ${curve.at(-1)!.perSessionKiB.toFixed(0)} KiB per session, ${toolboxes} toolboxes, opened in ${openSeconds.toFixed(0)} s`);
    }

    // The first floodSessions print at once, read by fast acking clients.
    const flooding = open.slice(0, options.floodSessions);
    let peak = sonde.sample().rssKiB;
    const sampler = setInterval(() => (peak = Math.max(peak, sonde.sample().rssKiB)), 50);
    const before = flooding.reduce((n, s) => n + s.pipe.received, 0);
    const f0 = nowMs();
    await Promise.all(
      flooding.map(({ pipe }, i) => {
        const mk = marker(`MEM${i}`);
        const done = waitForMarker(pipe, mk.text, 300_000);
        pipe.write(`yes '${FLOOD_LINE}' | head -c ${OUTPUT_BYTES}; ${mk.command}\r`);
        return done;
      }),
    );
    const floodMs = nowMs() - f0;
    clearInterval(sampler);
    const floodBytes = flooding.reduce((n, s) => n + s.pipe.received, 0) - before;
    const atFlood = curve.at(-1)!;

    while (open.length) await Promise.all(open.splice(0, 10).map((s) => ctx.closeSonde(s, sonde)));
    const after = await settled(sonde, 6000);

    const perSessionBound = REPLAY_BYTES + 64 * 1024 + FLOW_HIGH_WATERMARK + MAX_OUTPUT_FRAME;
    return {
      idleRssMiB: idle.rssKiB / 1024,
      warmRssMiB: warmSample.rssKiB / 1024,
      warmHeap: warmSample.heap,
      warmFds: warmSample.fds,
      curve,
      floodSessions: flooding.length,
      floodPeakRssMiB: peak / 1024,
      // The idle sessions hold what they hold; the flooding ones at most the formula's bound each.
      floodBoundMiB: atFlood.rssMiB + (flooding.length * perSessionBound) / MiB,
      floodAggregateMBs: floodBytes / 1e6 / (floodMs / 1000),
      floodBytes,
      afterRssMiB: after.rssKiB / 1024,
      afterHeap: after.heap,
      afterFds: after.fds,
    };
  } finally {
    stopFollowing();
    for (const s of open) await ctx.closeSonde(s, sonde).catch(() => undefined);
    await sonde.stop();
  }
}

/** Counts the containers created with `sonde.instance=<instance>` from now on, following Docker's event stream. */
function followCreates(instance: string): { ready: Promise<void>; count: () => number; stop: () => void } {
  const ids = new Set<string>();
  const events = spawn('docker', ['events', '--filter', 'type=container', '--filter', 'event=create', '--filter', `label=sonde.instance=${instance}`, '--format', '{{.Actor.ID}}'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let rest = '';
  events.stdout.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) ids.add(line);
  });
  // `docker events` prints nothing until an event; give it a moment to subscribe.
  const ready = new Promise<void>((resolve, reject) => {
    events.once('error', reject);
    events.once('spawn', () => setTimeout(resolve, 300));
  });
  return { ready, count: () => ids.size, stop: () => void events.kill() };
}
