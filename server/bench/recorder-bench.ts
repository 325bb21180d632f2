import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SessionObserver } from '../src/sessions/session.js';
import { openMemoryDatabase } from '../src/store/database.js';
import { SessionRecorder, type RecordedSession } from '../src/recordings/session-recorder.js';
import { fmt, fmtSpread, spread, type Spread } from './stats.js';

/**
 * The session recorder alone, without Docker: how much main-thread CPU it costs per MB of
 * terminal output and per keystroke, and how much memory an idle recording holds. Output is
 * fed through the SessionObserver the way a Session feeds it, one chunk per event-loop turn.
 * `node bench/dist/bench/recorder-bench.js` runs it alone and prints a table.
 */

export interface RecorderCpuFigure {
  path: string;
  content: 'text' | 'escapes';
  chunkBytes: number;
  /** Main thread CPU (schedstat) per MB of output, minus the same feed with no recorder. */
  mainMsPerMB: Spread;
  /** All other threads of the process (cast worker, fs thread pool, GC helpers) per MB. */
  otherMsPerMB: Spread;
}

export interface RecorderResults {
  megabytesPerRun: number;
  cpu: RecorderCpuFigure[];
  keystroke: { path: string; mainUsPerKey: Spread }[];
  memory: { recordings: number; rssPerRecordingKiB: number; heldPerRecordingKiB: number };
}

const MB = 1e6;

class BenchSession implements RecordedSession {
  readonly target = { kind: 'container', containerId: 'c'.repeat(64), containerName: 'bench', sharePid: false } as const;
  readonly terminalSize = { cols: 120, rows: 40 };
  endedAt: Date | undefined;
  readonly clientCount = 1;
  private readonly observers = new Set<SessionObserver>();

  constructor(readonly id: string) {}

  observe(observer: SessionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  notify(): void {}

  output(chunk: Buffer): void {
    for (const o of this.observers) o.output?.(chunk);
  }

  input(data: Buffer): void {
    for (const o of this.observers) o.input?.({ id: 'user:bench', name: 'bench', canManage: true }, data);
  }

  end(): void {
    this.endedAt = new Date();
    for (const o of this.observers) o.ended?.(this as never);
  }
}

/** Main thread CPU in ms, from the scheduler (ns precision; utime/stime only tick every 10 ms). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
  return Number(fields[0]) / 1e6;
}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `bytes` of terminal output in `chunkBytes` pieces, cut wherever the size falls (mid-character too). */
function makeChunks(content: 'text' | 'escapes', bytes: number, chunkBytes: number): Buffer[] {
  const line =
    content === 'text'
      ? // What the terminal bench cats: 96-character lines, \r\n from the tty.
        `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, 96)}\r\n`
      : // ls --color, a progress bar and some UTF-8: many characters JSON must escape.
        '\u001b[0m\u001b[01;34mdir\u001b[0m  \u001b[01;32mrun.sh\u001b[0m  naïve-😀.txt  \u001b[2K\r[####    ] 50% → done\r\n';
  const unit = Buffer.from(line.repeat(Math.ceil((chunkBytes * 4) / line.length)));
  const chunks: Buffer[] = [];
  let offset = 0;
  for (let made = 0; made < bytes; made += chunkBytes) {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (let filled = 0; filled < chunkBytes; ) {
      const n = unit.copy(chunk, filled, offset % unit.length);
      filled += n;
      offset += n;
    }
    chunks.push(chunk);
  }
  return chunks;
}

interface FeedResult {
  mainMs: number;
  processMs: number;
}

type Feeder = (chunks: readonly Buffer[]) => Promise<FeedResult>;

function measured(work: () => Promise<void>): Promise<FeedResult> {
  const main0 = mainThreadCpuMs();
  const process0 = processCpuMs();
  return work().then(() => ({ mainMs: mainThreadCpuMs() - main0, processMs: processCpuMs() - process0 }));
}

let sessionCounter = 0;
const nextSessionId = () => (++sessionCounter).toString(16).padStart(32, '0');

/** The production path: SessionRecorder observing a session, finished when the session ends. */
function recorderFeeder(recorder: SessionRecorder): Feeder {
  return (chunks) =>
    measured(async () => {
      const session = new BenchSession(nextSessionId());
      recorder.record(session);
      for (const chunk of chunks) {
        session.output(chunk);
        await turn();
      }
      session.end();
      await recorder.finishAll();
    });
}

/** The same feed with nothing observing it: what the loop itself costs, subtracted from the rest. */
const bareFeeder: Feeder = (chunks) =>
  measured(async () => {
    const session = new BenchSession(nextSessionId());
    for (const chunk of chunks) {
      session.output(chunk);
      await turn();
    }
    session.end();
  });

async function keystrokeCost(recorder: SessionRecorder | undefined, keys: number): Promise<number> {
  const session = new BenchSession(nextSessionId());
  recorder?.record(session);
  const key = Buffer.from('x');
  const result = await measured(async () => {
    for (let i = 0; i < keys; i++) {
      session.input(key);
      // The echo comes back as output, as it does in a shell.
      session.output(key);
      await turn();
    }
  });
  session.end();
  await recorder?.finishAll();
  return result.mainMs;
}

function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function memoryFigures(): { rss: number; held: number } {
  const usage = process.memoryUsage();
  return { rss: usage.rss, held: usage.heapUsed + usage.external };
}

async function idleMemory(dataDir: string, count: number): Promise<RecorderResults['memory']> {
  const gc = collector();
  const db = openMemoryDatabase();
  const recorder = new SessionRecorder({ db, audit: { record: () => undefined as never }, dataDir, failureMode: 'continue', log: { warn: () => undefined } });
  // One recording comes and goes first, so the baseline includes whatever the recorder keeps once used.
  const warm = new BenchSession(nextSessionId());
  recorder.record(warm);
  warm.output(Buffer.from('$ '));
  warm.end();
  await recorder.finishAll();
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    gc();
    await turn();
    gc();
  };
  await settle();
  const before = memoryFigures();
  const sessions: BenchSession[] = [];
  for (let i = 0; i < count; i++) {
    const session = new BenchSession(nextSessionId());
    recorder.record(session);
    // A prompt and a command's output, then nothing: an idle shell.
    session.output(Buffer.from('root@web-1:/# '));
    session.input(Buffer.from('ls\r'));
    session.output(Buffer.from('ls\r\nbin  etc  usr  var\r\nroot@web-1:/# '));
    sessions.push(session);
    if (i % 50 === 49) await turn();
  }
  await settle();
  const after = memoryFigures();
  for (const session of sessions) session.end();
  await recorder.finishAll();
  db.close();
  return {
    recordings: count,
    rssPerRecordingKiB: (after.rss - before.rss) / count / 1024,
    heldPerRecordingKiB: (after.held - before.held) / count / 1024,
  };
}

export async function runRecorderBench(log: (line: string) => void, options: { megabytes: number; runs: number; keys: number; idleRecordings: number }): Promise<RecorderResults> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-recorder-bench-'));
  try {
    const db = openMemoryDatabase();
    const recorder = new SessionRecorder({ db, audit: { record: () => undefined as never }, dataDir, failureMode: 'continue', log: { warn: () => undefined } });
    const feeders: { path: string; feed: Feeder }[] = [{ path: 'SessionRecorder', feed: recorderFeeder(recorder) }];
    const cpu: RecorderCpuFigure[] = [];
    for (const content of ['text', 'escapes'] as const) {
      for (const chunkBytes of [4096, 65536]) {
        const chunks = makeChunks(content, options.megabytes * MB, chunkBytes);
        const megabytes = (chunks.length * chunkBytes) / MB;
        // One warm-up of each, then runs with the paths interleaved.
        await bareFeeder(chunks);
        for (const { feed } of feeders) await feed(chunks);
        const samples = new Map<string, { main: number[]; other: number[] }>(feeders.map((f) => [f.path, { main: [], other: [] }]));
        for (let run = 0; run < options.runs; run++) {
          const bare = await bareFeeder(chunks);
          for (const { path: name, feed } of run % 2 === 0 ? feeders : [...feeders].reverse()) {
            const result = await feed(chunks);
            const sample = samples.get(name)!;
            sample.main.push((result.mainMs - bare.mainMs) / megabytes);
            sample.other.push((result.processMs - result.mainMs - (bare.processMs - bare.mainMs)) / megabytes);
          }
          rmSync(path.join(dataDir, 'recordings'), { recursive: true, force: true });
        }
        for (const [name, sample] of samples) {
          cpu.push({ path: name, content, chunkBytes, mainMsPerMB: spread(sample.main), otherMsPerMB: spread(sample.other) });
          log(`${name}, ${content}, ${chunkBytes / 1024} KiB chunks: main ${fmtSpread(spread(sample.main), 2)} ms/MB, other threads ${fmtSpread(spread(sample.other), 2)} ms/MB`);
        }
      }
    }
    const keystroke: RecorderResults['keystroke'] = [];
    const bareKeys: number[] = [];
    const recordedKeys: number[] = [];
    await keystrokeCost(recorder, 200);
    for (let run = 0; run < options.runs; run++) {
      bareKeys.push(await keystrokeCost(undefined, options.keys));
      recordedKeys.push(await keystrokeCost(recorder, options.keys));
    }
    keystroke.push({ path: 'SessionRecorder', mainUsPerKey: spread(recordedKeys.map((ms, i) => ((ms - bareKeys[i]!) * 1000) / options.keys)) });
    log(`keystroke + echo, main thread: ${fmtSpread(keystroke[0]!.mainUsPerKey, 1)} µs`);
    db.close();
    const memory = await idleMemory(dataDir, options.idleRecordings);
    log(`idle recordings: ${memory.recordings}, RSS ${fmt(memory.rssPerRecordingKiB, 1)} KiB each, held (heap + external) ${fmt(memory.heldPerRecordingKiB, 1)} KiB each`);
    return { megabytesPerRun: options.megabytes, cpu, keystroke, memory };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runRecorderBench((line) => process.stdout.write(`[recorder] ${line}\n`), { megabytes: 32, runs: 5, keys: 3000, idleRecordings: 500 }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
