import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from './main.js';
import { TARGETS, renderReport, targetRows } from './report.js';
import type { Spread } from './stats.js';

/**
 * The report builder, fed two runs that disagree on almost everything: the verdicts, the
 * analysis and its figures must follow each run's numbers, and nothing it cites may be missing.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const spread = (median: number, min: number, max: number, n = 5): Spread => ({ median, min, max, n });
const echo = (p50: number, p90: number, p99: number, max: number, n = 1500) => ({ p50, p90, p99, max, n });
const heap = (heapUsed: number, arrayBuffers: number) => ({ rss: 0, heapUsed, external: 0, arrayBuffers });
/** One echo-under-flood run from its two paths; the ratios are computed as the bench computes them. */
const flood = (raw: ReturnType<typeof echo>, sonde: ReturnType<typeof echo>, probeP99: number, sondeProbeP99 = probeP99) => ({
  raw,
  sonde,
  ratioP50: sonde.p50 / raw.p50,
  ratioP99: sonde.p99 / raw.p99,
  rawFloodMBs: 11.2,
  sondeFloodMBs: 10.9,
  probeDuringRawFlood: { p50: 0.11, p99: probeP99, max: 5 },
  probeDuringSondeFlood: { p50: 0.14, p99: sondeProbeP99, max: 7 },
});
const point = (sessions: number, perSessionKiB: number, heldPerSessionKiB: number, toolboxes: number, createdContainers = toolboxes) => ({
  sessions,
  rssMiB: 88 + (sessions * perSessionKiB) / 1024,
  perSessionKiB,
  heldPerSessionKiB,
  toolboxes,
  createdContainers,
  openSeconds: sessions / 5,
});
const reuseRow = (label: string, sonde: number, raw: number, allReused = true) => ({ label, sondeFirstByte: spread(sonde, sonde - 10, sonde + 20), sondePost: spread(sonde - 30, sonde - 40, sonde), rawFirstByte: spread(raw, raw - 20, raw + 40), ratio: spread(sonde / raw, sonde / raw - 0.02, sonde / raw + 0.03), allReused });

/** A run on a quiet machine that meets every target. */
const quiet: BenchResults = {
  machine: { cpu: 'Test CPU', cores: 4, memoryGiB: 16, kernel: '6.1.0', node: 'v20.19.0', docker: '24.0.5', loadBefore: [0.41, 0.52, 0.63], loadAfter: [2.13, 1.24, 0.85], startedAt: '2026-12-01T10:00:00.000Z', durationSeconds: 281 },
  terminal: {
    throughput: { raw: spread(20.3, 19.7, 21.1, 6), sonde: spread(19.5, 19.4, 20.9, 6), ratio: spread(0.96, 0.95, 0.99, 6), relayCpuMsPerMB: spread(7.3, 6.8, 8.1, 6), bytesPerRun: 33.9e6, fileBytes: 32 * 1024 * 1024 },
    echo: { raw: echo(0.301, 0.402, 0.557, 3.11), sonde: echo(0.488, 0.644, 1.289, 6.02), addedP50: 0.187, addedP99: 0.732 },
    echoUnderFlood: {
      runs: [
        flood(echo(0.433, 1.3, 4.82, 9.9, 1000), echo(0.701, 2.2, 7.37, 19.4, 1000), 1.9),
        flood(echo(0.421, 1.2, 4.61, 9.1, 1000), echo(0.688, 2.1, 6.95, 17.2, 1000), 1.8),
        flood(echo(0.447, 1.4, 5.02, 9.4, 1000), echo(0.712, 2.3, 8.04, 21.3, 1000), 2.0),
      ],
      all: flood(echo(0.433, 1.3, 4.82, 9.9, 3000), echo(0.701, 2.2, 7.37, 21.3, 3000), 1.9),
    },
    ctrlC: {
      raw: { ms: spread(14, 9, 31, 3), afterKiB: spread(66, 60, 70, 3), backlogKiB: spread(0, 0, 0, 3) },
      sondeFast: { ms: spread(15, 12, 22, 3), afterKiB: spread(71, 65, 80, 3), backlogKiB: spread(0, 0, 0, 3) },
      sondeRender: { ms: spread(241, 230, 262, 3), afterKiB: spread(2150, 2100, 2200, 3), backlogKiB: spread(1003, 990, 1010, 3) },
      renderRate: 10,
    },
  },
  floods: { sessions: 10, fileBytes: 8 * 1024 * 1024, raw: { aggregate: spread(18.7, 18.1, 19.2, 3), slowestToFastest: spread(0.81, 0.77, 0.84, 3) }, sonde: { aggregate: spread(17.2, 16.8, 17.9, 3), slowestToFastest: spread(0.9, 0.86, 0.93, 3) }, ratio: spread(0.92, 0.88, 0.95, 3) },
  startup: {
    rows: [
      { label: 'container (net)', sondeFirstByte: spread(281, 262, 300), sondePost: spread(248, 230, 262), sondeDelete: spread(270, 250, 290), rawFirstByte: spread(355, 240, 460), rawSteps: { create: 21, attach: 2, start: 311 }, rawRemove: spread(140, 130, 150), ratio: spread(0.79, 0.6, 1.2) },
      { label: 'container (net+pid)', sondeFirstByte: spread(279, 259, 295), sondePost: spread(251, 240, 266), sondeDelete: spread(318, 300, 330), rawFirstByte: spread(349, 330, 400), rawSteps: { create: 27, attach: 2, start: 309 }, rawRemove: spread(175, 160, 190), ratio: spread(0.8, 0.7, 0.85) },
      { label: 'network', sondeFirstByte: spread(790, 771, 870), sondePost: spread(767, 750, 840), sondeDelete: spread(192, 180, 200), rawFirstByte: spread(806, 720, 980), rawSteps: { create: 18, attach: 2, start: 771 }, rawRemove: spread(190, 180, 200), ratio: spread(0.98, 0.9, 1.1) },
      { label: 'host', sondeFirstByte: spread(268, 250, 280), sondePost: spread(243, 230, 255), sondeDelete: spread(276, 260, 290), rawFirstByte: spread(364, 270, 450), rawSteps: { create: 25, attach: 2, start: 318 }, rawRemove: spread(150, 140, 160), ratio: spread(0.74, 0.6, 1.0) },
    ],
    cli: spread(312, 290, 530),
    cliVsSonde: 0.9,
  },
  reuse: { rows: [reuseRow('container (net)', 61, 355), reuseRow('container (net+pid)', 63, 349), reuseRow('network', 66, 806), reuseRow('host', 59, 364)] },
  memory: {
    idleRssMiB: 117.3, warmRssMiB: 88.4, warmHeap: heap(20e6, 1e6), curve: [point(10, 108, 61, 1), point(100, 52, 39, 7), point(500, 41, 33, 32)], floodSessions: 50,
    floodPeakRssMiB: 233.8, floodBoundMiB: 405, floodAggregateMBs: 9.1, floodBytes: 101e6, afterRssMiB: 199.5, afterHeap: heap(22e6, 5e6), afterFds: 44, warmFds: 31,
  },
  inventory: { containers: 203, created: 200, started: 20, raw: spread(19.8, 18.0, 30.1, 20), sonde: spread(25.4, 21.7, 40.2, 20), clientCheck: spread(0.6, 0.4, 1.9, 20), ratio: 1.28, createSeconds: 10.1, removeSeconds: 3.6 },
  web: {
    files: [{ name: 'index.html', bytes: 943, gzip: 411 }],
    totalBytes: 943,
    totalGzip: 411,
    builtAt: '2026-12-01T09:50:00.000Z',
    pageLoad: { uiReady: spread(410, 390, 500), clickToPrompt: spread(504, 440, 570), loadToPrompt: spread(914, 890, 990), runs: 5 },
    deepLink: { loadToPrompt: spread(388, 350, 460), runs: 5 },
  },
  errors: {},
};

/** A run on a busy machine where Sonde falls behind: every target but one first prompt missed. */
const busy: BenchResults = {
  machine: { cpu: 'Other CPU', cores: 2, memoryGiB: 23.5, kernel: '6.18.44', node: 'v20.20.2', docker: '20.10.24', loadBefore: [2.98, 3.84, 5.55], loadAfter: [12.46, 8.32, 6.89], startedAt: '2026-11-29T18:26:32.000Z', durationSeconds: 265 },
  terminal: {
    throughput: { raw: spread(17.2, 15.2, 19.3, 6), sonde: spread(13.5, 11.9, 15.7, 6), ratio: spread(0.78, 0.72, 0.84, 6), relayCpuMsPerMB: spread(12.1, 10.0, 22.4, 6), bytesPerRun: 33.9e6, fileBytes: 16 * 1024 * 1024 },
    echo: { raw: echo(0.312, 0.44, 0.58, 5.39), sonde: echo(0.873, 1.139, 4.729, 22.93), addedP50: 0.561, addedP99: 4.149 },
    echoUnderFlood: {
      runs: [
        flood(echo(0.459, 1.416, 6.214, 11.36, 1000), echo(1.171, 5.412, 32.626, 87.09, 1000), 1.7),
        flood(echo(0.47, 1.5, 6.9, 12.1, 1000), echo(0.9, 3.1, 11.1, 40.2, 1000), 1.7),
      ],
      all: { ...flood(echo(0.459, 1.416, 6.214, 12.1, 2000), echo(1.2, 5.412, 32.626, 87.09, 2000), 1.7, 4.2), sondeFloodMBs: 14.6 },
    },
    ctrlC: {
      raw: { ms: spread(12, 7, 57, 3), afterKiB: spread(71, 70, 72, 3), backlogKiB: spread(0, 0, 0, 3) },
      sondeFast: { ms: spread(13, 11, 26, 3), afterKiB: spread(74, 73, 75, 3), backlogKiB: spread(0, 0, 0, 3) },
      sondeRender: { ms: spread(527, 511, 544, 3), afterKiB: spread(3209, 3100, 3300, 3), backlogKiB: spread(2321, 2300, 2350, 3) },
      renderRate: 5,
    },
  },
  floods: { sessions: 12, fileBytes: 4 * 1024 * 1024, raw: { aggregate: spread(18.3, 16.2, 18.8, 3), slowestToFastest: spread(0.78, 0.7, 0.8, 3) }, sonde: { aggregate: spread(13.3, 12.6, 15.9, 3), slowestToFastest: spread(0.44, 0.4, 0.5, 3) }, ratio: spread(0.73, 0.69, 0.81, 3) },
  startup: {
    rows: [
      { label: 'container (net)', sondeFirstByte: spread(574, 559, 590), sondePost: spread(441, 430, 460), sondeDelete: spread(272, 260, 290), rawFirstByte: spread(363, 230, 463), rawSteps: { create: 20, attach: 2, start: 130 }, rawExecFirstByte: spread(520, 500, 540), rawRemove: spread(143, 130, 150), ratio: spread(1.58, 1.2, 1.9) },
      { label: 'host', sondeFirstByte: spread(470, 454, 485), sondePost: spread(347, 330, 360), sondeDelete: spread(278, 260, 290), rawFirstByte: spread(371, 266, 456), rawSteps: { create: 26, attach: 2, start: 223 }, rawExecFirstByte: spread(430, 420, 445), rawRemove: spread(152, 140, 160), ratio: spread(1.27, 1.1, 1.5) },
    ],
    cli: spread(306, 288, 537),
    cliVsSonde: 1.88,
  },
  reuse: { rows: [reuseRow('container (net)', 140, 363), reuseRow('host', 91, 371, false)] },
  memory: {
    idleRssMiB: 118.1, warmRssMiB: 89.2, warmHeap: heap(20e6, 1e6), curve: [point(10, 612, 549, 1), point(100, 583, 530, 7, 9)], floodSessions: 50,
    floodPeakRssMiB: 436.7, floodBoundMiB: 390, floodAggregateMBs: 8.9, floodBytes: 101e6, afterRssMiB: 202.0, afterHeap: heap(22e6, 5e6), afterFds: 44, warmFds: 31,
  },
  inventory: { containers: 151, created: 150, started: 15, raw: spread(20.1, 18.1, 32.0, 30), sonde: spread(36.4, 31.8, 51.8, 30), clientCheck: spread(0.9, 0.6, 2.4, 30), ratio: 1.81, createSeconds: 8.4, removeSeconds: 2.7 },
  web: {
    files: [{ name: 'index.html', bytes: 943, gzip: 411 }],
    totalBytes: 943,
    totalGzip: 411,
    builtAt: '2026-11-29T18:10:21.188Z',
    pageLoad: { uiReady: spread(1280, 1088, 1568), clickToPrompt: spread(2356, 2046, 2978), loadToPrompt: spread(3666, 3311, 3818), runs: 5 },
  },
  errors: {},
};

function section(report: string, heading: string): string {
  const start = report.indexOf(`## ${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const next = report.indexOf('\n## ', start + 3);
  return report.slice(start, next < 0 ? undefined : next);
}

const headings = (report: string) => report.split('\n').filter((line) => line.startsWith('#'));
/** Numbers as words: skips digits inside words such as p50 or the labels of numbered proposals. */
const numbers = (text: string) => new Set(text.match(/(?<![\w.(])\d+(?:\.\d+)?(?![\w)])/g) ?? []);

describe('renderReport', () => {
  const quietReport = renderReport(quiet);
  const busyReport = renderReport(busy);

  it('keeps one structure whatever the numbers', () => {
    expect(headings(quietReport)).toEqual([
      '# Benchmarks',
      '## Against the targets (issue 15)',
      '## Terminal output throughput',
      '## Keystroke echo',
      '### Echo while another session floods',
      '## Ctrl-C during a flood',
      '### Concurrent floods',
      '## Time to the first prompt',
      '### A further session to the same target',
      '## Server memory',
      '## `GET /api/containers` with many containers',
      '## Web UI',
      '## Analysis',
      '## Method',
    ]);
    expect(headings(busyReport)).toEqual(headings(quietReport));
  });

  it('leaves out what a run did not measure, and its targets', () => {
    const partial = renderReport({ machine: quiet.machine, terminal: { echoUnderFlood: quiet.terminal!.echoUnderFlood! }, errors: {} });
    expect(headings(partial)).toEqual(['# Benchmarks', '## Against the targets (issue 15)', '### Echo while another session floods', '## Analysis', '## Method']);
    expect(targetRows({ machine: quiet.machine, terminal: { echoUnderFlood: quiet.terminal!.echoUnderFlood! }, errors: {} }).map((row) => row.met)).toEqual([true]);
  });

  it('computes every verdict from the run: all met on the quiet run, each miss named on the busy one', () => {
    expect(targetRows(quiet).filter((row) => !row.met)).toEqual([]);
    expect(targetRows(quiet)).toHaveLength(14);
    const missed = targetRows(busy)
      .filter((row) => !row.met)
      .map((row) => row.target);
    expect(missed).toEqual([
      `throughput, recording on, ≥ ${TARGETS.throughputRatio} × raw TTY stream (median of ≥ 6 paired runs)`,
      `keystroke echo added ≤ +${TARGETS.echoAddedP50Ms} ms at p50`,
      `keystroke echo added ≤ +${TARGETS.echoAddedP99Ms} ms at p99`,
      `echo while another session floods ≤ ${TARGETS.echoUnderFloodRatioP99} × raw under the same flood (p99), in every one of ≥ 3 runs`,
      `first prompt of a second session to a target with the user's toolbox running ≤ ${TARGETS.reuseRatio} × raw create+start, every mode`,
      `first prompt of a first session ≤ ${TARGETS.firstPromptRatio} × raw dockerode, every mode`,
      `page load (fresh browser, no cache) → usable prompt ≤ ${TARGETS.pageLoadSeconds} s`,
      `server memory per idle session ≤ ${TARGETS.idleSessionKiB} KiB with 500 open`,
      'network-state snapshots create no container (100 sessions: one container per toolbox)',
      'memory under output bounded by the flow-control formula (50 sessions printing)',
      `(issue 6) Ctrl-C in a flood, browser rendering 5 MB/s, back to the prompt ≤ ${TARGETS.ctrlCSeconds} s`,
      `(issue 6) 12 concurrent floods ≥ ${TARGETS.floodsAggregateRatio} × the raw aggregate`,
      `(issue 6) … the slowest session ≥ ${TARGETS.floodsFairness} × the fastest`,
    ]);
    const table = section(busyReport, 'Against the targets (issue 15)');
    expect(table).toContain('| 0.78 (6 pairs, 0.72–0.84) | **missed** |');
    expect(table).toContain('| 5.25 ×, 1.61 × | **missed** |');
    expect(table).toContain('| container (net) 0.39 ×, host 0.25 × (not every session reused the toolbox) | **missed** |');
    expect(table).toContain('| 583 KiB at 100 (curve 10: 612 → 100: 583 KiB) | **missed** |');
    expect(table).toContain('| 9 created for 7 toolboxes | **missed** |');
    expect(table).toContain('| peak 437 MiB > 390 MiB | **missed** |');
    const quietTable = section(quietReport, 'Against the targets (issue 15)');
    expect(quietTable).not.toContain('missed');
    expect(quietTable).toContain('| 1.53 ×, 1.51 ×, 1.60 × | met |');
    expect(quietTable).toContain('| 41 KiB at 500 (curve 10: 108 → 100: 52 → 500: 41 KiB) | met |');
    expect(quietTable).toContain('| 0.39 s (0.35–0.46 s) | met |');

    expect(section(quietReport, 'Analysis')).toContain('14 of 14 targets met in this run.');
    expect(section(busyReport, 'Analysis')).toContain(`0 of 13 targets met in this run; missed: throughput, recording on, ≥ ${TARGETS.throughputRatio} × raw TTY stream`);
  });

  it('writes the analysis from the figures, and its conclusions follow them', () => {
    const q = section(quietReport, 'Analysis');
    const b = section(busyReport, 'Analysis');

    expect(q).toContain('Sonde relayed 19.5 MB/s against 20.3 MB/s on the raw stream, 0.96 × (target ≥ 0.95: met); every pair reached it.');
    expect(b).toContain('Sonde relayed 13.5 MB/s against 17.2 MB/s on the raw stream, 0.78 × (target ≥ 0.95: **missed**); no pair reached it.');
    expect(q).toContain('7.3 ms of CPU per MB it relayed (all its threads, so recording the session is included): at 19.5 MB/s that is 14% of one core.');

    // Echo under flood: every run against the target; within what waiting for a CPU explains on the quiet run, beyond it on the busy one.
    expect(q).toContain('In 3 runs the p99 through Sonde was 1.53 ×, 1.51 ×, 1.60 × the raw p99 under the same flood (target ≤ 2 × in every run: met)');
    expect(q).toContain('Sonde added 2.55 ms.');
    expect(q).toContain('within what waiting for a CPU explains');
    expect(b).toContain('(target ≤ 2 × in every run: **missed**)');
    // Sonde's echo waits as long as the flood through Sonde makes processes wait (the busy run: 4.2 ms, against 1.7 during the raw flood).
    expect(q).toContain("An idle process's timers fired late by 1.90 ms at p99 during the raw flood, and by 1.90 ms during the flood through Sonde.");
    expect(b).toContain("and by 4.20 ms during the flood through Sonde: relaying a flood loads the machine more than Docker copying it alone");
    expect(b).toContain('So waiting alone can account for about 8.40 ms at p99 on a relay; Sonde added 26.41 ms.');
    expect(b).toContain("18.01 ms more than waiting for a CPU explains, so this run points at work in Sonde on the echo path while the other session floods, or at the heavier load slowing Docker's part of the path");
    expect(q).not.toContain('heavier load');
    // A flood through Sonde faster than the raw one is said: the echoes were measured under different loads.
    expect(b).toContain('The flood through Sonde also moved 30% more bytes a second than the raw flood (14.6 against 11.2 MB/s)');
    expect(q).not.toContain('more bytes a second');

    // Ctrl-C: the backlog against the flow-control window, and the time to render it.
    expect(q).toContain('1003 KiB were waiting for the browser, within the flow-control window (2048 KiB), which bounds it');
    expect(b).toContain('2321 KiB were waiting for the browser, more than the flow-control window (2048 KiB) should allow');
    expect(b).toContain('rendering that much at 5 MB/s takes 475 ms');

    expect(q).toContain('Sonde shared the output between sessions at least as evenly as the raw streams.');
    expect(b).toContain('Sonde shared the output between sessions less evenly than the raw streams.');

    expect(q).toContain("Docker's `start` was 87–96% of the raw time to the first byte");
    expect(q).toContain('met in every mode');
    expect(b).toContain('**missed** for container (net), host');
    // The exec path's own cost, when the run measured it: Docker's, then Sonde's over it.
    expect(b).toContain('the shell a TTY exec in it) took 1.16–1.43 × the attach baseline');
    expect(b).toContain('Sonde took 1.09–1.10 × that path.');
    expect(q).not.toContain('attach baseline');
    expect(q).toContain('a new session took 59–66 ms to its prompt, 0.08–0.18 × a raw create+start (target ≤ 0.3 ×: met in every mode)');
    expect(b).toContain('(target ≤ 0.3 ×: **missed** for container (net))');

    expect(q).toContain('An idle session took 108 KiB of RSS with 10 open, 52 KiB of RSS with 100 open, 41 KiB of RSS with 500 open (target ≤ 64 KiB at 500: met)');
    expect(q).toContain('500 sessions ran in 32 toolboxes, and 32 containers were created while they opened, snapshots included.');
    expect(b).toContain('(target ≤ 64 KiB at 500: **missed**)');

    expect(q).toContain('914 ms in all (target ≤ 1 s: met)');
    expect(q).toContain('The same host-mode session opened from a script took 268 ms (POST → first byte), so the page\'s own work around the click was 236 ms.');
    expect(q).toContain('A deep link to a running session showed its prompt 388 ms after the page was asked for (target ≤ 0.5 s: met).');
    expect(b).toContain('3666 ms in all (target ≤ 1 s: **missed**)');
    expect(b).not.toContain('deep link');
  });

  it('states no figure that does not come from the run (other than the targets and fixed sizes)', () => {
    const fixed = new Set(['50', '64', '2048', '3', '10', '100', ...Object.values(TARGETS).map(String)]);
    const q = numbers(section(quietReport, 'Analysis'));
    const b = numbers(section(busyReport, 'Analysis'));
    expect([...q].filter((n) => b.has(n) && !fixed.has(n))).toEqual([]);
  });

  it('describes the load from the run, not from an earlier one', () => {
    expect(quietReport).toContain('The 1-minute load average was 0.41 before the run and 2.13 after it, on 4 cores: the machine was not busy when the run began');
    expect(busyReport).toContain('The 1-minute load average was 2.98 before the run and 12.46 after it, on 2 cores: other work was already running');
    expect(quietReport).toContain('On 4 cores, benchmark, server and dockerd share the CPUs.');
  });

  it('cites only files that exist', () => {
    for (const report of [quietReport, busyReport]) {
      const cited = [...report.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\/?)`/g)].map((m) => m[1]!).filter((p) => !p.split('/').includes('dist'));
      expect(cited.length).toBeGreaterThan(0);
      for (const file of cited) expect(existsSync(path.join(root, file)), file).toBe(true);
    }
  });
});

describe('the transport section', () => {
  const transport = (hungMs: number, header: string | undefined): NonNullable<BenchResults['transport']> => ({
    runs: 10,
    phases: [
      {
        label: 'local, tcp, ssh',
        rows: [
          { transport: 'local', sessionStart: spread(800, 700, 1200, 10), listOne: spread(10.4, 9, 14, 20) },
          { transport: 'tcp', sessionStart: spread(880, 520, 2250, 10), listOne: spread(5.8, 5, 9, 20) },
          { transport: 'ssh', sessionStart: spread(2800, 1580, 5130, 10), listOne: spread(299, 239, 415, 20) },
        ],
      },
      { label: 'local, tls', rows: [{ transport: 'tls', sessionStart: spread(624, 442, 1739, 10), listOne: spread(8.7, 8, 12, 20) }] },
    ],
    listAll: { healthy: spread(13.5, 11, 20, 20), oneHung: spread(hungMs, hungMs - 10, hungMs + 100, 10), deadlineMs: 3000, unreachableHeader: header },
    setupSeconds: { node: 5, images: 22, tlsRestart: 16 },
  });

  it('renders each phase with its engines, and says what the hung engine cost and whether the reply named it', () => {
    const report = renderReport({ machine: quiet.machine, transport: transport(3017, 'node'), errors: {} });
    expect(headings(report)).toEqual(['# Benchmarks', '## Against the targets (issue 15)', '## Engine transports', '## Analysis', '## Method']);
    const text = section(report, 'Engine transports');
    expect(text).toContain('| local, tcp, ssh | nested engine, ssh | 2800 (1580–5130) | 299.0 (239.0–415.0) |');
    expect(text).toContain('| local, tls | nested engine, TLS (client certificate) | 624 (442–1739) |');
    expect(text).toContain('A session start over ssh took 3.5× the local engine');
    expect(text).toContain('the hung engine cost 3004 ms, and the reply named it (`x-sonde-unreachable: node`).');
    expect(text).not.toContain('**');
  });

  it('flags a hung engine that cost more than the deadline, or went unnamed', () => {
    const text = section(renderReport({ machine: quiet.machine, transport: transport(4500, undefined), errors: {} }), 'Engine transports');
    expect(text).toContain('**more than the deadline**');
    expect(text).toContain('the reply did **not** name it unreachable');
  });
});
