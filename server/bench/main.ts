import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerFixtures, docker as dockerCli } from '../test/support/docker-fixtures.js';
import { SondeProcess, ensureServerBuilt } from '../test/support/sonde-process.js';
import { BenchContext } from './context.js';
import { runFloodsBench, type FloodsResults } from './floods-bench.js';
import { runInventoryBench, type InventoryResults } from './inventory-bench.js';
import { runMemoryBench, type MemoryResults } from './memory-bench.js';
import { removeBenchContainers } from './raw-toolbox.js';
import { renderReport, type MachineInfo } from './report.js';
import { runStartupBench, type StartupResults } from './startup-bench.js';
import { runTerminalBench, type TerminalResults } from './terminal-bench.js';
import { runWebBench, type WebResults } from './web-bench.js';

/**
 * `npm run bench`: measures Sonde and, in the same run, the baselines a user would otherwise
 * use (the raw Docker stream through dockerode, the docker CLI), then writes docs/benchmarks.md.
 * `node bench/dist/bench/main.js terminal startup` runs only the named parts and leaves the
 * document alone. Everything it creates is labelled sonde.bench=true and removed.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const PARTS = ['terminal', 'floods', 'startup', 'memory', 'inventory', 'web'] as const;
type Part = (typeof PARTS)[number];

export interface BenchResults {
  machine: MachineInfo;
  terminal?: TerminalResults;
  floods?: FloodsResults;
  startup?: StartupResults;
  memory?: MemoryResults;
  inventory?: InventoryResults;
  web?: WebResults;
  errors: Partial<Record<Part, string>>;
}

const started = Date.now();
const log = (line: string) => process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

function machine(): MachineInfo {
  const dockerVersion = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: os.release(),
    node: process.version,
    docker: dockerVersion,
    loadBefore: os.loadavg(),
    loadAfter: [],
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
  };
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a): a is Part => (PARTS as readonly string[]).includes(a));
  const parts: readonly Part[] = wanted.length ? wanted : PARTS;
  ensureServerBuilt();
  await removeBenchContainers();
  const results: BenchResults = { machine: machine(), errors: {} };
  const fixtures = new DockerFixtures();
  let sonde: SondeProcess | undefined;
  try {
    const networkName = await fixtures.network(`sonde-bench-net-${process.pid}`);
    const networkId = await dockerCli('network', 'inspect', '-f', '{{.Id}}', networkName);
    const target = await fixtures.container({ network: networkName, labels: ['sonde.bench=true'] });
    // The bench is one principal opening many sessions; the per-user cap is not what it measures.
    sonde = await SondeProcess.start({ instance: `bench-${process.pid}`, env: { SONDE_MAX_SESSIONS_PER_USER: '200', SONDE_MAX_RUNS_PER_USER: '200' } });
    const ctx = new BenchContext(sonde, target, { id: networkId, name: networkName });
    log(`server pid ${sonde.pid} on ${sonde.baseUrl}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const run = async <K extends Part>(part: K, work: () => Promise<NonNullable<BenchResults[K]>>) => {
      if (!parts.includes(part)) return;
      log(`${part}…`);
      try {
        (results as unknown as Record<string, unknown>)[part] = await work();
      } catch (error) {
        results.errors[part] = error instanceof Error ? error.message : String(error);
        log(`${part} failed: ${results.errors[part]}`);
      }
    };
    await run('terminal', () => runTerminalBench(ctx, log, { throughputRuns: 6, echoBlocks: 6, echoCount: 250, floodBlocks: 4, ctrlCRuns: 3 }));
    await run('floods', () => runFloodsBench(ctx, log, { sessions: 10, rounds: 3 }));
    await run('startup', () => runStartupBench(ctx, log, 5));
    await run('memory', () => runMemoryBench(ctx, log));
    await run('inventory', () => runInventoryBench(ctx, log, { count: 200, runs: 20 }));
    await run('web', () => runWebBench(ctx, root, log, 5));
  } finally {
    await sonde?.stop();
    await fixtures.dispose();
    await removeBenchContainers();
  }
  results.machine.loadAfter = os.loadavg();
  results.machine.durationSeconds = (Date.now() - started) / 1000;

  const outDir = path.join(root, 'server/bench/dist');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  if (parts.length === PARTS.length) {
    writeFileSync(path.join(root, 'docs/benchmarks.md'), renderReport(results));
    log('wrote docs/benchmarks.md');
  } else {
    log('partial run: results in server/bench/dist/results.json, docs/benchmarks.md unchanged');
  }
  log(`done in ${results.machine.durationSeconds.toFixed(0)} s`);
  if (Object.keys(results.errors).length) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
