import { spawn } from 'node:child_process';
import type { BenchContext } from './context.js';
import { BENCH_LABELS } from './raw-toolbox.js';
import { nowMs, sleep, spread, type Spread } from './stats.js';
import { TOOLBOX_IMAGE } from './context.js';

/**
 * Time to a usable shell: from the request to the shell's first output byte (its prompt).
 * Sonde: POST /api/sessions, then the WebSocket, then the first frame. Raw: dockerode create +
 * attach + start of the same container. Raw exec: the same container idling, its shell an exec (the path
 * Docker gives Sonde's shells), to show how much of the gap is that path's own cost. CLI: `docker run --rm -it --net container:X <toolbox>`
 * under a pty (script), from spawn to its first output byte.
 */

export interface StartupRow {
  label: string;
  sondeFirstByte: Spread;
  sondePost: Spread;
  sondeDelete: Spread;
  rawFirstByte: Spread;
  rawSteps: { create: number; attach: number; start: number };
  /** Raw dockerode create + start of the idling container, then the shell as a TTY exec: Sonde's path without Sonde. */
  rawExecFirstByte?: Spread;
  rawRemove: Spread;
  ratio: Spread;
}

export interface StartupResults {
  rows: StartupRow[];
  cli: Spread;
  cliVsSonde: number;
}

/** A second session of the same user to a target where that user's toolbox already runs. */
export interface ReuseRow {
  label: string;
  sondeFirstByte: Spread;
  sondePost: Spread;
  rawFirstByte: Spread;
  ratio: Spread;
  /** Whether every measured session opened in the held toolbox (the API says which toolbox). */
  allReused: boolean;
}

export interface ReuseResults {
  rows: ReuseRow[];
}

function cliFirstByte(targetName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const labels = Object.entries(BENCH_LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    const command = ['docker', 'run', '--rm', '-it', ...labels, '--net', `container:${targetName}`, TOOLBOX_IMAGE].join(' ');
    const t0 = nowMs();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let first: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', () => {
      if (first !== undefined) return;
      first = nowMs() - t0;
      child.stdin.write('exit\r');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (first === undefined) reject(new Error('docker run printed nothing'));
      else resolve(first);
    });
  });
}

export async function runStartupBench(ctx: BenchContext, log: (line: string) => void, runs: number): Promise<StartupResults> {
  const rows: StartupRow[] = [];
  const cli: number[] = [];
  const per = new Map<string, { sonde: number[]; post: number[]; del: number[]; raw: number[]; rawExec: number[]; rm: number[]; ratio: number[]; steps: { create: number; attach: number; start: number }[] }>();
  for (const mode of ctx.modes) per.set(mode.label, { sonde: [], post: [], del: [], raw: [], rawExec: [], rm: [], ratio: [], steps: [] });

  // One warm-up of each path, not recorded (first image use, first connection).
  for (const mode of ctx.modes) {
    const s = await ctx.openSonde('warm', mode.request);
    await ctx.closeSonde(s);
    const r = await ctx.openRaw('warm', mode.resolved);
    await r.raw.remove();
    await (await ctx.openRaw('warm-exec', mode.resolved, 'exec')).raw.remove();
  }
  await cliFirstByte(ctx.target.name);

  for (let i = 0; i < runs; i++) {
    log(`  startup run ${i + 1}/${runs}`);
    for (const mode of ctx.modes) {
      const bucket = per.get(mode.label)!;
      const order = (i + ctx.modes.indexOf(mode)) % 2 === 0 ? ['raw', 'sonde'] : ['sonde', 'raw'];
      let sondeMs = 0;
      let rawMs = 0;
      for (const which of order) {
        if (which === 'sonde') {
          const s = await ctx.openSonde('startup', mode.request);
          sondeMs = s.firstByteMs;
          bucket.post.push(s.postMs);
          bucket.del.push(await ctx.closeSonde(s));
        } else {
          const r = await ctx.openRaw('startup', mode.resolved);
          rawMs = r.firstByteMs;
          bucket.steps.push(r.raw.steps);
          const t0 = nowMs();
          await r.raw.remove();
          bucket.rm.push(nowMs() - t0);
        }
        await sleep(100);
      }
      bucket.sonde.push(sondeMs);
      bucket.raw.push(rawMs);
      bucket.ratio.push(sondeMs / rawMs);
      // Not part of the pair: what the same shell costs as an exec in an idling container, without Sonde.
      const e = await ctx.openRaw('startup-exec', mode.resolved, 'exec');
      bucket.rawExec.push(e.firstByteMs);
      await e.raw.remove();
      await sleep(100);
    }
    cli.push(await cliFirstByte(ctx.target.name));
    await sleep(100);
  }

  for (const mode of ctx.modes) {
    const b = per.get(mode.label)!;
    const median = (k: 'create' | 'attach' | 'start') => spread(b.steps.map((s) => s[k])).median;
    rows.push({
      label: mode.label,
      sondeFirstByte: spread(b.sonde),
      sondePost: spread(b.post),
      sondeDelete: spread(b.del),
      rawFirstByte: spread(b.raw),
      rawSteps: { create: median('create'), attach: median('attach'), start: median('start') },
      rawExecFirstByte: spread(b.rawExec),
      rawRemove: spread(b.rm),
      ratio: spread(b.ratio),
    });
  }
  const cliSpread = spread(cli);
  return { rows, cli: cliSpread, cliVsSonde: rows[0]!.sondeFirstByte.median / cliSpread.median };
}

/**
 * Reuse: one session per mode stays open (its toolbox runs), and a second session of the same
 * user to the same target is timed to its first byte, paired with raw dockerode create + attach +
 * start of the same container spec.
 */
export async function runReuseBench(ctx: BenchContext, log: (line: string) => void, runs: number): Promise<ReuseResults> {
  const rows: ReuseRow[] = [];
  for (const mode of ctx.modes) {
    const holder = await ctx.openSonde('holder', mode.request);
    const sonde: number[] = [];
    const post: number[] = [];
    const raw: number[] = [];
    const ratio: number[] = [];
    let allReused = true;
    try {
      // One warm-up of each path, not recorded.
      await ctx.closeSonde(await ctx.openSonde('warm', mode.request));
      await (await ctx.openRaw('warm', mode.resolved)).raw.remove();
      for (let i = 0; i < runs; i++) {
        let sondeMs = 0;
        let rawMs = 0;
        for (const which of i % 2 === 0 ? ['raw', 'sonde'] : ['sonde', 'raw']) {
          if (which === 'sonde') {
            const s = await ctx.openSonde('reuse', mode.request);
            sondeMs = s.firstByteMs;
            post.push(s.postMs);
            if (s.info.toolbox.containerId !== holder.info.toolbox.containerId) allReused = false;
            await ctx.closeSonde(s);
          } else {
            const r = await ctx.openRaw('reuse-raw', mode.resolved);
            rawMs = r.firstByteMs;
            await r.raw.remove();
          }
          await sleep(100);
        }
        sonde.push(sondeMs);
        raw.push(rawMs);
        ratio.push(sondeMs / rawMs);
      }
    } finally {
      await ctx.closeSonde(holder);
    }
    const row = { label: mode.label, sondeFirstByte: spread(sonde), sondePost: spread(post), rawFirstByte: spread(raw), ratio: spread(ratio), allReused };
    log(`  reuse, ${mode.label}: ${row.sondeFirstByte.median.toFixed(0)} ms against raw ${row.rawFirstByte.median.toFixed(0)} ms, ${row.ratio.median.toFixed(2)} ×${allReused ? '' : ' (not every session reused the toolbox!)'}`);
    rows.push(row);
  }
  return { rows };
}
