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

/** A run on a quiet machine that meets every target. */
const quiet: BenchResults = {
  machine: { cpu: 'Test CPU', cores: 4, memoryGiB: 16, kernel: '6.1.0', node: 'v20.19.0', docker: '24.0.5', loadBefore: [0.41, 0.52, 0.63], loadAfter: [2.13, 1.24, 0.85], startedAt: '2026-12-01T10:00:00.000Z', durationSeconds: 281 },
  terminal: {
    throughput: { raw: spread(20.3, 19.7, 21.1, 6), sonde: spread(19.1, 18.4, 19.9, 6), ratio: spread(0.94, 0.91, 0.97, 6), relayCpuMsPerMB: spread(7.3, 6.8, 8.1, 6), bytesPerRun: 33.9e6, fileBytes: 32 * 1024 * 1024 },
    echo: { raw: echo(0.301, 0.402, 0.557, 3.11), sonde: echo(0.488, 0.644, 1.289, 6.02), addedP50: 0.187, addedP99: 0.732 },
    echoUnderFlood: { raw: echo(0.433, 1.3, 4.82, 9.9, 1000), sonde: echo(0.701, 2.2, 7.37, 19.4, 1000), ratioP50: 1.62, ratioP99: 1.53, rawFloodMBs: 11.2, sondeFloodMBs: 10.9, probeDuringRawFlood: { p50: 0.11, p99: 1.9, max: 5 } },
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
      { label: 'network', sondeFirstByte: spread(822, 801, 870), sondePost: spread(797, 780, 840), sondeDelete: spread(192, 180, 200), rawFirstByte: spread(806, 720, 980), rawSteps: { create: 18, attach: 2, start: 771 }, rawRemove: spread(190, 180, 200), ratio: spread(1.02, 0.9, 1.1) },
      { label: 'host', sondeFirstByte: spread(268, 250, 280), sondePost: spread(243, 230, 255), sondeDelete: spread(276, 260, 290), rawFirstByte: spread(364, 270, 450), rawSteps: { create: 25, attach: 2, start: 318 }, rawRemove: spread(150, 140, 160), ratio: spread(0.74, 0.6, 1.0) },
    ],
    cli: spread(312, 290, 530),
    cliVsSonde: 0.9,
  },
  memory: {
    idleRssMiB: 117.3, warmRssMiB: 88.4, warmHeap: heap(20e6, 1e6), perIdleSessionKiB: { at10: 108, at50: 61 }, perIdleSessionHeldKiB: { at50: 47 }, at50RssMiB: 91.4,
    floodPeakRssMiB: 233.8, floodBoundMiB: 405, floodAggregateMBs: 9.1, floodBytes: 101e6, afterRssMiB: 199.5, afterHeap: heap(22e6, 5e6), afterFds: 44, warmFds: 31, openAllSeconds: 21.3,
  },
  inventory: { containers: 203, created: 200, started: 20, raw: spread(19.8, 18.0, 30.1, 20), sonde: spread(25.4, 21.7, 40.2, 20), clientCheck: spread(0.6, 0.4, 1.9, 20), ratio: 1.28, createSeconds: 10.1, removeSeconds: 3.6 },
  web: {
    files: [{ name: 'index.html', bytes: 943, gzip: 411 }],
    totalBytes: 943,
    totalGzip: 411,
    builtAt: '2026-12-01T09:50:00.000Z',
    pageLoad: { uiReady: spread(1210, 1090, 1500), clickToPrompt: spread(1104, 1040, 1270), loadToPrompt: spread(2314, 2290, 2800), runs: 5 },
  },
  errors: {},
};

/** A run on a busy machine where Sonde falls behind: every target but one first prompt missed. */
const busy: BenchResults = {
  machine: { cpu: 'Other CPU', cores: 2, memoryGiB: 23.5, kernel: '6.18.44', node: 'v20.20.2', docker: '20.10.24', loadBefore: [2.98, 3.84, 5.55], loadAfter: [12.46, 8.32, 6.89], startedAt: '2026-11-29T18:26:32.000Z', durationSeconds: 265 },
  terminal: {
    throughput: { raw: spread(17.2, 15.2, 19.3, 6), sonde: spread(13.5, 11.9, 15.7, 6), ratio: spread(0.78, 0.72, 0.84, 6), relayCpuMsPerMB: spread(12.1, 10.0, 22.4, 6), bytesPerRun: 33.9e6, fileBytes: 16 * 1024 * 1024 },
    echo: { raw: echo(0.312, 0.44, 0.58, 5.39), sonde: echo(0.873, 1.139, 4.729, 22.93), addedP50: 0.561, addedP99: 4.149 },
    echoUnderFlood: { raw: echo(0.459, 1.416, 6.214, 11.36, 1000), sonde: echo(1.171, 5.412, 32.626, 87.09, 1000), ratioP50: 2.61, ratioP99: 5.25, rawFloodMBs: 10.7, sondeFloodMBs: 10.4, probeDuringRawFlood: { p50: 0.12, p99: 1.6, max: 6 } },
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
      { label: 'container (net)', sondeFirstByte: spread(574, 559, 590), sondePost: spread(441, 430, 460), sondeDelete: spread(272, 260, 290), rawFirstByte: spread(363, 230, 463), rawSteps: { create: 20, attach: 2, start: 115 }, rawRemove: spread(143, 130, 150), ratio: spread(1.58, 1.2, 1.9) },
      { label: 'host', sondeFirstByte: spread(470, 454, 485), sondePost: spread(347, 330, 360), sondeDelete: spread(278, 260, 290), rawFirstByte: spread(371, 266, 456), rawSteps: { create: 26, attach: 2, start: 223 }, rawRemove: spread(152, 140, 160), ratio: spread(1.27, 1.1, 1.5) },
    ],
    cli: spread(306, 288, 537),
    cliVsSonde: 1.88,
  },
  memory: {
    idleRssMiB: 118.1, warmRssMiB: 89.2, warmHeap: heap(20e6, 1e6), perIdleSessionKiB: { at10: 612, at50: 583 }, perIdleSessionHeldKiB: { at50: 549 }, at50RssMiB: 91.8,
    floodPeakRssMiB: 436.7, floodBoundMiB: 390, floodAggregateMBs: 8.9, floodBytes: 101e6, afterRssMiB: 202.0, afterHeap: heap(22e6, 5e6), afterFds: 44, warmFds: 31, openAllSeconds: 21.9,
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
    expect(headings(quietReport)).toEqual(headings(busyReport));
    expect(headings(quietReport)).toEqual([
      '# Benchmarks',
      '## Against the targets (issue 6)',
      '## Terminal output throughput',
      '## Keystroke echo',
      '### Echo while another session floods',
      '## Ctrl-C during a flood',
      '### Concurrent floods',
      '## Time to the first prompt',
      '## Server memory',
      '## `GET /api/containers` with many containers',
      '## Web UI',
      '## Analysis and proposals',
      '## Method',
    ]);
  });

  it('computes every verdict from the run: all met on the quiet run, the misses named on the busy one', () => {
    expect(targetRows(quiet).every((row) => row.met)).toBe(true);
    const missed = targetRows(busy)
      .filter((row) => !row.met)
      .map((row) => row.target);
    expect(missed).toEqual([
      `throughput ≥ ${TARGETS.throughputRatio} × raw TTY stream (median of paired runs)`,
      `echo added ≤ ${TARGETS.echoAddedP50Ms} ms at p50`,
      `echo added ≤ ${TARGETS.echoAddedP99Ms} ms at p99`,
      `echo while another session floods ≤ ${TARGETS.echoUnderFloodRatioP99} × raw under the same flood (p99; see the analysis)`,
      `Ctrl-C in a flood, browser rendering 5 MB/s, back to the prompt ≤ ${TARGETS.ctrlCSeconds} s`,
      `12 concurrent floods ≥ ${TARGETS.floodsAggregateRatio} × the raw aggregate`,
      `… the slowest session ≥ ${TARGETS.floodsFairness} × the fastest`,
      `first prompt ≤ ${TARGETS.firstPromptRatio} × raw dockerode, container (net)`,
      'first prompt faster than `docker run --rm -it --net container:X`',
      `memory per idle session ≤ ${TARGETS.idleSessionKiB} KiB (RSS, 50 open)`,
      'memory under output bounded by the flow-control formula (50 sessions)',
    ]);
    const table = section(busyReport, 'Against the targets (issue 6)');
    expect(table).toContain('| 0.78 (pairs 0.72–0.84) | **missed** |');
    expect(table).toContain('| peak 437 MiB > 390 MiB | **missed** |');
    expect(section(quietReport, 'Against the targets (issue 6)')).not.toContain('missed');

    expect(section(quietReport, 'Analysis and proposals')).toContain('14 of 14 targets met in this run.');
    expect(section(busyReport, 'Analysis and proposals')).toContain(`1 of 12 targets met in this run; missed: throughput ≥ ${TARGETS.throughputRatio} × raw TTY stream`);
  });

  it('writes the analysis from the figures, and its conclusions follow them', () => {
    const q = section(quietReport, 'Analysis and proposals');
    const b = section(busyReport, 'Analysis and proposals');

    expect(q).toContain('Sonde relayed 19.1 MB/s against 20.3 MB/s on the raw stream, 0.94 × (target ≥ 0.85: met); every pair reached it.');
    expect(b).toContain('Sonde relayed 13.5 MB/s against 17.2 MB/s on the raw stream, 0.78 × (target ≥ 0.85: **missed**); no pair reached it.');
    expect(q).toContain('7.3 ms of CPU per MB it relayed (all its threads, so recording the session is included): at 19.1 MB/s that is 14% of one core.');

    // Echo under flood: within what waiting for a CPU explains on the quiet run, beyond it on the busy one.
    expect(q).toContain('Sonde added 2.55 ms.');
    expect(q).toContain('within what waiting for a CPU explains');
    expect(b).toContain('waiting alone can account for about 3.20 ms at p99 on a relay; Sonde added 26.41 ms.');
    expect(b).toContain('23.21 ms more than waiting for a CPU explains');

    // Ctrl-C: the backlog against the flow-control window, and the time to render it.
    expect(q).toContain('1003 KiB were waiting for the browser, within the flow-control window (2048 KiB), which bounds it');
    expect(b).toContain('2321 KiB were waiting for the browser, more than the flow-control window (2048 KiB) should allow');
    expect(b).toContain('rendering that much at 5 MB/s takes 475 ms');

    expect(q).toContain('Sonde shared the output between sessions at least as evenly as the raw streams.');
    expect(b).toContain('Sonde shared the output between sessions less evenly than the raw streams.');

    // First prompt: Docker's start dominates on the quiet run (hence the warm-toolbox proposal), not on the busy one.
    expect(q).toContain("Docker's `start` was 87–96% of the raw time to the first byte");
    expect(q).toContain('keep one toolbox per target warm');
    expect(b).toContain('**missed** for container (net)');
    expect(b).not.toContain('keep one toolbox per target warm');

    expect(q).toContain('click → prompt took 1104 ms against 268 ms for the same host-mode session opened from a script (POST → first byte): 4.1 ×');
    expect(b).toContain('click → prompt took 2356 ms against 470 ms');

    // Proposals appear where a target was missed, and only there.
    expect(q).not.toContain('Proposal');
    expect(b).toContain('Proposal: ack-paced coalescing');
    expect(b).toContain('`HostConfig.CpuShares`');
  });

  it('states no figure that does not come from the run (other than the targets and fixed sizes)', () => {
    const fixed = new Set(['50', '64', '2048', ...Object.values(TARGETS).map(String)]);
    const q = numbers(section(quietReport, 'Analysis and proposals'));
    const b = numbers(section(busyReport, 'Analysis and proposals'));
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
