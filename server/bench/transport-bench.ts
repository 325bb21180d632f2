import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ContainerList, EngineList, type TargetRequest } from '@sonde/shared';
import { Value } from 'typebox/value';
import { DockerFixtures, docker as dockerCli, uniqueName } from '../test/support/docker-fixtures.js';
import { makeCertificateAuthority, makeClientDirectory, makeServerCertificate } from '../test/support/engine-certificates.js';
import { killNodeEngine, loadImages, removeEngineNode, startEngineNode, startNodeEngine, startNodeSshd, type EngineNode } from '../test/support/engine-node.js';
import { SondeProcess, ensureServerBuilt } from '../test/support/sonde-process.js';
import { SshAgent } from '../test/support/ssh-agent.js';
import { BenchContext, TARGET_IMAGE, TOOLBOX_IMAGE } from './context.js';
import { nowMs, sleep, spread, type Spread } from './stats.js';

const run = promisify(execFile);

/**
 * What an engine's transport costs, against a nested engine of the bench's own (the Swarm
 * testbed's node image, run alone; server/test/support/engine-node.ts):
 * - session start, POST /api/sessions to the shell's first output byte, on the same target image
 *   on the local engine (unix socket) and on the node's engine over plain tcp, TLS and ssh;
 * - one engine's GET /api/containers?engine=… over each transport (ssh opens a connection per call);
 * - GET /api/containers of a console with the local and the node's engine, both healthy, then with
 *   the node paused (its engine accepts connections and never answers): the deadline at work.
 *
 * The node's engine serves plain tcp and TLS one after the other (the same node, its engine
 * restarted), so the console changes between the two phases. Everything it creates is labelled
 * (sonde.test, sonde.bench) and removed; figures are printed and returned, never asserted.
 *
 *   npm run build -w @sonde/shared && npm run build -w server && npx tsc -p server/bench/tsconfig.json
 *   node server/bench/dist/bench/transport-bench.js [runs]
 */

export type Transport = 'local' | 'tcp' | 'tls' | 'ssh';

/** One engine's figures within a phase (the local engine's beside the node's, measured interleaved). */
export interface TransportRow {
  transport: Transport;
  /** POST /api/sessions → the shell's first output byte. */
  sessionStart: Spread;
  /** GET /api/containers?engine=<that engine>. */
  listOne: Spread;
}

export interface TransportResults {
  runs: number;
  /** Phase 1: local, tcp and ssh; phase 2: local and TLS (the node's engine restarted with --tlsverify). */
  phases: { label: string; rows: TransportRow[] }[];
  /** GET /api/containers with the local engine and the node's (plain tcp): both answer, or the node is paused. */
  listAll: { healthy: Spread; oneHung: Spread; deadlineMs: number; unreachableHeader: string | undefined };
  /** Setup, for context: node start, images into the node (toolbox and target), engine restart with TLS. */
  setupSeconds: { node: number; images: number; tlsRestart: number };
}

/** The session-start request for a target on one engine. */
function containerOn(engine: string, container: string): TargetRequest {
  return { kind: 'container', engine, container };
}

async function timeGet(sonde: SondeProcess, url: string): Promise<{ ms: number; unreachable: string | undefined; count: number }> {
  const t0 = nowMs();
  const response = await fetch(`${sonde.baseUrl}${url}`, { headers: sonde.auth });
  const body: unknown = await response.json();
  const ms = nowMs() - t0;
  if (response.status !== 200 || !Value.Check(ContainerList, body)) throw new Error(`GET ${url}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, unreachable: response.headers.get('x-sonde-unreachable') ?? undefined, count: body.length };
}

async function waitReachable(sonde: SondeProcess, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const engines: unknown = await (await fetch(`${sonde.baseUrl}/api/engines`, { headers: sonde.auth })).json();
    if (!Value.Check(EngineList, engines)) throw new Error(`GET /api/engines: ${JSON.stringify(engines)}`);
    const down = engines.filter((e) => names.includes(e.name) && !e.reachable);
    if (down.length === 0) return;
    if (Date.now() > deadline) throw new Error(`engines not reachable: ${down.map((e) => `${e.name} (${e.error})`).join(', ')}`);
    await sleep(250);
  }
}

export async function runTransportBench(log: (line: string) => void, options: { runs: number; listRuns: number; deadlineMs?: number }): Promise<TransportResults> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sonde-transport-bench-'));
  const fixtures = new DockerFixtures();
  const consoles: SondeProcess[] = [];
  let node: EngineNode | undefined;
  let agent: SshAgent | undefined;
  const deadlineMs = options.deadlineMs ?? 3000;
  const onNode = async (...args: string[]) => (await run('docker', ['exec', node!.containerId, 'docker', ...args])).stdout.trim();
  const startConsole = async (engines: object[]) => {
    const sonde = await SondeProcess.start({
      instance: `bench-transport-${process.pid}-${consoles.length}`,
      env: { SONDE_ENGINES: JSON.stringify(engines), SONDE_ENGINE_DEADLINE_MS: String(deadlineMs), SSH_AUTH_SOCK: agent!.socket, SONDE_SSH_KNOWN_HOSTS: path.join(dir, 'known_hosts') },
    });
    consoles.push(sonde);
    return sonde;
  };
  const phases: TransportResults['phases'] = [];

  /** Interleaved rounds over the console's transports: a session start and a one-engine listing each. */
  async function measure(label: string, sonde: SondeProcess, targets: { transport: Transport; engine: string; container: string }[]): Promise<void> {
    const samples = new Map(targets.map((t) => [t.transport, { start: [] as number[], list: [] as number[] }]));
    const ctx = new BenchContext(sonde, { id: '', name: '' }, { id: '', name: '' }, sonde);
    for (const t of targets) await ctx.closeSonde(await ctx.openSonde(`warm ${t.transport}`, containerOn(t.engine, t.container)));
    for (let i = 0; i < options.runs; i++) {
      const order = i % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const session = await ctx.openSonde(`${t.transport} ${i}`, containerOn(t.engine, t.container));
        samples.get(t.transport)!.start.push(session.firstByteMs);
        await ctx.closeSonde(session);
        await sleep(100);
      }
    }
    for (let i = 0; i < options.listRuns; i++) {
      for (const t of targets) samples.get(t.transport)!.list.push((await timeGet(sonde, `/api/containers?engine=${t.engine}`)).ms);
    }
    const rows = targets.map((t) => ({ transport: t.transport, sessionStart: spread(samples.get(t.transport)!.start), listOne: spread(samples.get(t.transport)!.list) }));
    phases.push({ label, rows });
    log(`  ${rows.map((r) => `${r.transport}: session start ${r.sessionStart.median.toFixed(0)} ms, list ${r.listOne.median.toFixed(1)} ms`).join('; ')}`);
  }

  try {
    let t0 = nowMs();
    node = await startEngineNode({ name: uniqueName('sonde-transport-bench'), labels: ['sonde.bench=true'], log });
    const tcpUrl = await startNodeEngine(node);
    const nodeSeconds = (nowMs() - t0) / 1000;
    t0 = nowMs();
    const loaded = await loadImages(node, [TOOLBOX_IMAGE, TARGET_IMAGE]);
    const imagesSeconds = (nowMs() - t0) / 1000;
    log(`node ${node.name} at ${node.address} in ${nodeSeconds.toFixed(1)} s; ${loaded.join(', ') || 'no images'} loaded in ${imagesSeconds.toFixed(1)} s`);

    agent = await SshAgent.start(dir);
    await startNodeSshd(node, agent.publicKey);
    const [keyType, key] = (await run('docker', ['exec', node.containerId, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(/\s+/);
    writeFileSync(path.join(dir, 'known_hosts'), `${node.address} ${keyType} ${key}\n`);

    const local = await fixtures.container({ labels: ['sonde.bench=true'] });
    const remote = uniqueName('sonde-transport-bench-target');
    await onNode('run', '-d', '--name', remote, '--label', 'sonde.test=true', '--restart', 'always', TARGET_IMAGE);

    // Phase 1: the node's engine on plain tcp, and over ssh.
    log('phase 1: local, tcp, ssh');
    const plain = await startConsole([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'node', host: tcpUrl },
      { name: 'lab', host: `ssh://root@${node.address}` },
    ]);
    await waitReachable(plain, ['local', 'node', 'lab']);
    await measure('local, tcp, ssh', plain, [
      { transport: 'local', engine: 'local', container: local.name },
      { transport: 'tcp', engine: 'node', container: remote },
      { transport: 'ssh', engine: 'lab', container: remote },
    ]);
    await plain.stop();

    // The inventory of two engines (local and the node over tcp), healthy, then with the node paused.
    log('inventory: two engines healthy, then one hung');
    const pair = await startConsole([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'node', host: tcpUrl },
    ]);
    await waitReachable(pair, ['local', 'node']);
    const healthy: number[] = [];
    for (let i = 0; i < options.listRuns; i++) {
      const r = await timeGet(pair, '/api/containers');
      if (r.unreachable) throw new Error(`healthy inventory named ${r.unreachable} unreachable`);
      healthy.push(r.ms);
    }
    const hung: number[] = [];
    let unreachableHeader: string | undefined;
    await run('docker', ['pause', node.containerId]);
    try {
      for (let i = 0; i < Math.max(5, Math.ceil(options.listRuns / 2)); i++) {
        const r = await timeGet(pair, '/api/containers');
        unreachableHeader = r.unreachable;
        hung.push(r.ms);
      }
    } finally {
      await run('docker', ['unpause', node.containerId]);
    }
    log(`  healthy ${spread(healthy).median.toFixed(1)} ms, one hung ${spread(hung).median.toFixed(0)} ms (x-sonde-unreachable: ${unreachableHeader})`);
    await pair.stop();

    // Phase 2: the same engine restarted with --tlsverify on 2376.
    log('phase 2: local, tls');
    const ca = makeCertificateAuthority(dir, 'engine-ca');
    const serverDir = makeServerCertificate(ca, path.join(dir, 'server'), { address: node.address, hostname: node.name });
    const clientDir = makeClientDirectory({ issuer: ca, trust: ca, dir: path.join(dir, 'client'), commonName: 'sonde-bench' });
    t0 = nowMs();
    await killNodeEngine(node);
    const tlsUrl = await startNodeEngine(node, { tls: serverDir });
    const tlsRestart = (nowMs() - t0) / 1000;
    const secure = await startConsole([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'secure', host: tlsUrl, tlsDir: clientDir },
    ]);
    await waitReachable(secure, ['local', 'secure']);
    // --restart always brought the target back with the engine.
    for (let i = 0; (await onNode('inspect', '-f', '{{.State.Running}}', remote)) !== 'true'; i++) {
      if (i > 100) throw new Error(`${remote} did not come back with the engine`);
      await sleep(100);
    }
    await measure('local, tls', secure, [
      { transport: 'local', engine: 'local', container: local.name },
      { transport: 'tls', engine: 'secure', container: remote },
    ]);

    return {
      runs: options.runs,
      phases,
      listAll: { healthy: spread(healthy), oneHung: spread(hung), deadlineMs, unreachableHeader },
      setupSeconds: { node: nodeSeconds, images: imagesSeconds, tlsRestart },
    };
  } finally {
    for (const sonde of consoles) await sonde.stop().catch(() => undefined);
    if (node) {
      await dockerCli('unpause', node.containerId).catch(() => undefined);
      await removeEngineNode(node);
    }
    await fixtures.dispose();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run alone: `node bench/dist/bench/transport-bench.js [runs]` prints the results as JSON. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 10);
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`[transport ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
  ensureServerBuilt();
  runTransportBench(log, { runs, listRuns: 20 })
    .then((results) => {
      process.stdout.write(`${JSON.stringify({ load: os.loadavg(), ...results }, null, 2)}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
