import { FLOW_HIGH_WATERMARK } from '@sonde/shared';
import { BULK_BURST_BYTES, BULK_BYTES_PER_SECOND } from '../src/sessions/interactive-priority.js';
import type { BenchResults } from './main.js';
import { fmt, fmtSpread, type Spread } from './stats.js';
import type { StartupRow } from './startup-bench.js';
import type { EchoStats } from './terminal-bench.js';
import type { Transport, TransportResults } from './transport-bench.js';

/**
 * Renders docs/benchmarks.md from one run's results. Every verdict is computed against TARGETS
 * and every sentence of the analysis is built from the run's own figures, so a later run that
 * measures something else says something else. A section the run did not measure is left out,
 * and so are its targets.
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

/** The targets of issue 15 (and, below them, issue 6's that still stand): one definition for the table and the analysis. */
export const TARGETS = {
  /** Sonde's throughput (recording on) over the raw TTY stream's, median of ≥ 6 paired runs: at least. */
  throughputRatio: 0.95,
  throughputPairs: 6,
  /** Keystroke echo added by Sonde, idle, ms: at most. */
  echoAddedP50Ms: 0.3,
  echoAddedP99Ms: 1.5,
  /** Echo p99 through Sonde over raw while another session floods, in every one of ≥ 3 runs: at most. */
  echoUnderFloodRatioP99: 2,
  floodRuns: 3,
  /** First prompt of a second session by the same user to a target with a live toolbox, over raw create+start: at most. */
  reuseRatio: 0.3,
  /** First prompt of a first session over raw dockerode, every mode: at most. */
  firstPromptRatio: 1,
  /** Page load (fresh browser) → usable prompt, s: at most; a deep link to a running session: at most. */
  pageLoadSeconds: 1,
  deepLinkSeconds: 0.5,
  /** RSS per idle session with 500 open, KiB: at most. */
  idleSessionKiB: 64,
  idleSessionsAt: 500,
  /** Issue 6: Ctrl-C in a flood to the prompt, browser emulation, worst run, s: at most. */
  ctrlCSeconds: 0.5,
  /** Issue 6: concurrent floods, Sonde's aggregate over raw's, and the slowest session over the fastest: at least. */
  floodsAggregateRatio: 0.8,
  floodsFairness: 0.5,
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
/**
 * What the exec path costs Docker, from the run's own raw exec baseline: how far it is from the
 * attach baseline (the target's), and how close Sonde came to it. Nothing when it was not measured.
 */
function execSentence(rows: readonly StartupRow[]): string[] {
  const measured = rows.filter((row): row is StartupRow & { rawExecFirstByte: Spread } => row.rawExecFirstByte !== undefined);
  if (measured.length === 0) return [];
  const execOverAttach = measured.map((row) => row.rawExecFirstByte.median / row.rawFirstByte.median);
  const sondeOverExec = measured.map((row) => row.sondeFirstByte.median / row.rawExecFirstByte.median);
  return [
    `Without Sonde, the path its shells take (the container idling, the shell a TTY exec in it) took ${range(execOverAttach, 2)} × the attach baseline: Docker starts the exec's process after the container's, which the attach baseline does not pay. Sonde took ${range(sondeOverExec, 2)} × that path.`,
  ];
}

/** Where the runs of a spread fell against an "at least" target. */
function runsAgainst(s: Spread, atLeast: number, what: string): string {
  if (s.min >= atLeast) return `every ${what} reached it`;
  if (s.max < atLeast) return `no ${what} reached it`;
  return `${what}s fell on both sides of it, from ${fmt(s.min, 2)} to ${fmt(s.max, 2)}`;
}

/** The memory curve's point at (or nearest below) `sessions`. */
function pointAt(r: BenchResults, sessions: number) {
  const curve = r.memory?.curve ?? [];
  return [...curve].reverse().find((p) => p.sessions <= sessions) ?? curve[0];
}

/** The summary table's rows, computed from the parts this run measured. */
export function targetRows(r: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const t = r.terminal;
  const tp = t?.throughput;
  if (tp) {
    rows.push({
      target: `throughput, recording on, ≥ ${TARGETS.throughputRatio} × raw TTY stream (median of ≥ ${TARGETS.throughputPairs} paired runs)`,
      measured: `${fmt(tp.ratio.median, 2)} (${tp.ratio.n} pairs, ${fmt(tp.ratio.min, 2)}–${fmt(tp.ratio.max, 2)})`,
      met: tp.ratio.median >= TARGETS.throughputRatio && tp.ratio.n >= TARGETS.throughputPairs,
    });
  }
  const e = t?.echo;
  if (e) {
    rows.push(
      { target: `keystroke echo added ≤ +${TARGETS.echoAddedP50Ms} ms at p50`, measured: `+${fmt(e.addedP50, 3)} ms`, met: e.addedP50 <= TARGETS.echoAddedP50Ms },
      { target: `keystroke echo added ≤ +${TARGETS.echoAddedP99Ms} ms at p99`, measured: `+${fmt(e.addedP99, 3)} ms`, met: e.addedP99 <= TARGETS.echoAddedP99Ms },
    );
  }
  const u = t?.echoUnderFlood;
  if (u) {
    const ratios = u.runs.map((run) => run.ratioP99);
    rows.push({
      target: `echo while another session floods ≤ ${TARGETS.echoUnderFloodRatioP99} × raw under the same flood (p99), in every one of ≥ ${TARGETS.floodRuns} runs`,
      measured: `${ratios.map((x) => `${fmt(x, 2)} ×`).join(', ')}`,
      met: ratios.length >= TARGETS.floodRuns && ratios.every((x) => x <= TARGETS.echoUnderFloodRatioP99),
    });
  }
  if (r.reuse) {
    const worst = Math.max(...r.reuse.rows.map((row) => row.ratio.median));
    rows.push({
      target: `first prompt of a second session to a target with the user's toolbox running ≤ ${TARGETS.reuseRatio} × raw create+start, every mode`,
      measured: `${r.reuse.rows.map((row) => `${row.label} ${fmt(row.ratio.median, 2)} ×`).join(', ')}${r.reuse.rows.every((row) => row.allReused) ? '' : ' (not every session reused the toolbox)'}`,
      met: worst <= TARGETS.reuseRatio && r.reuse.rows.every((row) => row.allReused),
    });
  }
  const s = r.startup;
  if (s) {
    rows.push({
      target: `first prompt of a first session ≤ ${TARGETS.firstPromptRatio} × raw dockerode, every mode`,
      measured: s.rows.map((row) => `${row.label} ${fmt(row.ratio.median, 2)} ×`).join(', '),
      met: s.rows.every((row) => row.ratio.median <= TARGETS.firstPromptRatio),
    });
  }
  const w = r.web;
  if (w?.pageLoad) {
    rows.push({
      target: `page load (fresh browser, no cache) → usable prompt ≤ ${TARGETS.pageLoadSeconds} s`,
      measured: `${fmt(w.pageLoad.loadToPrompt.median / 1000, 2)} s (${fmt(w.pageLoad.loadToPrompt.min / 1000, 2)}–${fmt(w.pageLoad.loadToPrompt.max / 1000, 2)} s)`,
      met: w.pageLoad.loadToPrompt.median <= TARGETS.pageLoadSeconds * 1000,
    });
  }
  if (w?.deepLink) {
    rows.push({
      target: `deep link to a running session → its prompt ≤ ${TARGETS.deepLinkSeconds} s`,
      measured: `${fmt(w.deepLink.loadToPrompt.median / 1000, 2)} s (${fmt(w.deepLink.loadToPrompt.min / 1000, 2)}–${fmt(w.deepLink.loadToPrompt.max / 1000, 2)} s)`,
      met: w.deepLink.loadToPrompt.median <= TARGETS.deepLinkSeconds * 1000,
    });
  }
  const mem = r.memory;
  if (mem && mem.curve.length) {
    const far = mem.curve.at(-1)!;
    rows.push(
      {
        target: `server memory per idle session ≤ ${TARGETS.idleSessionKiB} KiB with ${TARGETS.idleSessionsAt} open`,
        measured: `${fmt(far.perSessionKiB, 0)} KiB at ${far.sessions} (curve ${mem.curve.map((p) => `${p.sessions}: ${fmt(p.perSessionKiB, 0)}`).join(' → ')} KiB)`,
        met: far.sessions >= TARGETS.idleSessionsAt && far.perSessionKiB <= TARGETS.idleSessionKiB,
      },
      {
        target: `network-state snapshots create no container (${far.sessions} sessions: one container per toolbox)`,
        measured: `${far.createdContainers} created for ${far.toolboxes} toolboxes`,
        met: far.createdContainers === far.toolboxes,
      },
      {
        target: `memory under output bounded by the flow-control formula (${mem.floodSessions} sessions printing)`,
        measured: `peak ${fmt(mem.floodPeakRssMiB, 0)} MiB ${mem.floodPeakRssMiB <= mem.floodBoundMiB ? '≤' : '>'} ${fmt(mem.floodBoundMiB, 0)} MiB`,
        met: mem.floodPeakRssMiB <= mem.floodBoundMiB,
      },
    );
  }
  const c = t?.ctrlC;
  if (c) {
    rows.push({
      target: `(issue 6) Ctrl-C in a flood, browser rendering ${c.renderRate} MB/s, back to the prompt ≤ ${TARGETS.ctrlCSeconds} s`,
      measured: `${fmt(c.sondeRender.ms.median / 1000, 2)} s (max ${fmt(c.sondeRender.ms.max / 1000, 2)} s)`,
      met: c.sondeRender.ms.max <= TARGETS.ctrlCSeconds * 1000,
    });
  }
  const f = r.floods;
  if (f) {
    rows.push(
      {
        target: `(issue 6) ${f.sessions} concurrent floods ≥ ${TARGETS.floodsAggregateRatio} × the raw aggregate`,
        measured: `${fmt(f.ratio.median, 2)} (rounds ${fmt(f.ratio.min, 2)}–${fmt(f.ratio.max, 2)})`,
        met: f.ratio.median >= TARGETS.floodsAggregateRatio,
      },
      {
        target: `(issue 6) … the slowest session ≥ ${TARGETS.floodsFairness} × the fastest`,
        measured: `${fmt(f.sonde.slowestToFastest.median, 2)} (raw ${fmt(f.raw.slowestToFastest.median, 2)})`,
        met: f.sonde.slowestToFastest.median >= TARGETS.floodsFairness,
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
  const raw = r.terminal?.throughput?.raw;
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
  const tp = t?.throughput;
  if (tp) {
    const cpu = tp.relayCpuMsPerMB.median;
    const throughputMet = tp.ratio.median >= TARGETS.throughputRatio;
    out.push(
      `**Throughput.** Sonde relayed ${fmt(tp.sonde.median, 1)} MB/s against ${fmt(tp.raw.median, 1)} MB/s on the raw stream, ${fmt(tp.ratio.median, 2)} × (target ≥ ${TARGETS.throughputRatio}: ${verdict(throughputMet)}); ${runsAgainst(tp.ratio, TARGETS.throughputRatio, 'pair')}.`,
      `The server process spent ${fmt(cpu, 1)} ms of CPU per MB it relayed (all its threads, so recording the session is included): at ${fmt(tp.sonde.median, 1)} MB/s that is ${pct((cpu * tp.sonde.median) / 1000)} of one core.`,
    );
    if (!throughputMet) {
      out.push('The ratio moves with the CPU spent per byte on the session thread: what remains there is the relay itself (socket reads and writes, acks) and handing chunks to the recorder.');
    }
    out.push('');
  }

  const e = t?.echo;
  if (e) {
    const p50Met = e.addedP50 <= TARGETS.echoAddedP50Ms;
    const p99Met = e.addedP99 <= TARGETS.echoAddedP99Ms;
    out.push(
      `**Keystroke echo, idle.** Sonde added ${fmt(e.addedP50, 3)} ms at p50 (${fmt(e.raw.p50, 3)} → ${fmt(e.sonde.p50, 3)} ms; target ≤ ${TARGETS.echoAddedP50Ms} ms: ${verdict(p50Met)}) and ${fmt(e.addedP99, 3)} ms at p99 (${fmt(e.raw.p99, 3)} → ${fmt(e.sonde.p99, 3)} ms; target ≤ ${TARGETS.echoAddedP99Ms} ms: ${verdict(p99Met)}).`,
      '',
    );
  }

  const u = t?.echoUnderFlood;
  if (u) {
    const all = u.all;
    const rawProbe = all.probeDuringRawFlood;
    // Sonde's echo is measured during the flood through Sonde: its crossings wait as long as that flood makes processes wait.
    const probe = all.probeDuringSondeFlood;
    const added = all.sonde.p99 - all.raw.p99;
    const waiting = 2 * probe.p99;
    const heavier = probe.p99 > 1.5 * rawProbe.p99;
    const worst = Math.max(...u.runs.map((run) => run.ratioP99));
    const floodMet = u.runs.length >= TARGETS.floodRuns && worst <= TARGETS.echoUnderFloodRatioP99;
    out.push(
      `**Echo while another session floods.** In ${u.runs.length} runs the p99 through Sonde was ${u.runs.map((run) => `${fmt(run.ratioP99, 2)} ×`).join(', ')} the raw p99 under the same flood (target ≤ ${TARGETS.echoUnderFloodRatioP99} × in every run: ${verdict(floodMet)}); pooled, ${fmt(all.sonde.p99, 3)} ms against ${fmt(all.raw.p99, 3)} ms (p50 ${fmt(all.ratioP50, 2)} ×).`,
      'The echo through Sonde crosses one more process than the raw stream, twice (keystroke in, echo out), and each crossing waits for a CPU like any other process.',
      `An idle process's timers fired late by ${fmt(rawProbe.p99, 2)} ms at p99 during the raw flood, and by ${fmt(probe.p99, 2)} ms during the flood through Sonde${heavier ? ': relaying a flood loads the machine more than Docker copying it alone, and every process on the echo path (dockerd, the shim, the relay) waits longer for a CPU' : ''}.`,
      ...(all.sondeFloodMBs > 1.15 * all.rawFloodMBs
        ? [
            `The flood through Sonde also moved ${fmt((all.sondeFloodMBs / all.rawFloodMBs - 1) * 100, 0)}% more bytes a second than the raw flood (${fmt(all.sondeFloodMBs, 1)} against ${fmt(all.rawFloodMBs, 1)} MB/s): the two echoes were measured under different loads.`,
          ]
        : all.sondeFloodMBs < 0.85 * all.rawFloodMBs
          ? [
              `The flood through Sonde moved ${fmt(all.sondeFloodMBs, 1)} MB/s against ${fmt(all.rawFloodMBs, 1)} MB/s for the raw flood: while a terminal is typed into, Sonde relays every other terminal's output at ${fmt(BULK_BYTES_PER_SECOND / 1e6, 0)} MB/s at most (after a burst of ${BULK_BURST_BYTES / 1024} KiB; the terminal typed into is never slowed, nothing is dropped), and this benchmark types without a pause.`,
              'That priority is what keeps the echo near the raw one: the flood loads the machine less while someone types. The two echoes were measured under different loads, on purpose; a raw Docker flood has no such priority.',
            ]
          : []),
      `So waiting alone can account for about ${fmt(waiting, 2)} ms at p99 on a relay; Sonde added ${fmt(added, 2)} ms.`,
      added <= waiting
        ? 'That is within what waiting for a CPU explains: this run shows no time spent in Sonde beyond being one more process to schedule.'
        : `That is ${fmt(added - waiting, 2)} ms more than waiting for a CPU explains, so this run points at work in Sonde on the echo path while the other session floods${heavier ? ', or at the heavier load slowing Docker\'s part of the path more than one idle process shows' : ''}.`,
      '',
    );
  }

  const c = t?.ctrlC;
  if (c) {
    const backlogBytes = c.sondeRender.backlogKiB.median * 1024;
    const ctrlCMet = c.sondeRender.ms.max <= TARGETS.ctrlCSeconds * 1000;
    out.push(
      `**Ctrl-C during a flood.** With the browser emulation rendering ${c.renderRate} MB/s, the prompt was back after ${fmt(c.sondeRender.ms.median, 0)} ms (${fmt(c.sondeRender.ms.max, 0)} ms at worst; target ≤ ${TARGETS.ctrlCSeconds} s at worst: ${verdict(ctrlCMet)}), against ${fmt(c.raw.ms.median, 0)} ms on the raw stream read at full speed and ${fmt(c.sondeFast.ms.median, 0)} ms for a fast client of Sonde.`,
      `At Ctrl-C ${kib(backlogBytes)} were waiting for the browser, ${backlogBytes <= FLOW_HIGH_WATERMARK ? `within the flow-control window (${kib(FLOW_HIGH_WATERMARK)}), which bounds it` : `more than the flow-control window (${kib(FLOW_HIGH_WATERMARK)}) should allow`}; rendering that much at ${c.renderRate} MB/s takes ${fmt((backlogBytes / (c.renderRate * 1e6)) * 1000, 0)} ms.`,
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
      `**Time to the first prompt, first session.** Sonde took ${range(ratios, 2)} × the raw dockerode time across the ${s.rows.length} attach modes (target ≤ ${TARGETS.firstPromptRatio} ×: ${over.length ? `**missed** for ${over.map((row) => row.label).join(', ')}` : 'met in every mode'}).`,
      `Docker's \`start\` was ${range(startShares.map((x) => x * 100), 0)}% of the raw time to the first byte; the slowest mode through Sonde was ${slowest.label} (${fmt(slowest.sondeFirstByte.median, 0)} ms; Docker's \`start\` of the same container took ${fmt(slowest.rawSteps.start, 0)} ms on the raw side).`,
      `Sonde's POST (resolving the target, creating and starting the toolbox, opening the shell in it) was ${range(postShares.map((x) => x * 100), 0)}% of its time to the first byte; the rest is the WebSocket and its first frame.`,
      ...execSentence(s.rows),
      `\`docker run -it --net container:X\` took ${fmt(s.cli.median, 0)} ms to its first byte; Sonde, ${s.rows[0]!.label}, took ${fmt(s.cliVsSonde, 2)} × that.`,
      '',
    );
  }

  if (r.reuse && r.reuse.rows.length) {
    const rows = r.reuse.rows;
    const over = rows.filter((row) => row.ratio.median > TARGETS.reuseRatio);
    out.push(
      `**Time to the first prompt, a further session.** With the user's toolbox on the target running, a new session took ${range(rows.map((row) => row.sondeFirstByte.median), 0)} ms to its prompt, ${range(rows.map((row) => row.ratio.median), 2)} × a raw create+start (target ≤ ${TARGETS.reuseRatio} ×: ${over.length ? `**missed** for ${over.map((row) => row.label).join(', ')}` : 'met in every mode'}).`,
      "That path hands the session the spare shell already started in the running toolbox (one line written to it, then the shell's own start); only when the spare is still starting is it a `docker exec`, which costs what Docker's exec costs (runc entering the container's namespaces and starting the shell).",
      '',
    );
  }

  const mem = r.memory;
  if (mem && mem.curve.length) {
    const far = mem.curve.at(-1)!;
    const near = mem.curve[0]!;
    const growing = far.perSessionKiB > near.perSessionKiB;
    out.push(
      `**Server memory.** An idle session took ${mem.curve.map((p) => `${fmt(p.perSessionKiB, 0)} KiB of RSS with ${p.sessions} open`).join(', ')} (target ≤ ${TARGETS.idleSessionKiB} KiB at ${TARGETS.idleSessionsAt}: ${verdict(far.sessions >= TARGETS.idleSessionsAt && far.perSessionKiB <= TARGETS.idleSessionKiB)}); after a full GC the server held ${mem.curve.map((p) => `${fmt(p.heldPerSessionKiB, 0)}`).join(', ')} KiB per session.`,
      `The per-session figure ${growing ? 'grew' : 'fell'} from ${near.sessions} to ${far.sessions} sessions${growing ? '' : ' (fixed costs spread over more sessions)'}. ${far.sessions} sessions ran in ${far.toolboxes} toolboxes, and ${far.createdContainers} containers were created while they opened, snapshots included.`,
      `With ${mem.floodSessions} of them printing at once, RSS peaked at ${fmt(mem.floodPeakRssMiB, 0)} MiB, ${pct(mem.floodPeakRssMiB / mem.floodBoundMiB)} of the ${fmt(mem.floodBoundMiB, 0)} MiB the flow-control formula allows (${verdict(mem.floodPeakRssMiB <= mem.floodBoundMiB)}).`,
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
  if (page) {
    const browser = page.clickToPrompt.median;
    out.push(
      `**In the browser**, a fresh browser took ${fmt(page.uiReady.median, 0)} ms from loading the page to a usable console and ${fmt(browser, 0)} ms from the click on Host shell to the prompt on screen: ${fmt(page.loadToPrompt.median, 0)} ms in all (target ≤ ${TARGETS.pageLoadSeconds} s: ${verdict(page.loadToPrompt.median <= TARGETS.pageLoadSeconds * 1000)}).`,
      ...(host ? [`The same host-mode session opened from a script took ${fmt(host.sondeFirstByte.median, 0)} ms (POST → first byte), so the page's own work around the click was ${fmt(browser - host.sondeFirstByte.median, 0)} ms.`] : []),
      ...(r.web?.deepLink ? [`A deep link to a running session showed its prompt ${fmt(r.web.deepLink.loadToPrompt.median, 0)} ms after the page was asked for (target ≤ ${TARGETS.deepLinkSeconds} s: ${verdict(r.web.deepLink.loadToPrompt.median <= TARGETS.deepLinkSeconds * 1000)}).`] : []),
      '',
    );
  }

  const rec = r.recorder;
  if (rec) {
    const worker = rec.cpu.filter((c) => c.path.includes('worker'));
    const before = rec.cpu.filter((c) => c.path.includes('before'));
    out.push(
      `**Recording.** On the session's thread the recorder cost ${range(worker.map((c) => c.mainMsPerMB.median), 2)} ms of CPU per MB of output (against ${range(before.map((c) => c.mainMsPerMB.median), 2)} ms when casts were written on that thread); an idle recording held ${fmt(rec.memory.rssPerRecordingKiB, 1)} KiB of RSS.`,
      '',
    );
  }
  return out;
}

const TRANSPORT_NAMES: Record<Transport, string> = {
  local: 'local unix socket',
  tcp: 'nested engine, plain tcp',
  tls: 'nested engine, TLS (client certificate)',
  ssh: 'nested engine, ssh',
};

/** The engine transports (transport-bench.ts): each phase's engines measured interleaved, so compare within a phase. */
export function transportSection(t: TransportResults): string[] {
  const out = ['## Engine transports', ''];
  out.push(
    `A nested engine of the bench's own (the testbed's node image) beside the local one. Session start is POST /api/sessions to the`,
    `first prompt byte, median (min–max) of ${t.runs}; a listing is one engine's \`GET /api/containers?engine=…\`. Rows of a phase were`,
    'measured interleaved with each other; compare within a phase. ms:',
    '',
    '| phase | engine reached over | session start | one listing |',
    '|---|---|---|---|',
  );
  for (const phase of t.phases) {
    for (const row of phase.rows) out.push(`| ${phase.label} | ${TRANSPORT_NAMES[row.transport]} | ${fmtSpread(row.sessionStart, 0)} | ${fmtSpread(row.listOne, 1)} |`);
  }
  const local = t.phases.flatMap((p) => p.rows).find((row) => row.transport === 'local');
  const ssh = t.phases.flatMap((p) => p.rows).find((row) => row.transport === 'ssh');
  out.push('');
  if (local && ssh) out.push(`- A session start over ssh took ${fmt(ssh.sessionStart.median / local.sessionStart.median, 1)}× the local engine's (medians).`);
  const extra = t.listAll.oneHung.median - t.listAll.healthy.median;
  out.push(
    `- \`GET /api/containers\` of the local and the nested engine: ${fmtSpread(t.listAll.healthy, 1)} ms with both healthy, ${fmtSpread(t.listAll.oneHung, 0)} ms with the nested one paused`,
    `  (it accepts connections and never answers), at a deadline of ${t.listAll.deadlineMs} ms: the hung engine cost ${fmt(extra, 0)} ms${extra > t.listAll.deadlineMs * 1.1 ? ', **more than the deadline**' : ''}` +
      (t.listAll.unreachableHeader ? `, and the reply named it (\`x-sonde-unreachable: ${t.listAll.unreachableHeader}\`).` : ', and the reply did **not** name it unreachable.'),
    `- Setup: node ${fmt(t.setupSeconds.node, 0)} s, images into the node ${fmt(t.setupSeconds.images, 0)} s, the engine restarted with TLS ${fmt(t.setupSeconds.tlsRestart, 0)} s.`,
    '',
  );
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

  const t = r.terminal;
  const s = r.startup;
  const f = r.floods;
  const mem = r.memory;
  const rows = targetRows(r);
  out.push('## Against the targets (issue 15)', '');
  out.push('| target | measured | verdict |', '|---|---|---|');
  for (const row of rows) out.push(`| ${row.target} | ${row.measured} | ${verdict(row.met)} |`);
  out.push('');

  if (t?.throughput) {
    const tp = t.throughput;
    out.push('## Terminal output throughput', '');
    out.push(
      `\`cat\` of a text file of ${mib(tp.fileBytes)} MiB (96-character lines) in a toolbox joined to a busybox target, read to an end`,
      `marker: ${tp.raw.n} paired runs, alternating which goes first, ${fmt(tp.bytesPerRun / 1e6, 1)} MB received per run`,
      '(the tty turns each `\\n` into `\\r\\n`). Raw: a TTY exec in an idling container of the same spec, its stream read with dockerode in the',
      'benchmark process: the stream Docker gives Sonde\'s shells, which are execs too (an attached container process is a slower',
      'stream, so Sonde would look faster than the wire it reads). Sonde:',
      'the same container made by Sonde, recorded as every session is, read through the WebSocket by a client that acks',
      'every frame on arrival.',
      '',
      '| | MB/s, median (min–max) |',
      '|---|---|',
      `| raw dockerode TTY stream (exec) | ${fmtSpread(tp.raw)} |`,
      `| Sonde WebSocket, acking client | ${fmtSpread(tp.sonde)} |`,
      `| ratio Sonde / raw, per pair | ${fmtSpread(tp.ratio, 2)} |`,
      `| Sonde server CPU, ms per MB | ${fmtSpread(tp.relayCpuMsPerMB, 1)} |`,
      '',
    );
  }
  if (t?.echo) {
    out.push('## Keystroke echo', '');
    out.push(
      `One byte written, the time until it comes back; the shell runs \`stty raw -echo; cat\`. ${t.echo.raw.n} round trips per path in blocks`,
      'after 20 warm-ups each, alternating which path goes first. ms:',
      '',
      '| | p50 | p90 | p99 | max | n |',
      '|---|---|---|---|---|---|',
      echoRow('raw dockerode (exec)', t.echo.raw),
      echoRow('Sonde', t.echo.sonde),
      `| **added by Sonde** | **+${fmt(t.echo.addedP50, 3)}** | | **+${fmt(t.echo.addedP99, 3)}** | | |`,
      '',
    );
  }
  if (t?.echoUnderFlood) {
    const u = t.echoUnderFlood;
    out.push('### Echo while another session floods', '');
    out.push(
      'A second shell runs `while :; do cat flood.txt; done`, read at full speed by a process of its own (as another',
      `browser tab would); the echo is measured in the first shell meanwhile: ${u.runs.length} runs of ${u.runs[0]?.raw.n ?? 0} samples per path, in blocks, alternating.`,
      "Raw: both shells TTY execs on raw dockerode streams. Sonde: both sessions on the same Sonde server (the flooding one another user's, so in a",
      'toolbox of its own, as the raw flood is in a container of its own). ms:',
      '',
      '| run | raw p50 | raw p99 | Sonde p50 | Sonde p99 | ratio p50 | **ratio p99** | flood MB/s raw / Sonde | idle process late, p99, raw / Sonde flood |',
      '|---|---|---|---|---|---|---|---|---|',
      ...u.runs.map(
        (run, i) =>
          `| ${i + 1} | ${fmt(run.raw.p50, 3)} | ${fmt(run.raw.p99, 3)} | ${fmt(run.sonde.p50, 3)} | ${fmt(run.sonde.p99, 3)} | ${fmt(run.ratioP50, 2)} × | **${fmt(run.ratioP99, 2)} ×** | ${fmt(run.rawFloodMBs, 1)} / ${fmt(run.sondeFloodMBs, 1)} | ${fmt(run.probeDuringRawFlood.p99, 2)} / ${fmt(run.probeDuringSondeFlood.p99, 2)} |`,
      ),
      '',
      '| pooled | p50 | p90 | p99 | max | n |',
      '|---|---|---|---|---|---|',
      echoRow('raw echo, raw flood', u.all.raw),
      echoRow('Sonde echo, Sonde flood (same server)', u.all.sonde),
      '',
      `"Idle process late": during each flood, an idle Node process's timers fired late by this much (max ${fmt(u.all.probeDuringRawFlood.max, 0)} ms over all runs of the raw flood, ${fmt(u.all.probeDuringSondeFlood.max, 0)} ms of the flood through Sonde)`,
      'while cat, the shim, dockerd, the relay and the reader wanted the CPUs: the wake-up delay any extra process on the echo path pays,',
      'twice for a relay (keystroke in, echo out). See the analysis below.',
      '',
    );
  }
  if (t?.ctrlC) {
    const c = t.ctrlC;
    out.push('## Ctrl-C during a flood', '');
    out.push(
      'The shell runs `while :; do cat flood.txt; done` for 2 s; then Ctrl-C and a command are sent, and the time runs',
      "until that command's output is delivered (for the emulated browser: rendered). The browser emulation receives",
      `frames at once, renders ${c.renderRate} MB/s, and acks what it rendered (every ackBytes or when its queue drains), as the`,
      `web client does. ${c.raw.ms.n} runs each:`,
      '',
      '| | ms to the prompt, median (min–max) | delivered after Ctrl-C | backlog at Ctrl-C |',
      '|---|---|---|---|',
      `| raw dockerode exec, read at full speed (the floor) | ${fmtSpread(c.raw.ms, 0)} | ${fmt(c.raw.afterKiB.median, 0)} KiB | – |`,
      `| Sonde, fast acking client | ${fmtSpread(c.sondeFast.ms, 0)} | ${fmt(c.sondeFast.afterKiB.median, 0)} KiB | – |`,
      `| Sonde, browser rendering ${c.renderRate} MB/s | ${fmtSpread(c.sondeRender.ms, 0)} | ${fmt(c.sondeRender.afterKiB.median, 0)} KiB | ${fmt(c.sondeRender.backlogKiB.median, 0)} KiB |`,
      '',
    );
  }

  if (f) {
    out.push('### Concurrent floods', '');
    out.push(
      `${f.sessions} shells each \`cat\` a text file of ${mib(f.fileBytes)} MiB at the same time; raw: ${f.sessions} dockerode exec streams read by the benchmark process;`,
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

  if (s || r.reuse) {
    out.push('## Time to the first prompt', '');
  }
  if (s) {
    out.push(
      "From the request to the shell's first output byte (its prompt), per attach mode, 5 runs each after one warm-up,",
      'alternating Sonde and raw. Sonde, a first session: `POST /api/sessions` (a toolbox is created and started, the shell',
      'is an exec in it), then the WebSocket, then its first frame (a client with a warm HTTP connection, as a browser has).',
      'Raw: dockerode create + attach + start of the same container with the shell as its process (the prompt is read when',
      '`start` returns). CLI: `docker run --rm -it --net container:X sonde-toolbox` under a pty (`script`), from spawn to',
      'its first output byte. ms, median (min–max):',
      '',
      'Raw exec: the same container idling and the shell a TTY exec in it, as Sonde runs its shells, without Sonde (not part of',
      'the target; it shows what that path costs Docker).',
      '',
      '| mode | Sonde, POST → first byte | of which POST | raw dockerode | raw create / attach / start | raw exec | ratio Sonde / raw | Sonde DELETE (removal) | raw remove |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const row of s.rows) {
      out.push(
        `| ${row.label} | ${fmtSpread(row.sondeFirstByte, 0)} | ${fmt(row.sondePost.median, 0)} | ${fmtSpread(row.rawFirstByte, 0)} | ${fmt(row.rawSteps.create, 0)} / ${fmt(row.rawSteps.attach, 0)} / ${fmt(row.rawSteps.start, 0)} | ${row.rawExecFirstByte ? fmtSpread(row.rawExecFirstByte, 0) : '–'} | ${fmtSpread(row.ratio, 2)} | ${fmt(row.sondeDelete.median, 0)} | ${fmt(row.rawRemove.median, 0)} |`,
      );
    }
    out.push('', `\`docker run --rm -it --net container:X sonde-toolbox\`: ${fmtSpread(s.cli, 0)} ms to its first byte.`, '');
    out.push(
      'Removal is not on the path to the prompt: a new session never waits for an old toolbox to go. `DELETE` waits for',
      'the removal so that a client knows the toolbox is gone when it returns.',
      '',
    );
  }
  if (r.reuse) {
    out.push(
      '### A further session to the same target',
      '',
      "One session per mode stays open; a second session of the same user to the same target opens its shell in that session's",
      'toolbox (the spare shell waiting there) and is timed from the POST to its first byte, paired with raw dockerode create + attach + start. ms, median (min–max):',
      '',
      '| mode | Sonde, POST → first byte | of which POST | raw dockerode | ratio Sonde / raw | reused the toolbox |',
      '|---|---|---|---|---|---|',
      ...r.reuse.rows.map(
        (row) => `| ${row.label} | ${fmtSpread(row.sondeFirstByte, 0)} | ${fmt(row.sondePost.median, 0)} | ${fmtSpread(row.rawFirstByte, 0)} | ${fmtSpread(row.ratio, 2)} | ${row.allReused ? 'every time' : '**not every time**'} |`,
      ),
      '',
    );
  }

  if (mem) {
    out.push('## Server memory', '');
    out.push(
      'A fresh server process of its own. RSS from `/proc/<pid>/status`; "held" is V8 heap used plus external memory',
      'after a full GC (run through the inspector), which is what the server really keeps. Sessions are container',
      'mode, one user, each with one connected client, opened 10 at a time; each point is taken once the server is quiet',
      '(the sessions\' starting network snapshots done). The user\'s sessions share toolboxes, 16 shells each.',
      '',
      '| sessions open | RSS | RSS per idle session | held per session (after GC) | toolboxes | containers created | opened in |',
      '|---|---|---|---|---|---|---|',
      ...mem.curve.map((p) => `| ${p.sessions} | ${fmt(p.rssMiB, 1)} MiB | ${fmt(p.perSessionKiB, 0)} KiB | ${fmt(p.heldPerSessionKiB, 0)} KiB | ${p.toolboxes} | ${p.createdContainers} | ${fmt(p.openSeconds, 0)} s |`),
      '',
      '| | |',
      '|---|---|',
      `| RSS 1 s after start, no session yet (before any GC) | ${fmt(mem.idleRssMiB, 1)} MiB |`,
      `| RSS after one session came and went, after a full GC (the baseline of the curve) | ${fmt(mem.warmRssMiB, 1)} MiB, ${mem.warmFds} fds |`,
      `| peak RSS while ${mem.floodSessions} sessions print 2 MB of 96-character lines at once (${fmt(mem.floodBytes / 1e6, 0)} MB delivered, ${fmt(mem.floodAggregateMBs, 1)} MB/s aggregate) | ${fmt(mem.floodPeakRssMiB, 1)} MiB |`,
      `| bound for that case (formula below) | ${fmt(mem.floodBoundMiB, 0)} MiB |`,
      `| after closing all (6 s later, after GC) | ${fmt(mem.afterRssMiB, 1)} MiB RSS (the allocator keeps freed pages), ${kib(mem.afterHeap.heapUsed - mem.warmHeap.heapUsed)} more heap and ${kib(mem.afterHeap.arrayBuffers - mem.warmHeap.arrayBuffers)} more buffers than the baseline (the ended sessions' last screens), ${mem.afterFds} fds (with the benchmark's pooled HTTP connections) |`,
      '',
      '**Memory bound.** Per live session: the replay buffer (4 MiB) plus one chunk being appended (≤ 64 KiB), and per',
      'attached client at most one flow-control window not yet acknowledged (2 MiB) plus one frame being assembled',
      '(256 KiB): `4.06 MiB + clients × 2.25 MiB`. An ended session keeps only its last 64 KiB of output (plus one',
      'chunk) while it stays listed. So the server needs at most `base + Σ(4.06 MiB + clients × 2.25 MiB)`; the',
      'bound above adds that for each printing session (one client each) to the RSS with all of them open and idle.',
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
        '`/?token=…`, wait for the sidebar (the Host shell button), click it, wait until the terminal shows a prompt. Then,',
        "in another fresh context, open that session's page (`/sessions/<id>?token=…`) and wait for its prompt. ms:",
        '',
        '| | median (min–max) |',
        '|---|---|',
        `| page load → UI ready | ${fmtSpread(w.pageLoad.uiReady, 0)} |`,
        `| click → prompt on screen | ${fmtSpread(w.pageLoad.clickToPrompt, 0)} |`,
        `| **page load → usable prompt** | **${fmtSpread(w.pageLoad.loadToPrompt, 0)}** |`,
        ...(w.deepLink ? [`| **deep link → prompt of a running session** | **${fmtSpread(w.deepLink.loadToPrompt, 0)}** |`] : []),
        '',
      );
    } else if (w.pageLoadError) {
      out.push(`Page load not measured: ${w.pageLoadError}.`, '');
    }
  }

  if (r.recorder) {
    const rec = r.recorder;
    out.push('## Session recording', '');
    out.push(
      `The recorder alone, without Docker (\`server/bench/recorder-bench.ts\`): ${rec.megabytesPerRun} MB of terminal output fed through a session's observer`,
      "one chunk per event-loop turn; CPU of the session's thread per MB (scheduler time, minus the same feed without a",
      'recorder) and of all other threads. ms per MB, median (min–max):',
      '',
      '| path | output | chunks | session thread | other threads |',
      '|---|---|---|---|---|',
      ...rec.cpu.map((c) => `| ${c.path} | ${c.content} | ${c.chunkBytes / 1024} KiB | ${fmtSpread(c.mainMsPerMB, 2)} | ${fmtSpread(c.otherMsPerMB, 2)} |`),
      '',
      '| path | a keystroke and its echo every | session thread per keystroke, µs |',
      '|---|---|---|',
      ...rec.keystroke.map((k) => `| ${k.path} | ${k.gapMs} ms | ${fmtSpread(k.mainUsPerKey, 1)} |`),
      '',
      `${rec.memory.recordings} idle recordings: ${fmt(rec.memory.rssPerRecordingKiB, 1)} KiB of RSS each (${fmt(rec.memory.heldPerRecordingKiB, 1)} KiB held on the session thread); the recorder once used (its worker thread) ${fmt(rec.memory.recorderRssMiB, 1)} MiB.`,
      '',
    );
  }

  if (r.transport) out.push(...transportSection(r.transport));

  const errors = Object.entries(r.errors);
  if (errors.length) {
    out.push('## Parts that failed in this run', '');
    for (const [part, message] of errors) out.push(`- ${part}: ${message}`);
    out.push('');
  }

  out.push('## Analysis', '');
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
    '- `npm run bench -- --only <sections>` measures some sections alone (the document is then left as it is).',
    '- Everything created (containers, a network) is labelled `sonde.bench=true` or `sonde.test=true` and removed at the end.',
    '',
  );
  return out.join('\n');
}
