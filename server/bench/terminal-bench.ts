import { readFileSync } from 'node:fs';
import type { SessionInfo } from '@sonde/shared';
import { SondePipe, marker, waitForMarker, type TerminalPipe } from './pipes.js';
import type { BenchContext } from './context.js';
import { FLOOD_FILE_BYTES, FLOOD_LINE, FLOOD_LOOP, FloodSink } from './flood-sink.js';
import { LoopProbe, type LoopDelay } from './loop-probe.js';
import { nowMs, percentile, sleep, spread, type Spread } from './stats.js';

/**
 * The terminal path, Sonde against the raw Docker stream, paired and interleaved: bulk
 * throughput, keystroke echo idle and while another session floods, and Ctrl-C in a flood.
 * The raw shells are TTY execs in idling containers, the stream Docker gives Sonde's shells:
 * an attached container process is a different, slower stream (about half the throughput on
 * Docker 20.10), and Sonde measured against it would look faster than the wire it reads.
 */


/** The sub-parts of the terminal bench, each runnable alone (`--only echo-flood`). */
export const TERMINAL_PARTS = ['throughput', 'echo', 'echo-flood', 'ctrl-c'] as const;
export type TerminalPart = (typeof TERMINAL_PARTS)[number];

export interface ThroughputResults {
  raw: Spread;
  sonde: Spread;
  ratio: Spread;
  relayCpuMsPerMB: Spread;
  bytesPerRun: number;
  /** Size of the file `cat` prints (the tty adds a `\r` per line on the way). */
  fileBytes: number;
}

/** One run of echo while another session floods: its own blocks, its own ratio. */
export interface FloodRun {
  raw: EchoStats;
  sonde: EchoStats;
  ratioP50: number;
  ratioP99: number;
  rawFloodMBs: number;
  sondeFloodMBs: number;
  /** Timer lateness of an idle process during the raw flood: what one more process on the path pays. */
  probeDuringRawFlood: LoopDelay;
  /** The same during the flood through Sonde, when Sonde's echo is measured: how much more that flood loads the machine. */
  probeDuringSondeFlood: LoopDelay;
}

export interface TerminalResults {
  throughput?: ThroughputResults;
  echo?: { raw: EchoStats; sonde: EchoStats; addedP50: number; addedP99: number };
  /** Separate runs (the target holds in every one); `all` pools their samples. */
  echoUnderFlood?: { runs: FloodRun[]; all: FloodRun };
  ctrlC?: { raw: CtrlCStats; sondeFast: CtrlCStats; sondeRender: CtrlCStats; renderRate: number };
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

export interface TerminalOptions {
  throughputRuns: number;
  echoBlocks: number;
  echoCount: number;
  /** Runs of echo under flood, each of `floodBlocks` blocks per path. */
  floodRuns: number;
  floodBlocks: number;
  ctrlCRuns: number;
}

/**
 * Every session here but the one measured belongs to a second principal (ctx.other): a user's
 * sessions to one target share a toolbox, and with it its CPU limit, while the raw baseline's
 * flood runs in a container of its own. "Another session floods" is another user's, so the
 * comparison is the relay's, not the toolbox's CPU share.
 */
export async function runTerminalBench(ctx: BenchContext, log: (line: string) => void, options: TerminalOptions, parts: ReadonlySet<TerminalPart> = new Set(TERMINAL_PARTS)): Promise<TerminalResults> {
  const mode = ctx.modes[0]!;
  const results: TerminalResults = {};
  const raw = await ctx.openRaw('raw', mode.resolved, 'exec');
  const sonde = await ctx.openSonde('sonde', mode.request);
  const opened: { info: SessionInfo; pipe: SondePipe }[] = [sonde];
  const raws = [raw];
  const pid = ctx.sonde.pid;
  try {
    for (const p of [raw.pipe, sonde.pipe]) await prepare(p);

    if (parts.has('throughput')) {
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
      results.throughput = { raw: spread(rawRates), sonde: spread(sondeRates), ratio: spread(ratios), relayCpuMsPerMB: spread(cpu), bytesPerRun, fileBytes: FLOOD_FILE_BYTES };
    }

    if (parts.has('echo') || parts.has('echo-flood')) {
      await startEchoMode(raw.pipe);
      await startEchoMode(sonde.pipe);
    }

    if (parts.has('echo')) {
      // Echo, idle: blocks of round trips, alternating order.
      log('echo');
      const rawEcho: number[] = [];
      const sondeEcho: number[] = [];
      for (let b = 0; b < options.echoBlocks; b++) {
        const order = b % 2 === 0 ? [raw.pipe, sonde.pipe] : [sonde.pipe, raw.pipe];
        for (const p of order) (p === raw.pipe ? rawEcho : sondeEcho).push(...(await echoSamples(p, options.echoCount)));
      }
      const rawE = echoStats(rawEcho);
      const sondeE = echoStats(sondeEcho);
      results.echo = { raw: rawE, sonde: sondeE, addedP50: sondeE.p50 - rawE.p50, addedP99: sondeE.p99 - rawE.p99 };
    }

    if (parts.has('echo-flood')) {
      // Echo while another session floods through the same path; the flood is read at full
      // speed by a process of its own, like another browser tab.
      const sinks: FloodSink[] = [];
      let floodSession: { info: SessionInfo; pipe: SondePipe } | undefined;
      const probe = LoopProbe.start();
      const runs: { raw: number[]; sonde: number[]; rates: { raw: number[]; sonde: number[] }; probe: { raw: LoopDelay[]; sonde: LoopDelay[] } }[] = [];
      try {
        const rawSink = await FloodSink.open({ kind: 'raw', spec: ctx.spec(mode.resolved), shell: 'exec' });
        sinks.push(rawSink);
        floodSession = await ctx.openSonde('sonde-flood-sink', mode.request, { kind: 'immediate' }, ctx.sonde, ctx.other);
        await floodSession.pipe.close();
        const sondeSink = await FloodSink.open({ kind: 'sonde', url: `${ctx.sonde.wsUrl}${floodSession.info.ttyPath}`, headers: ctx.other.auth });
        sinks.push(sondeSink);
        for (let run = 0; run < options.floodRuns; run++) {
          log(`echo under flood, run ${run + 1}/${options.floodRuns}`);
          const samples = { raw: [] as number[], sonde: [] as number[], rates: { raw: [] as number[], sonde: [] as number[] }, probe: { raw: [] as LoopDelay[], sonde: [] as LoopDelay[] } };
          for (let b = 0; b < options.floodBlocks; b++) {
            const order = (b + run) % 2 === 0 ? (['raw', 'sonde'] as const) : (['sonde', 'raw'] as const);
            for (const which of order) {
              const sink = which === 'raw' ? rawSink : sondeSink;
              const echo = which === 'raw' ? raw.pipe : sonde.pipe;
              await sink.start();
              await probe.read();
              samples[which].push(...(await echoSamples(echo, options.echoCount, 10)));
              samples.probe[which].push(await probe.read());
              samples.rates[which].push(await sink.stop());
              await sleep(300);
            }
          }
          runs.push(samples);
          const r = floodRun(samples.raw, samples.sonde, samples.rates, samples.probe);
          log(`  p99 raw ${r.raw.p99.toFixed(2)} ms, sonde ${r.sonde.p99.toFixed(2)} ms: ${r.ratioP99.toFixed(2)} ×`);
        }
      } finally {
        probe.stop();
        for (const sink of sinks) await sink.close();
        if (floodSession) await ctx.closeSonde(floodSession, ctx.sonde, ctx.other).catch(() => undefined);
      }
      results.echoUnderFlood = {
        runs: runs.map((r) => floodRun(r.raw, r.sonde, r.rates, r.probe)),
        all: floodRun(
          runs.flatMap((r) => r.raw),
          runs.flatMap((r) => r.sonde),
          { raw: runs.flatMap((r) => r.rates.raw), sonde: runs.flatMap((r) => r.rates.sonde) },
          { raw: runs.flatMap((r) => r.probe.raw), sonde: runs.flatMap((r) => r.probe.sonde) },
        ),
      };
    }

    if (parts.has('ctrl-c')) {
      // Ctrl-C in a flood: raw read at full speed (the floor), Sonde with a fast client, and Sonde
      // with a browser that renders 10 MB/s and acks what it rendered.
      log('ctrl-c');
      const rawFlood = await ctx.openRaw('raw-flood', mode.resolved, 'exec');
      raws.push(rawFlood);
      const sondeFlood = await ctx.openSonde('sonde-flood', mode.request, { kind: 'immediate' }, ctx.sonde, ctx.other);
      opened.push(sondeFlood);
      const sondeRender = await ctx.openSonde('sonde-render', mode.request, { kind: 'render', bytesPerSecond: 10 * 1000 * 1000 }, ctx.sonde, ctx.other);
      opened.push(sondeRender);
      for (const p of [rawFlood.pipe, sondeFlood.pipe, sondeRender.pipe]) await prepare(p);
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
      results.ctrlC = { raw: ctrlStats(ctrl.raw), sondeFast: ctrlStats(ctrl.sondeFast), sondeRender: ctrlStats(ctrl.sondeRender), renderRate: 10 };
    }
    return results;
  } finally {
    for (const s of opened) await ctx.closeSonde(s, ctx.sonde, s === sonde ? ctx.sonde : ctx.other).catch(() => undefined);
    for (const r of raws) await r.raw.remove();
  }
}

function floodRun(raw: number[], sonde: number[], rates: { raw: number[]; sonde: number[] }, probe: { raw: LoopDelay[]; sonde: LoopDelay[] }): FloodRun {
  const rawU = echoStats(raw);
  const sondeU = echoStats(sonde);
  return {
    raw: rawU,
    sonde: sondeU,
    ratioP50: sondeU.p50 / rawU.p50,
    ratioP99: sondeU.p99 / rawU.p99,
    rawFloodMBs: spread(rates.raw).median,
    sondeFloodMBs: spread(rates.sonde).median,
    probeDuringRawFlood: probeSummary(probe.raw),
    probeDuringSondeFlood: probeSummary(probe.sonde),
  };
}

function probeSummary(delays: LoopDelay[]): LoopDelay {
  return { p50: spread(delays.map((d) => d.p50)).median, p99: spread(delays.map((d) => d.p99)).median, max: Math.max(...delays.map((d) => d.max)) };
}
