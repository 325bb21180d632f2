import { createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { CreatedShare, SessionInfo, SessionList, decodeServerControl, encodeControl, type TargetRequest } from '@sonde/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { DockerFixtures, containersWithLabels, docker as dockerCli } from '../test/support/docker-fixtures.js';
import { SondeProcess, ensureServerBuilt } from '../test/support/sonde-process.js';
import { BenchContext } from './context.js';
import { removeBenchContainers } from './raw-toolbox.js';
import { sleep } from './stats.js';

/**
 * `npm run soak`: memory over time under churn, on a server process of its own. For
 * SONDE_SOAK_MINUTES (default 60): sessions are opened and closed every few seconds in every
 * attach mode by two users (some end with DELETE, some with `exit`, some with a command that
 * changes the firewall first, so the network snapshots run); two long-lived sessions print
 * numbered lines and their clients reconnect every half minute with `?offset=`, checking that
 * no byte is lost or repeated; viewers join them through share links and leave. Every
 * SONDE_SOAK_SAMPLE_SECONDS (default 60) it samples RSS and, after a full GC, heap and external
 * memory; it takes heap snapshots after the warm-up and at the end and compares them by
 * constructor (the top growers). It reports the RSS and heap slopes after the warm-up
 * (SONDE_SOAK_WARMUP_MINUTES, default 15, or a quarter of a shorter run), what the churn did, and
 * what was left behind, in server/bench/dist/soak.md and soak.json. Extra environment for the
 * server: SONDE_SOAK_SERVER_ENV='A=1 B=2' (e.g. MALLOC_ARENA_MAX=2, to compare allocators).
 * SONDE_SOAK_LINES_PER_TICK: how fast the printers print (below). SONDE_SOAK_HEAP_SNAPSHOTS=0 takes
 * no heap snapshot: writing the warm-up one raised the server's RSS by 185 MiB at once in a
 * 45-minute soak, just before the slope is measured; whether its aftermath is that slope is what
 * a run without snapshots tells.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const outDir = path.join(root, 'server/bench/dist');

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got "${text}"`);
  return value;
}

const MINUTES = envNumber('SONDE_SOAK_MINUTES', 60);
const SAMPLE_SECONDS = envNumber('SONDE_SOAK_SAMPLE_SECONDS', 60);
const WARMUP_MINUTES = Math.min(envNumber('SONDE_SOAK_WARMUP_MINUTES', 15), MINUTES / 4);
/**
 * Lines each printer prints every 50 ms (SONDE_SOAK_LINES_PER_TICK, default 1: about 1 KiB/s, so
 * its replay log reaches its 4 MiB cap after about an hour; 10 reaches it in minutes, to measure
 * memory past the cap in a shorter run).
 */
const LINES_PER_TICK = Math.round(envNumber('SONDE_SOAK_LINES_PER_TICK', 1));
const HEAP_SNAPSHOTS = process.env.SONDE_SOAK_HEAP_SNAPSHOTS !== '0';
/** A new short session this often (each lives a few seconds). */
const CHURN_EVERY_MS = 3_000;
/** Printing sessions' clients drop and come back this often. */
const RECONNECT_EVERY_MS = 30_000;
/** A viewer joins through a fresh share link this often, and leaves after a while. */
const VIEWER_EVERY_MS = 45_000;

const started = Date.now();
const log = (line: string) => process.stdout.write(`[soak ${((Date.now() - started) / 60_000).toFixed(1).padStart(5)} min] ${line}\n`);

interface Sample {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
  fds: number;
  liveSessions: number;
  toolboxes: number;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

/** A terminal client that keeps every output byte it was given and knows the offset it is at. */
class Reader {
  ws: WebSocket | undefined;
  received = Buffer.alloc(0);
  /** Absolute offset of received[0] in the session's output. */
  base = 0;
  hellos: { offset: number; resynced: boolean }[] = [];
  closed: { code: number } | undefined;

  constructor(
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {}

  get offset(): number {
    return this.base + this.received.length;
  }

  async connect(offset?: number): Promise<void> {
    this.closed = undefined;
    const ws = new WebSocket(offset === undefined ? this.url : `${this.url}?offset=${offset}`, { headers: this.headers, perMessageDeflate: false });
    this.ws = ws;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const decoded = decodeServerControl(data.toString());
        if (decoded.ok && decoded.message.type === 'hello') this.hellos.push({ offset: decoded.message.offset, resynced: decoded.message.resynced });
        return;
      }
      this.received = Buffer.concat([this.received, data]);
      ws.send(encodeControl({ type: 'ack', bytes: data.length }));
    });
    ws.on('close', (code) => (this.closed = { code }));
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  send(text: string): void {
    this.ws?.send(Buffer.from(text), { binary: true });
  }

  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || this.closed) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.received.toString('latin1'))) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms`);
      if (this.closed) throw new Error(`closed (${this.closed.code}) before ${pattern}`);
      await sleep(20);
    }
  }
}

/** A session printing numbered lines; its client reconnects from where it was and checks the numbers run on. */
class Printer {
  reconnects = 0;
  lost = 0;
  repeated = 0;
  resyncs = 0;
  private lastLine = 0;
  private parsedTo = 0;

  constructor(
    readonly info: SessionInfo,
    readonly reader: Reader,
  ) {}

  /** Checks the lines that arrived since the last check: each is the one after the previous. */
  check(): void {
    const text = this.reader.received.toString('latin1');
    const end = text.lastIndexOf('\n');
    if (end < this.parsedTo) return;
    for (const match of text.slice(this.parsedTo, end).matchAll(/SOAK-(\d+)-x{40}/g)) {
      const n = Number(match[1]);
      if (this.lastLine !== 0) {
        if (n > this.lastLine + 1) this.lost += n - this.lastLine - 1;
        if (n <= this.lastLine) this.repeated++;
      }
      this.lastLine = Math.max(this.lastLine, n);
    }
    this.parsedTo = end;
  }

  get lines(): number {
    return this.lastLine;
  }

  async reconnect(): Promise<void> {
    this.check();
    // The offset once closed: frames that arrive during the close are kept, so asking from before
    // them would get them again, and the offset would then run ahead of the output held.
    await this.reader.close();
    const offset = this.reader.offset;
    await sleep(500 + Math.random() * 1500);
    const hellos = this.reader.hellos.length;
    await this.reader.connect(offset);
    this.reconnects++;
    const deadline = Date.now() + 10_000;
    while (this.reader.hellos.length === hellos && Date.now() < deadline) await sleep(10);
    const hello = this.reader.hellos.at(-1);
    if (!hello || hello.offset !== offset || hello.resynced) this.resyncs++;
  }
}

interface HeapClass {
  name: string;
  count: number;
  bytes: number;
}

/**
 * A heap snapshot (the inspector's JSON) summed by node type and name: the constructor for
 * objects, the kind for strings, arrays and code.
 */
export function summariseHeapSnapshot(json: string): Map<string, HeapClass> {
  const snapshot = JSON.parse(json) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const classes = new Map<string, HeapClass>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? 'unknown';
    const name = type === 'object' || type === 'closure' || type === 'native' ? (snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '?') : `(${type})`;
    const key = `${name}`;
    const entry = classes.get(key) ?? { name: key, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    classes.set(key, entry);
  }
  return classes;
}

/** Classes that grew most between two summaries, by bytes. */
export function topGrowers(before: Map<string, HeapClass>, after: Map<string, HeapClass>, count = 15): { name: string; bytes: number; objects: number }[] {
  return [...after.values()]
    .map((a) => ({ name: a.name, bytes: a.bytes - (before.get(a.name)?.bytes ?? 0), objects: a.count - (before.get(a.name)?.count ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** Asks the server's inspector for a heap snapshot and writes it to `file`. */
async function heapSnapshot(sonde: SondeProcess, file: string): Promise<string> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(sonde.log)?.[1];
  if (!url) throw new Error('the server was not started with the inspector');
  const ws = new WebSocket(url, { maxPayload: 1024 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const out = createWriteStream(file);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; method?: string; params?: { chunk: string }; error?: unknown };
        if (message.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(message.params!.chunk);
        else if (message.id === 1) (message.error ? reject(new Error(JSON.stringify(message.error))) : resolve());
      });
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }));
    });
  } finally {
    ws.close();
    await new Promise((resolve) => out.end(resolve));
  }
  return readFileSync(file, 'utf8');
}

/** The containers this server made that still exist. */
async function toolboxCount(sonde: SondeProcess): Promise<number> {
  return (await containersWithLabels(`sonde.instance=${sonde.instance}`)).length;
}

async function main(): Promise<void> {
  ensureServerBuilt();
  await removeBenchContainers();
  mkdirSync(outDir, { recursive: true });
  const serverEnv = Object.fromEntries((process.env.SONDE_SOAK_SERVER_ENV ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
  log(`${MINUTES} min, a sample every ${SAMPLE_SECONDS} s, slope after ${WARMUP_MINUTES} min; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}${Object.keys(serverEnv).length ? `; server env ${JSON.stringify(serverEnv)}` : ''}`);
  const fixtures = new DockerFixtures();
  const sonde = await SondeProcess.start({
    inspect: true,
    instance: `soak-${process.pid}`,
    env: { SONDE_MAX_SESSIONS_PER_USER: '100', SONDE_LOG_LEVEL: 'warn', ...serverEnv },
  });
  const samples: Sample[] = [];
  const errors: string[] = [];
  const counts = { opened: 0, deleted: 0, exited: 0, firewall: 0, viewers: 0, failures: 0 };
  const modes: { label: string; request: TargetRequest }[] = [];
  let stopping = false;
  const printers: Printer[] = [];
  const live = new Set<Promise<void>>();
  try {
    const network = await fixtures.network(`sonde-bench-soak-net-${process.pid}`);
    const target = await fixtures.container({ network, labels: ['sonde.bench=true'] });
    modes.push(
      { label: 'container', request: { kind: 'container', container: target.name } },
      { label: 'container+pid', request: { kind: 'container', container: target.name, sharePid: true } },
      { label: 'network', request: { kind: 'network', network } },
      { label: 'host', request: { kind: 'host', engine: 'local' } },
    );
    const users = [sonde.auth, await BenchContext.operatorToken(sonde, 'soak-second-user')];
    const post = async <S extends TSchema>(schema: S, url: string, body: unknown, auth: Record<string, string>): Promise<Static<S>> => {
      const response = await fetch(`${sonde.baseUrl}${url}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await response.text();
      const reply: unknown = response.status === 201 ? JSON.parse(text) : undefined;
      if (!Value.Check(schema, reply)) throw new Error(`POST ${url}: ${response.status} ${text}`);
      return reply;
    };

    // Two long-lived printers, one per user.
    for (const [i, auth] of users.entries()) {
      const info = await post(SessionInfo, '/api/sessions', { target: modes[i]!.request }, auth);
      const reader = new Reader(`${sonde.wsUrl}${info.ttyPath}`, auth);
      await reader.connect(0);
      reader.send(`stty -echo; i=0; while :; do j=0; while [ $j -lt ${LINES_PER_TICK} ]; do j=$((j+1)); i=$((i+1)); printf 'SOAK-%d-%s\\n' $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done; sleep 0.05; done\r`);
      await reader.waitFor(/SOAK-1-x{40}/);
      printers.push(new Printer(info, reader));
    }

    /** One short session: open, attach, a command or two, then end it one of three ways. */
    const churnOne = async (n: number) => {
      const mode = modes[Math.floor(n / users.length) % modes.length]!;
      // Host sessions are the admin's only: the second user (an operator) would be refused them.
      const auth = mode.request.kind === 'host' ? users[0]! : users[n % users.length]!;
      let info: SessionInfo | undefined;
      const reader = { current: undefined as Reader | undefined };
      try {
        info = await post(SessionInfo, '/api/sessions', { target: mode.request }, auth);
        counts.opened++;
        reader.current = new Reader(`${sonde.wsUrl}${info.ttyPath}`, auth);
        await reader.current.connect();
        reader.current.send(`echo churn-$((${n}+1))\r`);
        await reader.current.waitFor(new RegExp(`churn-${n + 1}`));
        const ending = n % 3;
        if (ending === 2 && mode.label.startsWith('container')) {
          // Changes the firewall and takes it back: both snapshots run, and find no change left.
          reader.current.send('iptables -A INPUT -p tcp --dport 9 -j DROP; iptables -D INPUT -p tcp --dport 9 -j DROP; echo fw-$((1+1))\r');
          await reader.current.waitFor(/fw-2/);
          counts.firewall++;
        }
        await sleep(500 + Math.random() * 2000);
        if (ending === 1) {
          reader.current.send('exit\r');
          const deadline = Date.now() + 15_000;
          while (!reader.current.closed && Date.now() < deadline) await sleep(50);
          counts.exited++;
        } else {
          const response = await fetch(`${sonde.baseUrl}/api/sessions/${info.id}`, { method: 'DELETE', headers: auth });
          await response.arrayBuffer();
          counts.deleted++;
        }
      } catch (error) {
        counts.failures++;
        const message = `churn ${n} (${mode.label}): ${error instanceof Error ? error.message : String(error)}`;
        if (errors.length < 50) errors.push(message);
        log(message);
        if (info) await fetch(`${sonde.baseUrl}/api/sessions/${info.id}`, { method: 'DELETE', headers: auth }).then((r) => r.arrayBuffer()).catch(() => undefined);
      } finally {
        await reader.current?.close();
      }
    };

    /** A viewer through a fresh share link watches a printer for a while, then leaves; the link is revoked. */
    const viewOne = async (n: number) => {
      const printer = printers[n % printers.length]!;
      const auth = users[n % printers.length]!;
      try {
        const share = await post(CreatedShare, `/api/sessions/${printer.info.id}/shares`, { role: 'viewer', expiresInSeconds: 600 }, auth);
        const viewer = new Reader(`${sonde.wsUrl}${printer.info.ttyPath}`, { authorization: `Bearer ${share.token}` });
        await viewer.connect();
        await viewer.waitFor(/SOAK-\d+-x{40}/);
        counts.viewers++;
        await sleep(5_000 + Math.random() * 10_000);
        await viewer.close();
        await fetch(`${sonde.baseUrl}/api/sessions/${printer.info.id}/shares/${share.id}`, { method: 'DELETE', headers: auth }).then((r) => r.arrayBuffer());
      } catch (error) {
        counts.failures++;
        if (errors.length < 50) errors.push(`viewer ${n}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };

    const track = (work: Promise<void>) => {
      live.add(work);
      void work.finally(() => live.delete(work));
    };
    const loops = [
      (async () => {
        for (let n = 0; !stopping; n++) {
          track(churnOne(n));
          await sleep(CHURN_EVERY_MS);
        }
      })(),
      (async () => {
        while (!stopping) {
          await sleep(RECONNECT_EVERY_MS);
          for (const p of printers) if (!stopping) await p.reconnect().catch((error: unknown) => errors.push(`reconnect: ${String(error)}`));
        }
      })(),
      (async () => {
        for (let n = 0; !stopping; n++) {
          await sleep(VIEWER_EVERY_MS);
          if (!stopping) track(viewOne(n));
        }
      })(),
    ];

    let snapshotBefore: Map<string, HeapClass> | undefined;
    const end = started + MINUTES * 60_000;
    let nextSample = Date.now();
    while (Date.now() < end) {
      const minute = (Date.now() - started) / 60_000;
      if (HEAP_SNAPSHOTS && !snapshotBefore && minute >= WARMUP_MINUTES) {
        log('heap snapshot after the warm-up');
        await sonde.collectGarbage();
        snapshotBefore = summariseHeapSnapshot(await heapSnapshot(sonde, path.join(outDir, 'soak-start.heapsnapshot')));
      }
      if (Date.now() >= nextSample) {
        const heap = await sonde.collectGarbage();
        const proc = sonde.sample();
        const sessions: unknown = await (await fetch(`${sonde.baseUrl}/api/sessions`, { headers: sonde.auth })).json();
        if (!Value.Check(SessionList, sessions)) throw new Error(`GET /api/sessions: ${JSON.stringify(sessions)}`);
        const sample: Sample = {
          minute,
          rssMiB: proc.rssKiB / 1024,
          heapUsedMiB: heap.heapUsed / 2 ** 20,
          externalMiB: heap.external / 2 ** 20,
          arrayBuffersMiB: heap.arrayBuffers / 2 ** 20,
          fds: proc.fds,
          liveSessions: sessions.filter((s) => s.state === 'running').length,
          toolboxes: await toolboxCount(sonde),
        };
        samples.push(sample);
        for (const p of printers) p.check();
        log(
          `RSS ${sample.rssMiB.toFixed(1)} MiB, heap ${sample.heapUsedMiB.toFixed(1)} MiB, external ${sample.externalMiB.toFixed(1)} MiB, fds ${sample.fds}, ${sample.liveSessions} live sessions, ${sample.toolboxes} toolboxes; ` +
            `${counts.opened} opened, ${printers.reduce((a, p) => a + p.reconnects, 0)} reconnects, ${printers.reduce((a, p) => a + p.lost, 0)} lines lost; load ${os.loadavg()[0]!.toFixed(1)}`,
        );
        nextSample += SAMPLE_SECONDS * 1000;
      }
      await sleep(1000);
    }
    stopping = true;
    await Promise.all(loops);
    await Promise.allSettled([...live]);
    for (const p of printers) p.check();
    let growers: SoakResult['growers'] | undefined;
    if (snapshotBefore) {
      log('heap snapshot at the end');
      await sonde.collectGarbage();
      growers = topGrowers(snapshotBefore, summariseHeapSnapshot(await heapSnapshot(sonde, path.join(outDir, 'soak-end.heapsnapshot'))));
    }

    // End the printers; then nothing of the churn may be left.
    for (const p of printers) {
      await p.reader.close();
      await fetch(`${sonde.baseUrl}/api/sessions/${p.info.id}`, { method: 'DELETE', headers: users[printers.indexOf(p)]! }).then((r) => r.arrayBuffer());
    }
    await sleep(3000);
    const leftToolboxes = await toolboxCount(sonde);
    const after = samples.filter((s) => s.minute >= WARMUP_MINUTES);
    const result = {
      minutes: MINUTES,
      warmupMinutes: WARMUP_MINUTES,
      serverEnv,
      load: os.loadavg(),
      samples,
      rssSlopeMiBPerMin: slope(after.map((s) => ({ x: s.minute, y: s.rssMiB }))),
      heapSlopeMiBPerMin: slope(after.map((s) => ({ x: s.minute, y: s.heapUsedMiB + s.externalMiB }))),
      counts,
      printers: printers.map((p) => ({ lines: p.lines, reconnects: p.reconnects, lost: p.lost, repeated: p.repeated, resyncs: p.resyncs })),
      leftToolboxes,
      growers,
      errors,
    };
    writeFileSync(path.join(outDir, 'soak.json'), JSON.stringify(result, null, 2));
    writeFileSync(path.join(outDir, 'soak.md'), renderSoak(result));
    process.stdout.write(`\n${renderSoak(result)}\n`);
    if (growers) log(`heap snapshots: ${['soak-start', 'soak-end'].map((f) => `${f}.heapsnapshot (${(statSync(path.join(outDir, `${f}.heapsnapshot`)).size / 2 ** 20).toFixed(0)} MiB)`).join(', ')} in ${outDir}`);
    if (result.printers.some((p) => p.lost > 0 || p.repeated > 0) || leftToolboxes > 0) process.exitCode = 1;
  } finally {
    stopping = true;
    await sonde.stop();
    await fixtures.dispose();
    await removeBenchContainers();
    await dockerCli('network', 'prune', '-f', '--filter', 'label=sonde.test=true').catch(() => undefined);
  }
}

type SoakResult = {
  minutes: number;
  warmupMinutes: number;
  load: number[];
  samples: Sample[];
  rssSlopeMiBPerMin: number;
  heapSlopeMiBPerMin: number;
  counts: Record<string, number>;
  printers: { lines: number; reconnects: number; lost: number; repeated: number; resyncs: number }[];
  leftToolboxes: number;
  /** Absent when no heap snapshot was taken (SONDE_SOAK_HEAP_SNAPSHOTS=0). */
  growers: { name: string; bytes: number; objects: number }[] | undefined;
  errors: string[];
};

/** The soak's report, from its numbers only. */
export function renderSoak(r: SoakResult): string {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
  const first = r.samples.find((s) => s.minute >= r.warmupMinutes);
  const last = r.samples.at(-1);
  const lost = r.printers.reduce((a, p) => a + p.lost + p.repeated, 0);
  const met = r.rssSlopeMiBPerMin < 0.1;
  return [
    `# Soak: ${r.minutes} min`,
    '',
    `Load average at the end: ${r.load.map((l) => f(l, 2)).join(' ')}. Churn: ${r.counts.opened} sessions opened (${r.counts.deleted} ended with DELETE, ${r.counts.exited} with \`exit\`, ${r.counts.firewall} changed and restored the firewall), ${r.counts.viewers} viewers through share links, ${r.counts.failures} failures.`,
    `Printers: ${r.printers.map((p) => `${p.lines} lines over ${p.reconnects} reconnects, ${p.lost} lost, ${p.repeated} repeated, ${p.resyncs} resyncs`).join('; ')}: ${lost === 0 ? 'no byte lost' : '**lines lost or repeated**'}. Toolboxes left after the end: ${r.leftToolboxes}.`,
    '',
    `After the warm-up (${f(r.warmupMinutes, 0)} min): RSS ${first ? f(first.rssMiB) : '–'} → ${last ? f(last.rssMiB) : '–'} MiB, slope **${f(r.rssSlopeMiBPerMin, 3)} MiB/min** (target < 0.1: ${met ? 'met' : '**missed**'}); heap used + external after GC ${first ? f(first.heapUsedMiB + first.externalMiB) : '–'} → ${last ? f(last.heapUsedMiB + last.externalMiB) : '–'} MiB, slope ${f(r.heapSlopeMiBPerMin, 3)} MiB/min.`,
    '',
    '| minute | RSS MiB | heap used MiB | external MiB | array buffers MiB | fds | live sessions | toolboxes |',
    '|---|---|---|---|---|---|---|---|',
    ...r.samples.map((s) => `| ${f(s.minute)} | ${f(s.rssMiB)} | ${f(s.heapUsedMiB)} | ${f(s.externalMiB)} | ${f(s.arrayBuffersMiB, 2)} | ${s.fds} | ${s.liveSessions} | ${s.toolboxes} |`),
    '',
    ...(r.growers
      ? [
          'Top growers between the heap snapshots (after the warm-up → the end), by self size:',
          '',
          '| constructor or kind | bytes | objects |',
          '|---|---|---|',
          ...r.growers.map((g) => `| ${g.name.replace(/\|/g, '\\|').slice(0, 80)} | ${g.bytes} | ${g.objects} |`),
        ]
      : ['No heap snapshot was taken (SONDE_SOAK_HEAP_SNAPSHOTS=0).']),
    '',
    ...(r.errors.length ? ['Errors:', '', ...r.errors.map((e) => `- ${e}`), ''] : []),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
