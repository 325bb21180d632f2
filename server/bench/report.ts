import { FLOW_HIGH_WATERMARK } from '@sonde/shared';
import type { BenchResults } from './main.js';
import { fmt, fmtSpread, type Spread } from './stats.js';
import type { EchoStats } from './terminal-bench.js';

/**
 * Renders docs/benchmarks.md from one run's results. Every verdict is computed against TARGETS
 * and every sentence of the analysis is built from the run's own figures, so a later run that
 * measures something else says something else.
 */

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  docker: string;
  loadBefore: number[];
  loadAfter: number[];
  startedAt: string;
  durationSeconds: number;
}

/** The targets of issue 6: one definition for the summary table and the analysis. */
export const TARGETS = {
  /** Sonde's throughput over the raw TTY stream's, median of paired runs: at least. */
  throughputRatio: 0.85,
  /** Keystroke echo added by Sonde, idle, ms: at most. */
  echoAddedP50Ms: 0.5,
  echoAddedP99Ms: 3,
  /** Echo p99 through Sonde over raw while another session floods: at most. */
  echoUnderFloodRatioP99: 2,
  /** Ctrl-C in a flood to the prompt, browser emulation, worst run, s: at most. */
  ctrlCSeconds: 0.5,
  /** Concurrent floods: Sonde's aggregate over raw's, and the slowest session over the fastest: at least. */
  floodsAggregateRatio: 0.8,
  floodsFairness: 0.5,
  /** First prompt through Sonde over raw dockerode, per attach mode: at most. */
  firstPromptRatio: 1.5,
  /** RSS per idle session with 50 open, KiB: at most. */
  idleSessionKiB: 512,
} as const;

/** One row of "Against the targets": what was asked, what this run measured, and whether it held. */
export interface TargetRow {
  target: string;
  measured: string;
  met: boolean;
}

const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const echoRow = (label: string, e: EchoStats) => `| ${label} | ${fmt(e.p50, 3)} | ${fmt(e.p90, 3)} | ${fmt(e.p99, 3)} | ${fmt(e.max, 2)} | ${e.n} |`;
const kib = (bytes: number) => `${fmt(bytes / 1024, 0)} KiB`;
const mib = (bytes: number) => fmt(bytes / 1024 / 1024, 0);
const pct = (fraction: number) => `${fmt(fraction * 100, 0)}%`;
/** "a–b", or just "a" when both ends print the same. */
const range = (values: readonly number[], digits: number) => {
  const lo = fmt(Math.min(...values), digits);
  const hi = fmt(Math.max(...values), digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};
/** Where the runs of a spread fell against an "at least" target. */
function runsAgainst(s: Spread, atLeast: number, what: string): string {
  if (s.min >= atLeast) return `every ${what} reached it`;
  if (s.max < atLeast) return `no ${what} reached it`;
  return `${what}s fell on both sides of it, from ${fmt(s.min, 2)} to ${fmt(s.max, 2)}`;
}

/** The summary table's rows, computed from the parts this run measured. */
export function targetRows(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const t = r.terminal;
  if (t) {
    const render = t.ctrlC.sondeRender.ms;
    rows.push(
      {
        target: `throughput ≥ ${TARGETS.throughputRatio} × raw TTY stream (median of paired runs)`,
        measured: `${fmt(t.throughput.ratio.median, 2)} (pairs ${fmt(t.throughput.ratio.min, 2)}–${fmt(t.throughput.ratio.max, 2)})`,
        met: t.throughput.ratio.median >= TARGETS.throughputRatio,
      },
      { target: `echo added ≤ ${TARGETS.echoAddedP50Ms} ms at p50`, measured: `+${fmt(t.echo.addedP50, 3)} ms`, met: t.echo.addedP50 <= TARGETS.echoAddedP50Ms },
      { target: `echo added ≤ ${TARGETS.echoAddedP99Ms} ms at p99`, measured: `+${fmt(t.echo.addedP99, 3)} ms`, met: t.echo.addedP99 <= TARGETS.echoAddedP99Ms },
      {
        target: `echo while another session floods ≤ ${TARGETS.echoUnderFloodRatioP99} × raw under the same flood (p99; see the analysis)`,
        measured: `${fmt(t.echoUnderFlood.ratioP99, 2)} × (p50 ${fmt(t.echoUnderFlood.ratioP50, 2)} ×)`,
        met: t.echoUnderFlood.ratioP99 <= TARGETS.echoUnderFloodRatioP99,
      },
      {
        target: `Ctrl-C in a flood, browser rendering ${t.ctrlC.renderRate} MB/s, back to the prompt ≤ ${TARGETS.ctrlCSeconds} s`,
        measured: `${fmt(render.median / 1000, 2)} s (max ${fmt(render.max / 1000, 2)} s)`,
        met: render.max <= TARGETS.ctrlCSeconds * 1000,
      },
    );
  }
  const f = r.floods;
  if (f) {
    rows.push(
      {
        target: `${f.sessions} concurrent floods ≥ ${TARGETS.floodsAggregateRatio} × the raw aggregate`,
        measured: `${fmt(f.ratio.median, 2)} (rounds ${fmt(f.ratio.min, 2)}–${fmt(f.ratio.max, 2)})`,
        met: f.ratio.median >= TARGETS.floodsAggregateRatio,
      },
      {
        target: `… the slowest session ≥ ${TARGETS.floodsFairness} × the fastest`,
        measured: `${fmt(f.sonde.slowestToFastest.median, 2)} (raw ${fmt(f.raw.slowestToFastest.median, 2)})`,
        met: f.sonde.slowestToFastest.median >= TARGETS.floodsFairness,
      },
    );
  }
  const s = r.startup;
  if (s) {
    for (const row of s.rows) {
      rows.push({ target: `first prompt ≤ ${TARGETS.firstPromptRatio} × raw dockerode, ${row.label}`, measured: `${fmt(row.ratio.median, 2)} ×`, met: row.ratio.median <= TARGETS.firstPromptRatio });
    }
    rows.push({ target: 'first prompt faster than `docker run --rm -it --net container:X`', measured: `${fmt(s.cliVsSonde, 2)} × the CLI's time`, met: s.cliVsSonde < 1 });
  }
  const mem = r.memory;
  if (mem) {
    rows.push(
      { target: `memory per idle session ≤ ${TARGETS.idleSessionKiB} KiB (RSS, 50 open)`, measured: `${fmt(mem.perIdleSessionKiB.at50, 0)} KiB`, met: mem.perIdleSessionKiB.at50 <= TARGETS.idleSessionKiB },
      {
        target: 'memory under output bounded by the flow-control formula (50 sessions)',
        measured: `peak ${fmt(mem.floodPeakRssMiB, 0)} MiB ${mem.floodPeakRssMiB <= mem.floodBoundMiB ? '≤' : '>'} ${fmt(mem.floodBoundMiB, 0)} MiB`,
        met: mem.floodPeakRssMiB <= mem.floodBoundMiB,
      },
    );
  }
  return rows;
}

/** How busy the machine was, from the load averages around the run, and how much the baseline moved within it. */
function noiseParagraph(r: BenchResults): string[] {
  const m = r.machine;
  const before = m.loadBefore[0] ?? NaN;
  const after = m.loadAfter[0] ?? NaN;
  const load = `The 1-minute load average was ${fmt(before, 2)} before the run and ${fmt(after, 2)} after it, on ${m.cores} cores`;
  const busy = before > m.cores;
  const lines = [
    busy
      ? `${load}: other work was already running, so absolute numbers are noisy (p99 latencies most).`
      : `${load}: the machine was not busy when the run began (the run itself loads it).`,
  ];
  const raw = r.terminal?.throughput.raw;
  if (raw && raw.median > 0) {
    lines.push(`Within this run the raw throughput moved by ${pct((raw.max - raw.min) / raw.median)} between its fastest and slowest run.`);
  }
  lines.push('Pairing and interleaving Sonde with its baseline is what keeps the ratios meaningful.', '');
  return lines;
}

/** "Analysis and proposals": each paragraph is about one part and only says what its figures show. */
function analysis(r: BenchResults, rows: readonly TargetRow[]): string[] {
  const out: string[] = [];
  const missed = rows.filter((row) => !row.met);
  if (rows.length === 0) {
    out.push('No target was measured in this run.', '');
  } else {
    out.push(
      `${rows.length - missed.length} of ${rows.length} targets met in this run${missed.length ? `; missed: ${missed.map((row) => row.target).join('; ')}.` : '.'}`,
      '',
    );
  }
  const failed = Object.keys(r.errors);
  if (failed.length) out.push(`Not measured (the part failed, see above): ${failed.join(', ')}.`, '');

  const t = r.terminal;
  if (t) {
    const tp = t.throughput;
    const cpu = tp.relayCpuMsPerMB.median;
    const throughputMet = tp.ratio.median >= TARGETS.throughputRatio;
    out.push(
      `**Throughput.** Sonde relayed ${fmt(tp.sonde.median, 1)} MB/s against ${fmt(tp.raw.median, 1)} MB/s on the raw stream, ${fmt(tp.ratio.median, 2)} × (target ≥ ${TARGETS.throughputRatio}: ${verdict(throughputMet)}); ${runsAgainst(tp.ratio, TARGETS.throughputRatio, 'pair')}.`,
      `The server process spent ${fmt(cpu, 1)} ms of CPU per MB it relayed (all its threads, so recording the session is included): at ${fmt(tp.sonde.median, 1)} MB/s that is ${pct((cpu * tp.sonde.median) / 1000)} of one core.`,
    );
    if (!throughputMet) {
      out.push(
        'The ratio moves with the CPU spent per byte. Proposal: ack-paced coalescing (send a small remainder only when the client has nothing unacknowledged, or once 64 KiB is pending), which cuts frames, writes and acks under load without a timer.',
      );
    }
    out.push('');

    const e = t.echo;
    const p50Met = e.addedP50 <= TARGETS.echoAddedP50Ms;
    const p99Met = e.addedP99 <= TARGETS.echoAddedP99Ms;
    out.push(
      `**Keystroke echo, idle.** Sonde added ${fmt(e.addedP50, 3)} ms at p50 (${fmt(e.raw.p50, 3)} → ${fmt(e.sonde.p50, 3)} ms; target ≤ ${TARGETS.echoAddedP50Ms} ms: ${verdict(p50Met)}) and ${fmt(e.addedP99, 3)} ms at p99 (${fmt(e.raw.p99, 3)} → ${fmt(e.sonde.p99, 3)} ms; target ≤ ${TARGETS.echoAddedP99Ms} ms: ${verdict(p99Met)}).`,
      '',
    );

    const u = t.echoUnderFlood;
    const probe = u.probeDuringRawFlood;
    const added = u.sonde.p99 - u.raw.p99;
    const waiting = 2 * probe.p99;
    const floodMet = u.ratioP99 <= TARGETS.echoUnderFloodRatioP99;
    out.push(
      `**Echo while another session floods.** ${fmt(u.sonde.p99, 3)} ms at p99 through Sonde against ${fmt(u.raw.p99, 3)} ms on raw streams under the same flood: ${fmt(u.ratioP99, 2)} × (target ≤ ${TARGETS.echoUnderFloodRatioP99} ×: ${verdict(floodMet)}; at p50 ${fmt(u.ratioP50, 2)} ×).`,
      'The echo through Sonde crosses one more process than the raw stream, twice (keystroke in, echo out), and each crossing waits for a CPU like any other process.',
      `During the raw flood an idle process's timers fired late by ${fmt(probe.p99, 2)} ms at p99, so waiting alone can account for about ${fmt(waiting, 2)} ms at p99 on a relay; Sonde added ${fmt(added, 2)} ms.`,
      added <= waiting
        ? 'That is within what waiting for a CPU explains: this run shows no time spent in Sonde beyond being one more process to schedule.'
        : `That is ${fmt(added - waiting, 2)} ms more than waiting for a CPU explains, so this run points at work in Sonde on the echo path while the other session floods.`,
    );
    if (!floodMet) {
      out.push(
        'Proposals: (1) move the byte pumping of flooding sessions to a worker thread, so the main thread (keystrokes, quiet sessions) stays idle and is woken at once; (2) give toolboxes a lower CPU weight (`HostConfig.CpuShares`), so a flooding tool yields the CPU to the console and to Docker itself.',
      );
    }
    out.push('');

    const c = t.ctrlC;
    const backlogBytes = c.sondeRender.backlogKiB.median * 1024;
    const ctrlCMet = c.sondeRender.ms.max <= TARGETS.ctrlCSeconds * 1000;
    out.push(
      `**Ctrl-C during a flood.** With the browser emulation rendering ${c.renderRate} MB/s, the prompt was back after ${fmt(c.sondeRender.ms.median, 0)} ms (${fmt(c.sondeRender.ms.max, 0)} ms at worst; target ≤ ${TARGETS.ctrlCSeconds} s at worst: ${verdict(ctrlCMet)}), against ${fmt(c.raw.ms.median, 0)} ms on the raw stream read at full speed and ${fmt(c.sondeFast.ms.median, 0)} ms for a fast client of Sonde.`,
      `At Ctrl-C ${kib(backlogBytes)} were waiting for the browser, ${backlogBytes <= FLOW_HIGH_WATERMARK ? `within the flow-control window (${kib(FLOW_HIGH_WATERMARK)}), which bounds it` : `more than the flow-control window (${kib(FLOW_HIGH_WATERMARK)}) should allow`}; rendering that much at ${c.renderRate} MB/s takes ${fmt(backlogBytes / (c.renderRate * 1e6) * 1000, 0)} ms.`,
      '',
    );
  }

  const f = r.floods;
  if (f) {
    const sondeFair = f.sonde.slowestToFastest.median;
    const rawFair = f.raw.slowestToFastest.median;
    out.push(
      `**Concurrent floods.** ${f.sessions} sessions together got ${fmt(f.ratio.median, 2)} × the raw aggregate (target ≥ ${TARGETS.floodsAggregateRatio}: ${verdict(f.ratio.median >= TARGETS.floodsAggregateRatio)}; ${runsAgainst(f.ratio, TARGETS.floodsAggregateRatio, 'round')}), and the slowest session ${fmt(sondeFair, 2)} × the fastest (target ≥ ${TARGETS.floodsFairness}: ${verdict(sondeFair >= TARGETS.floodsFairness)}) against ${fmt(rawFair, 2)} for the raw streams: Sonde shared the output between sessions ${sondeFair >= rawFair ? 'at least as evenly as' : 'less evenly than'} the raw streams.`,
      '',
    );
  }

  const s = r.startup;
  if (s && s.rows.length) {
    const ratios = s.rows.map((row) => row.ratio.median);
    const startShares = s.rows.map((row) => row.rawSteps.start / row.rawFirstByte.median);
    const postShares = s.rows.map((row) => row.sondePost.median / row.sondeFirstByte.median);
    const slowest = s.rows.reduce((a, b) => (b.sondeFirstByte.median > a.sondeFirstByte.median ? b : a));
    const over = s.rows.filter((row) => row.ratio.median > TARGETS.firstPromptRatio);
    out.push(
      `**Time to the first prompt.** Sonde took ${range(ratios, 2)} × the raw dockerode time across the ${s.rows.length} attach modes (target ≤ ${TARGETS.firstPromptRatio} ×: ${over.length ? `**missed** for ${over.map((row) => row.label).join(', ')}` : 'met in every mode'}).`,
      `Docker's \`start\` was ${range(startShares.map((x) => x * 100), 0)}% of the raw time to the first byte; the slowest mode through Sonde was ${slowest.label} (${fmt(slowest.sondeFirstByte.median, 0)} ms; Docker's \`start\` of the same container took ${fmt(slowest.rawSteps.start, 0)} ms on the raw side).`,
      `Sonde's POST (resolving the target, creating and starting the toolbox) was ${range(postShares.map((x) => x * 100), 0)}% of its time to the first byte; the rest is the WebSocket and its first frame.`,
      `\`docker run -it --net container:X\` took ${fmt(s.cli.median, 0)} ms to its first byte; Sonde, ${s.rows[0]!.label}, took ${fmt(s.cliVsSonde, 2)} × that.`,
    );
    if (Math.min(...startShares) > 0.5) {
      out.push(
        "With Docker's `start` most of the time in every mode, going much lower is not in Sonde's relay: keep one toolbox per target warm and open further shells in it with `docker exec`, or pre-create toolboxes for `host` and network targets, whose namespaces are known in advance.",
      );
    }
    out.push('');
  }

  const mem = r.memory;
  if (mem) {
    out.push(
      `**Server memory.** An idle session took ${fmt(mem.perIdleSessionKiB.at50, 0)} KiB of RSS with 50 open (target ≤ ${TARGETS.idleSessionKiB} KiB: ${verdict(mem.perIdleSessionKiB.at50 <= TARGETS.idleSessionKiB)}; ${fmt(mem.perIdleSessionHeldKiB.at50, 0)} KiB held after a full GC).`,
      `With all 50 printing at once, RSS peaked at ${fmt(mem.floodPeakRssMiB, 0)} MiB, ${pct(mem.floodPeakRssMiB / mem.floodBoundMiB)} of the ${fmt(mem.floodBoundMiB, 0)} MiB the flow-control formula allows (${verdict(mem.floodPeakRssMiB <= mem.floodBoundMiB)}).`,
      '',
    );
  }

  const inv = r.inventory;
  if (inv) {
    out.push(
      `**\`GET /api/containers\`.** With ${inv.containers} containers on the engine, Sonde took ${fmt(inv.ratio, 2)} × dockerode's \`listContainers\`: ${fmt(inv.sonde.median - inv.raw.median, 1)} ms more per request (median) for HTTP, authentication, mapping and JSON.`,
      '',
    );
  }

  const page = r.web?.pageLoad;
  const host = s?.rows.find((row) => row.label === 'host');
  if (page && host) {
    const browser = page.clickToPrompt.median;
    const script = host.sondeFirstByte.median;
    out.push(
      `**In the browser**, click → prompt took ${fmt(browser, 0)} ms against ${fmt(script, 0)} ms for the same host-mode session opened from a script (POST → first byte): ${fmt(browser / script, 1)} × the server-side time. The other ${fmt(browser - script, 0)} ms are the page's own work around the same requests (the request from the page, the terminal view, drawing the prompt).`,
      '',
    );
  }
  return out;
}

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push('# Benchmarks', '');
  out.push(
    'Generated by `npm run bench` (code in `server/bench/`). Every figure is measured in the same run as its',
    'baseline, on the same machine, with raw and Sonde runs interleaved; ratios are what to compare across',
    'machines. Figures are not asserted by any test. Re-running replaces this file.',
    '',
  );
  out.push('| machine | |', '|---|---|');
  out.push(`| CPU | ${m.cpu}, ${m.cores} cores |`, `| memory | ${fmt(m.memoryGiB, 1)} GiB |`, `| kernel | ${m.kernel} |`);
  out.push(`| Node / Docker | ${m.node} / ${m.docker} |`, `| run | ${m.startedAt}, ${fmt(m.durationSeconds, 0)} s |`);
  out.push(`| load average (1/5/15 min) before → after | ${m.loadBefore.map((l) => fmt(l, 2)).join(' ')} → ${m.loadAfter.map((l) => fmt(l, 2)).join(' ')} |`, '');
  out.push(...noiseParagraph(r));

  // Summary.
  const t = r.terminal;
  const s = r.startup;
  const f = r.floods;
  const mem = r.memory;
  const rows = targetRows(r);
  out.push('## Against the targets (issue 6)', '');
  out.push('| target | measured | verdict |', '|---|---|---|');
  for (const row of rows) out.push(`| ${row.target} | ${row.measured} | ${verdict(row.met)} |`);
  out.push('');

  if (t) {
    out.push('## Terminal output throughput', '');
    out.push(
      `\`cat\` of a text file of ${mib(t.throughput.fileBytes)} MiB (96-character lines) in a toolbox joined to a busybox target, read to an end`,
      `marker: ${t.throughput.raw.n} paired runs, alternating which goes first, ${fmt(t.throughput.bytesPerRun / 1e6, 1)} MB received per run`,
      '(the tty turns each `\\n` into `\\r\\n`). Raw: the attach stream read with dockerode in the benchmark process. Sonde:',
      'the same container made by Sonde, read through the WebSocket by a client that acks every frame on arrival.',
      '',
      '| | MB/s, median (min–max) |',
      '|---|---|',
      `| raw dockerode TTY stream | ${fmtSpread(t.throughput.raw)} |`,
      `| Sonde WebSocket, acking client | ${fmtSpread(t.throughput.sonde)} |`,
      `| ratio Sonde / raw, per pair | ${fmtSpread(t.throughput.ratio, 2)} |`,
      `| Sonde server CPU, ms per MB | ${fmtSpread(t.throughput.relayCpuMsPerMB, 1)} |`,
      '',
    );
    out.push('## Keystroke echo', '');
    out.push(
      `One byte written, the time until it comes back; the shell runs \`stty raw -echo; cat\`. ${t.echo.raw.n} round trips per path in blocks`,
      'after 20 warm-ups each, alternating which path goes first. ms:',
      '',
      '| | p50 | p90 | p99 | max | n |',
      '|---|---|---|---|---|---|',
      echoRow('raw dockerode', t.echo.raw),
      echoRow('Sonde', t.echo.sonde),
      `| **added by Sonde** | **+${fmt(t.echo.addedP50, 3)}** | | **+${fmt(t.echo.addedP99, 3)}** | | |`,
      '',
    );
    out.push('### Echo while another session floods', '');
    out.push(
      'A second shell runs `while :; do cat flood.txt; done`, read at full speed by a process of its own (as another',
      `browser tab would); the echo is measured in the first shell meanwhile (${t.echoUnderFlood.raw.n} samples per path, in blocks, alternating).`,
      'Raw: both shells on raw dockerode streams. Sonde: both sessions on the same Sonde server. ms:',
      '',
      '| | p50 | p90 | p99 | max | n |',
      '|---|---|---|---|---|---|',
      echoRow('raw echo, raw flood', t.echoUnderFlood.raw),
      echoRow('Sonde echo, Sonde flood (same server)', t.echoUnderFlood.sonde),
      `| ratio Sonde / raw | ${fmt(t.echoUnderFlood.ratioP50, 2)} × | | ${fmt(t.echoUnderFlood.ratioP99, 2)} × | | |`,
      '',
      `The flood ran at ${fmt(t.echoUnderFlood.rawFloodMBs, 1)} MB/s raw and ${fmt(t.echoUnderFlood.sondeFloodMBs, 1)} MB/s through Sonde during the measurement.`,
      `During the raw flood, an idle Node process's timers fired late by p50 ${fmt(t.echoUnderFlood.probeDuringRawFlood.p50, 2)} ms, p99 ${fmt(t.echoUnderFlood.probeDuringRawFlood.p99, 1)} ms,`,
      `max ${fmt(t.echoUnderFlood.probeDuringRawFlood.max, 0)} ms while the flood ran (cat, the shim, dockerd and the reader want the CPUs): that wake-up delay`,
      'is what any extra process on the echo path pays, twice for a relay (keystroke in, echo out). See the analysis below.',
      '',
    );
    out.push('## Ctrl-C during a flood', '');
    out.push(
      'The shell runs `while :; do cat flood.txt; done` for 2 s; then Ctrl-C and a command are sent, and the time runs',
      'until that command\'s output is delivered (for the emulated browser: rendered). The browser emulation receives',
      `frames at once, renders ${t.ctrlC.renderRate} MB/s, and acks what it rendered (every ackBytes or when its queue drains), as the`,
      `web client does. ${t.ctrlC.raw.ms.n} runs each:`,
      '',
      '| | ms to the prompt, median (min–max) | delivered after Ctrl-C | backlog at Ctrl-C |',
      '|---|---|---|---|',
      `| raw dockerode, read at full speed (the floor) | ${fmtSpread(t.ctrlC.raw.ms, 0)} | ${fmt(t.ctrlC.raw.afterKiB.median, 0)} KiB | – |`,
      `| Sonde, fast acking client | ${fmtSpread(t.ctrlC.sondeFast.ms, 0)} | ${fmt(t.ctrlC.sondeFast.afterKiB.median, 0)} KiB | – |`,
      `| Sonde, browser rendering ${t.ctrlC.renderRate} MB/s | ${fmtSpread(t.ctrlC.sondeRender.ms, 0)} | ${fmt(t.ctrlC.sondeRender.afterKiB.median, 0)} KiB | ${fmt(t.ctrlC.sondeRender.backlogKiB.median, 0)} KiB |`,
      '',
    );
  }

  if (f) {
    out.push('### Concurrent floods', '');
    out.push(
      `${f.sessions} shells each \`cat\` a text file of ${mib(f.fileBytes)} MiB at the same time; raw: ${f.sessions} dockerode streams read by the benchmark process;`,
      `Sonde: ${f.sessions} sessions on one server, each read by an acking client in the benchmark process. ${f.raw.aggregate.n} rounds, alternating:`,
      '',
      '| | aggregate MB/s, median (min–max) | slowest / fastest session |',
      '|---|---|---|',
      `| raw dockerode | ${fmtSpread(f.raw.aggregate)} | ${fmt(f.raw.slowestToFastest.median, 2)} |`,
      `| Sonde | ${fmtSpread(f.sonde.aggregate)} | ${fmt(f.sonde.slowestToFastest.median, 2)} |`,
      `| ratio Sonde / raw, per round | ${fmtSpread(f.ratio, 2)} | |`,
      '',
    );
  }

  if (s) {
    out.push('## Time to the first prompt', '');
    out.push(
      'From the request to the shell\'s first output byte (its prompt), per attach mode, 5 runs each after one warm-up,',
      'alternating Sonde and raw. Sonde: `POST /api/sessions`, then the WebSocket, then its first frame (a client',
      'with a warm HTTP connection, as a browser has). Raw: dockerode create + attach + start of the same container',
      '(the prompt is read when `start` returns). CLI: `docker run --rm -it --net container:X sonde-toolbox` under a',
      'pty (`script`), from spawn to its first output byte. ms, median (min–max):',
      '',
      '| mode | Sonde, POST → first byte | of which POST | raw dockerode | raw create / attach / start | ratio Sonde / raw | Sonde DELETE (removal) | raw remove |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const row of s.rows) {
      out.push(
        `| ${row.label} | ${fmtSpread(row.sondeFirstByte, 0)} | ${fmt(row.sondePost.median, 0)} | ${fmtSpread(row.rawFirstByte, 0)} | ${fmt(row.rawSteps.create, 0)} / ${fmt(row.rawSteps.attach, 0)} / ${fmt(row.rawSteps.start, 0)} | ${fmtSpread(row.ratio, 2)} | ${fmt(row.sondeDelete.median, 0)} | ${fmt(row.rawRemove.median, 0)} |`,
      );
    }
    out.push('', `\`docker run --rm -it --net container:X sonde-toolbox\`: ${fmtSpread(s.cli, 0)} ms to its first byte.`, '');
    out.push(
      'Removal is not on the path to the prompt: a new session never waits for an old toolbox to go. `DELETE` waits for',
      'the removal so that a client knows the toolbox is gone when it returns.',
      '',
    );
  }

  if (mem) {
    out.push('## Server memory', '');
    out.push(
      'A fresh server process of its own. RSS from `/proc/<pid>/status`; "held" is V8 heap used plus external memory',
      'after a full GC (run through the inspector), which is what the server really keeps. Sessions are container',
      'mode, each with one connected client, opened 5 at a time.',
      '',
      '| | |',
      '|---|---|',
      `| RSS 1 s after start, no session yet (before any GC) | ${fmt(mem.idleRssMiB, 1)} MiB |`,
      `| RSS after one session came and went, after a full GC (the baseline below) | ${fmt(mem.warmRssMiB, 1)} MiB, ${mem.warmFds} fds |`,
      `| RSS per idle session, 10 open | ${fmt(mem.perIdleSessionKiB.at10, 0)} KiB |`,
      `| RSS per idle session, 50 open | ${fmt(mem.perIdleSessionKiB.at50, 0)} KiB (held after GC: ${fmt(mem.perIdleSessionHeldKiB.at50, 0)} KiB) |`,
      `| RSS with 50 open | ${fmt(mem.at50RssMiB, 1)} MiB |`,
      `| peak RSS while all 50 print 2 MB of 96-character lines at once (${fmt(mem.floodBytes / 1e6, 0)} MB delivered, ${fmt(mem.floodAggregateMBs, 1)} MB/s aggregate) | ${fmt(mem.floodPeakRssMiB, 1)} MiB |`,
      `| bound for that case (formula below) | ${fmt(mem.floodBoundMiB, 0)} MiB |`,
      `| after closing all 50 (6 s later, after GC) | ${fmt(mem.afterRssMiB, 1)} MiB RSS (the allocator keeps freed pages), ${kib(mem.afterHeap.heapUsed - mem.warmHeap.heapUsed)} more heap and ${kib(mem.afterHeap.arrayBuffers - mem.warmHeap.arrayBuffers)} more buffers than the baseline (the ended sessions' last screens), ${mem.afterFds} fds (with the benchmark's pooled HTTP connections) |`,
      `| time to open the 50 sessions, 5 at a time | ${fmt(mem.openAllSeconds, 1)} s |`,
      '',
      '**Memory bound.** Per live session: the replay buffer (4 MiB) plus one chunk being appended (≤ 64 KiB), and per',
      'attached client at most one flow-control window not yet acknowledged (2 MiB) plus one frame being assembled',
      '(256 KiB): `4.06 MiB + clients × 2.25 MiB`. An ended session keeps only its last 64 KiB of output (plus one',
      'chunk) while it stays listed. So the server needs at most `base + Σ(4.06 MiB + clients × 2.25 MiB)`; the',
      'row above uses one client per session. Idle sessions hold only the output they produced.',
      '',
    );
  }

  if (r.inventory) {
    const inv = r.inventory;
    out.push('## `GET /api/containers` with many containers', '');
    out.push(
      `${inv.containers} containers on the engine: ${inv.created} busybox \`sleep\`s without a network, ${inv.started} of them started (made in ${fmt(inv.createSeconds, 1)} s,`,
      `removed in ${fmt(inv.removeSeconds, 1)} s), plus whatever else runs there. 20 requests each, alternating, after 3 warm-ups. ms:`,
      '',
      '| | median (min–max) |',
      '|---|---|',
      `| dockerode \`listContainers({all: true})\` | ${fmtSpread(inv.raw, 1)} |`,
      `| Sonde \`GET /api/containers\` through \`@sonde/client\` (HTTP, auth, mapping, JSON, the client's reply check) | ${fmtSpread(inv.sonde, 1)} |`,
      `| of which the client's reply check (\`Value.Check\` against the shared schema) | ${fmtSpread(inv.clientCheck, 1)} |`,
      `| ratio | ${fmt(inv.ratio, 2)} |`,
      '',
    );
  }

  if (r.web) {
    const w = r.web;
    out.push('## Web UI', '');
    out.push(`\`web/dist\` as built at ${w.builtAt} (source maps excluded):`, '', '| file | bytes | gzip |', '|---|---|---|');
    for (const file of w.files) out.push(`| ${file.name} | ${file.bytes} | ${file.gzip} |`);
    out.push(`| **total** | **${w.totalBytes}** (${fmt(w.totalBytes / 1024, 0)} KiB) | **${w.totalGzip}** (${fmt(w.totalGzip / 1024, 0)} KiB) |`, '');
    if (w.pageLoad) {
      out.push(
        `Headless Chromium (Debian's), a fresh browser context per run (no cache, no cookie), ${w.pageLoad.runs} runs after one warm-up: open`,
        '`/?token=…`, wait for the sidebar (the Host shell button), click it, wait until the terminal shows a prompt. ms:',
        '',
        '| | median (min–max) |',
        '|---|---|',
        `| page load → UI ready | ${fmtSpread(w.pageLoad.uiReady, 0)} |`,
        `| click → prompt on screen | ${fmtSpread(w.pageLoad.clickToPrompt, 0)} |`,
        `| **page load → usable prompt** | **${fmtSpread(w.pageLoad.loadToPrompt, 0)}** |`,
        '',
      );
    } else if (w.pageLoadError) {
      out.push(`Page load not measured: ${w.pageLoadError}.`, '');
    }
  }

  const errors = Object.entries(r.errors);
  if (errors.length) {
    out.push('## Parts that failed in this run', '');
    for (const [part, message] of errors) out.push(`- ${part}: ${message}`);
    out.push('');
  }

  out.push('## Analysis and proposals', '');
  out.push(...analysis(r, rows));

  out.push('## Method', '');
  out.push(
    '- The server under test is the built server (`node server/dist/server.js`) as a child process on an ephemeral',
    '  loopback port with its own `SONDE_INSTANCE`; the benchmark process holds the clients and the raw baselines.',
    `  On ${m.cores} cores, benchmark, server and dockerd share the CPUs.`,
    '- Raw baselines use dockerode with the container spec Sonde builds (same image, entrypoint, namespaces, caps and',
    '  limits), so the difference is Sonde itself: its HTTP API, session core and WebSocket.',
    '- Throughput and echo pair each Sonde run with a raw run and alternate which goes first; ratios are per pair.',
    '- Percentiles are nearest-rank over all samples of a path; spreads are median (min–max) over runs.',
    '- Everything created (containers, a network) is labelled `sonde.bench=true` or `sonde.test=true` and removed at the end.',
    '',
  );
  return out.join('\n');
}
