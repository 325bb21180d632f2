import { readFileSync } from 'node:fs';
import { SondePipe, marker, waitForMarker, type TerminalPipe } from './pipes.js';
import type { BenchContext } from './context.js';
import { FLOOD_FILE_BYTES, FLOOD_LINE, FLOOD_LOOP, FloodSink } from './flood-sink.js';
import { LoopProbe, type LoopDelay } from './loop-probe.js';
import { nowMs, percentile, sleep, spread, type Spread } from './stats.js';

/**
 * The terminal path, Sonde against the raw Docker stream, paired and interleaved: bulk
 * throughput, keystroke echo idle and while another session floods, and Ctrl-C in a flood.
 */


export interface TerminalResults {
  throughput: {
    raw: Spread;
    sonde: Spread;
    ratio: Spread;
    relayCpuMsPerMB: Spread;
    bytesPerRun: number;
    /** Size of the file `cat` prints (the tty adds a `\r` per line on the way). */
    fileBytes: number;
  };
  echo: { raw: EchoStats; sonde: EchoStats; addedP50: number; addedP99: number };
  echoUnderFlood: {
    raw: EchoStats;
    sonde: EchoStats;
    ratioP50: number;
    ratioP99: number;
    rawFloodMBs: number;
    sondeFloodMBs: number;
    /** Timer lateness of an idle process during the raw flood: what one more process on the path pays. */
    probeDuringRawFlood: LoopDelay;
  };
  ctrlC: { raw: CtrlCStats; sondeFast: CtrlCStats; sondeRender: CtrlCStats; renderRate: number };
}

export interface EchoStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  n: number;
}

export interface CtrlCStats {
  ms: Spread;
  afterKiB: Spread;
  backlogKiB: Spread;
}

function echoStats(samples: number[]): EchoStats {
  return { p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), max: Math.max(...samples), n: samples.length };
}

/** Runs a command and resolves once its marker (printed after it) is delivered. */
async function runTo(pipe: TerminalPipe, command: string, tag: string, timeoutMs = 120_000): Promise<number> {
  const mk = marker(tag);
  const done = waitForMarker(pipe, mk.text, timeoutMs);
  pipe.write(`${command}; ${mk.command}\r`);
  return done;
}

async function prepare(pipe: TerminalPipe): Promise<void> {
  await runTo(pipe, `stty cols 120 rows 40; yes '${FLOOD_LINE}' | head -c ${FLOOD_FILE_BYTES} > /tmp/flood.txt`, 'PREP');
}

/** CPU time (user + system) of a process in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function throughputRun(pipe: TerminalPipe, tag: string): Promise<{ bytes: number; ms: number }> {
  const before = pipe.received;
  const t0 = nowMs();
  const t1 = await runTo(pipe, 'cat /tmp/flood.txt', tag);
  return { bytes: pipe.received - before, ms: t1 - t0 };
}

/** One byte out, wait for it to come back (the shell runs `stty raw -echo; cat`). */
async function echoSamples(pipe: TerminalPipe, count: number, warmup = 20): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count + warmup; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const code = ch.charCodeAt(0);
    const back = new Promise<number>((resolve) => {
      const off = pipe.onData((chunk) => {
        if (chunk.includes(code)) {
          off();
          resolve(nowMs());
        }
      });
    });
    const t0 = nowMs();
    pipe.write(ch);
    const t1 = await back;
    if (i >= warmup) samples.push(t1 - t0);
  }
  return samples;
}

async function startEchoMode(pipe: TerminalPipe): Promise<void> {
  const mk = marker('ECHO');
  const ready = waitForMarker(pipe, mk.text);
  pipe.write(`stty raw -echo; ${mk.command}; cat\r`);
  await ready;
  await sleep(100);
}

/** Ctrl-C, then a command: resolves when that command's output is delivered (for a rendering client: rendered). */
async function interrupt(pipe: TerminalPipe, tag: string): Promise<number> {
  const mk = marker(tag);
  const done = waitForMarker(pipe, mk.text, 60_000);
  const t0 = nowMs();
  pipe.write('\x03');
  pipe.write(`${mk.command}\r`);
  return (await done) - t0;
}

export async function runTerminalBench(ctx: BenchContext, log: (line: string) => void, options: { throughputRuns: number; echoBlocks: number; echoCount: number; floodBlocks: number; ctrlCRuns: number }): Promise<TerminalResults> {
  const mode = ctx.modes[0]!;
  const raw = await ctx.openRaw('raw', mode.resolved);
  const sonde = await ctx.openSonde('sonde', mode.request);
  const rawFlood = await ctx.openRaw('raw-flood', mode.resolved);
  const sondeFlood = await ctx.openSonde('sonde-flood', mode.request);
  const sondeRender = await ctx.openSonde('sonde-render', mode.request, { kind: 'render', bytesPerSecond: 10 * 1000 * 1000 });
  const pid = ctx.sonde.pid;
  try {
    for (const p of [raw.pipe, sonde.pipe, rawFlood.pipe, sondeFlood.pipe, sondeRender.pipe]) await prepare(p);

    // Throughput: paired runs, alternating which goes first.
    log('throughput');
    const rawRates: number[] = [];
    const sondeRates: number[] = [];
    const ratios: number[] = [];
    const cpu: number[] = [];
    let bytesPerRun = 0;
    for (let i = 0; i < options.throughputRuns; i++) {
      const order = i % 2 === 0 ? (['raw', 'sonde'] as const) : (['sonde', 'raw'] as const);
      const rates: Record<string, number> = {};
      for (const which of order) {
        if (which === 'raw') {
          const r = await throughputRun(raw.pipe, `TR${i}`);
          rates.raw = r.bytes / 1e6 / (r.ms / 1000);
          bytesPerRun = r.bytes;
        } else {
          const c0 = cpuMs(pid);
          const r = await throughputRun(sonde.pipe, `TS${i}`);
          cpu.push((cpuMs(pid) - c0) / (r.bytes / 1e6));
          rates.sonde = r.bytes / 1e6 / (r.ms / 1000);
        }
        await sleep(200);
      }
      rawRates.push(rates.raw!);
      sondeRates.push(rates.sonde!);
      ratios.push(rates.sonde! / rates.raw!);
      log(`  run ${i + 1}: raw ${rates.raw!.toFixed(1)} MB/s, sonde ${rates.sonde!.toFixed(1)} MB/s`);
    }

    // Echo, idle: blocks of round trips, alternating order.
    log('echo');
    await startEchoMode(raw.pipe);
    await startEchoMode(sonde.pipe);
    const rawEcho: number[] = [];
    const sondeEcho: number[] = [];
    for (let b = 0; b < options.echoBlocks; b++) {
      const order = b % 2 === 0 ? [raw.pipe, sonde.pipe] : [sonde.pipe, raw.pipe];
      for (const p of order) (p === raw.pipe ? rawEcho : sondeEcho).push(...(await echoSamples(p, options.echoCount)));
    }

    // Echo while another session floods through the same path; the flood is read at full
    // speed by a process of its own, like another browser tab.
    log('echo under flood');
    const rawSink = await FloodSink.open({ kind: 'raw', spec: ctx.spec(mode.resolved) });
    const floodSession = await ctx.openSonde('sonde-flood-sink', mode.request);
    await floodSession.pipe.close();
    const sondeSink = await FloodSink.open({ kind: 'sonde', url: `${ctx.sonde.wsUrl}${floodSession.info.ttyPath}`, headers: ctx.sonde.auth });
    const rawUnder: number[] = [];
    const sondeUnder: number[] = [];
    const floodRates: { raw: number[]; sonde: number[] } = { raw: [], sonde: [] };
    const probe = LoopProbe.start();
    const probeRaw: LoopDelay[] = [];
    try {
      for (let b = 0; b < options.floodBlocks; b++) {
        const order = b % 2 === 0 ? (['raw', 'sonde'] as const) : (['sonde', 'raw'] as const);
        for (const which of order) {
          const sink = which === 'raw' ? rawSink : sondeSink;
          const echo = which === 'raw' ? raw.pipe : sonde.pipe;
          await sink.start();
          await probe.read();
          (which === 'raw' ? rawUnder : sondeUnder).push(...(await echoSamples(echo, options.echoCount, 10)));
          const delay = await probe.read();
          if (which === 'raw') probeRaw.push(delay);
          floodRates[which].push(await sink.stop());
          await sleep(300);
        }
      }
    } finally {
      probe.stop();
      await rawSink.close();
      await sondeSink.close();
      await ctx.closeSonde(floodSession);
    }

    // Ctrl-C in a flood: raw read at full speed (the floor), Sonde with a fast client, and Sonde
    // with a browser that renders 10 MB/s and acks what it rendered.
    log('ctrl-c');
    const ctrl = { raw: [] as number[][], sondeFast: [] as number[][], sondeRender: [] as number[][] };
    const pipes = { raw: rawFlood.pipe, sondeFast: sondeFlood.pipe, sondeRender: sondeRender.pipe };
    for (let i = 0; i < options.ctrlCRuns; i++) {
      for (const which of ['raw', 'sondeFast', 'sondeRender'] as const) {
        const p = pipes[which];
        p.write(`${FLOOD_LOOP}\r`);
        await sleep(2000);
        const backlog = p instanceof SondePipe ? p.backlog : 0;
        const before = p.received;
        const ms = await interrupt(p, `CC${which}${i}`);
        ctrl[which].push([ms, (p.received - before) / 1024, backlog / 1024]);
        await sleep(300);
      }
    }
    const ctrlStats = (rows: number[][]): CtrlCStats => ({ ms: spread(rows.map((r) => r[0]!)), afterKiB: spread(rows.map((r) => r[1]!)), backlogKiB: spread(rows.map((r) => r[2]!)) });

    const rawE = echoStats(rawEcho);
    const sondeE = echoStats(sondeEcho);
    const rawU = echoStats(rawUnder);
    const sondeU = echoStats(sondeUnder);
    return {
      throughput: { raw: spread(rawRates), sonde: spread(sondeRates), ratio: spread(ratios), relayCpuMsPerMB: spread(cpu), bytesPerRun, fileBytes: FLOOD_FILE_BYTES },
      echo: { raw: rawE, sonde: sondeE, addedP50: sondeE.p50 - rawE.p50, addedP99: sondeE.p99 - rawE.p99 },
      echoUnderFlood: { raw: rawU, sonde: sondeU, ratioP50: sondeU.p50 / rawU.p50, ratioP99: sondeU.p99 / rawU.p99, rawFloodMBs: spread(floodRates.raw).median,
        sondeFloodMBs: spread(floodRates.sonde).median,
        probeDuringRawFlood: { p50: spread(probeRaw.map((d) => d.p50)).median, p99: spread(probeRaw.map((d) => d.p99)).median, max: Math.max(...probeRaw.map((d) => d.max)) },
      },
      ctrlC: { raw: ctrlStats(ctrl.raw), sondeFast: ctrlStats(ctrl.sondeFast), sondeRender: ctrlStats(ctrl.sondeRender), renderRate: 10 },
    };
  } finally {
    for (const s of [sonde, sondeFlood, sondeRender]) await ctx.closeSonde(s).catch(() => undefined);
    for (const r of [raw, rawFlood]) await r.raw.remove();
  }
}
