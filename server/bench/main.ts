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
import { runRecorderBench, type RecorderResults } from './recorder-bench.js';
import { renderReport, type MachineInfo } from './report.js';
import { runReuseBench, runStartupBench, type ReuseResults, type StartupResults } from './startup-bench.js';
import { TERMINAL_PARTS, runTerminalBench, type TerminalPart, type TerminalResults } from './terminal-bench.js';
import { runTransportBench, type TransportResults } from './transport-bench.js';
import { runWebBench, type WebResults } from './web-bench.js';

/**
 * `npm run bench`: measures Sonde and, in the same run, the baselines a user would otherwise
 * use (the raw Docker stream through dockerode, the docker CLI), then writes docs/benchmarks.md.
 * `npm run bench -- --only echo-flood` (or `--only startup,reuse`; or the names alone) runs only
 * those sections and leaves the document alone (results in bench/dist/results.json);
 * `--curve 10,100` sets the memory curve's points; `--only transport` measures the engine
 * transports on a nested engine (slow, needs the testbed's node image). Everything it creates is labelled
 * sonde.bench=true and removed.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const PARTS = [...TERMINAL_PARTS, 'floods', 'startup', 'reuse', 'memory', 'inventory', 'web', 'recorder', 'transport'] as const;
type Part = (typeof PARTS)[number];
/** Older names for groups of sections. */
const GROUPS: Record<string, readonly Part[]> = { terminal: TERMINAL_PARTS };

export interface BenchResults {
  machine: MachineInfo;
  terminal?: TerminalResults;
  floods?: FloodsResults;
  startup?: StartupResults;
  reuse?: ReuseResults;
  memory?: MemoryResults;
  inventory?: InventoryResults;
  web?: WebResults;
  recorder?: RecorderResults;
  transport?: TransportResults;
  errors: Partial<Record<Part | 'terminal', string>>;
}

/** The sections asked for on the command line (all when none), and the memory curve. */
export function parseArguments(argv: readonly string[]): { parts: Part[]; curve: number[] } {
  const names: string[] = [];
  let curve = [10, 100, 500];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    if (flag === '--only' || flag === '--curve') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      if (flag === '--only') names.push(...value.split(','));
      else curve = value.split(',').map(Number);
      continue;
    }
    names.push(arg);
  }
  const parts = new Set<Part>();
  for (const name of names.map((n) => n.trim()).filter(Boolean)) {
    const group = GROUPS[name] ?? ((PARTS as readonly string[]).includes(name) ? [name as Part] : undefined);
    if (!group) throw new Error(`unknown bench section "${name}"; known: ${[...PARTS, ...Object.keys(GROUPS)].join(', ')}`);
    for (const p of group) parts.add(p);
  }
  if (curve.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--curve takes session counts, e.g. 10,100,500');
  return { parts: parts.size ? PARTS.filter((p) => parts.has(p)) : [...PARTS], curve };
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
  const { parts, curve } = parseArguments(process.argv.slice(2));
  ensureServerBuilt();
  await removeBenchContainers();
  const results: BenchResults = { machine: machine(), errors: {} };
  log(`sections: ${parts.join(', ')}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const fixtures = new DockerFixtures();
  let sonde: SondeProcess | undefined;
  // Ctrl-C (or a kill) mid-run: the server removes its toolboxes, then the bench removes the rest.
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: removing what the bench started`);
    void (async () => {
      await sonde?.stop().catch(() => undefined);
      await fixtures.dispose().catch(() => undefined);
      await removeBenchContainers().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const networkName = await fixtures.network(`sonde-bench-net-${process.pid}`);
    const networkId = await dockerCli('network', 'inspect', '-f', '{{.Id}}', networkName);
    const target = await fixtures.container({ network: networkName, labels: ['sonde.bench=true'] });
    // The bench is one principal opening many sessions; the per-user cap is not what it measures.
    sonde = await SondeProcess.start({ instance: `bench-${process.pid}`, env: { SONDE_MAX_SESSIONS_PER_USER: '200', SONDE_MAX_RUNS_PER_USER: '200' } });
    const ctx = new BenchContext(sonde, target, { id: networkId, name: networkName }, await BenchContext.operatorCaller(sonde, 'bench-other-user'));
    log(`server pid ${sonde.pid} on ${sonde.baseUrl}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const run = async <K extends keyof Omit<BenchResults, 'machine' | 'errors'>>(part: K, wanted: boolean, work: () => Promise<NonNullable<BenchResults[K]>>) => {
      if (!wanted) return;
      log(`${part}…`);
      try {
        (results as unknown as Record<string, unknown>)[part] = await work();
      } catch (error) {
        results.errors[part] = error instanceof Error ? error.message : String(error);
        log(`${part} failed: ${results.errors[part]}`);
      }
    };
    const terminalParts = new Set(parts.filter((p): p is TerminalPart => (TERMINAL_PARTS as readonly string[]).includes(p)));
    await run('terminal', terminalParts.size > 0, () =>
      runTerminalBench(ctx, log, { throughputRuns: 6, echoBlocks: 6, echoCount: 250, floodRuns: 3, floodBlocks: 4, ctrlCRuns: 3 }, terminalParts),
    );
    await run('floods', parts.includes('floods'), () => runFloodsBench(ctx, log, { sessions: 10, rounds: 3 }));
    await run('startup', parts.includes('startup'), () => runStartupBench(ctx, log, 5));
    await run('reuse', parts.includes('reuse'), () => runReuseBench(ctx, log, 5));
    await run('memory', parts.includes('memory'), () => runMemoryBench(ctx, log, { curve, floodSessions: 50 }));
    await run('inventory', parts.includes('inventory'), () => runInventoryBench(ctx, log, { count: 200, runs: 20 }));
    await run('web', parts.includes('web'), () => runWebBench(ctx, root, log, 5));
    await run('recorder', parts.includes('recorder'), () =>
      runRecorderBench((line) => log(`  ${line}`), { megabytes: 32, runs: 5, keys: 500, keyRuns: 3, idleRecordings: 500 }),
    );
    // A nested engine and consoles of its own (about 5 minutes): last, so it does not load the others.
    await run('transport', parts.includes('transport'), () => runTransportBench((line) => log(`  ${line}`), { runs: 10, listRuns: 20 }));
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
  if (parts.length === PARTS.length && curve.join() === '10,100,500') {
    writeFileSync(path.join(root, 'docs/benchmarks.md'), renderReport(results));
    log('wrote docs/benchmarks.md');
  } else {
    log('partial run: results in server/bench/dist/results.json, docs/benchmarks.md unchanged');
  }
  log(`done in ${results.machine.durationSeconds.toFixed(0)} s`);
  if (Object.keys(results.errors).length) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
