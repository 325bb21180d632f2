import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SessionObserver } from '../src/sessions/session.js';
import { openMemoryDatabase } from '../src/store/database.js';
import { InlineRecordingConverter } from '../src/recordings/recording-converter.js';
import { CastWriter, InputTrail, RecordingClock } from '../src/recordings/cast-writer.js';
import { LineAppender } from '../src/recordings/line-appender.js';
import { SessionRecorder, type RecordedSession } from '../src/recordings/session-recorder.js';
import { fmt, fmtSpread, spread, type Spread } from './stats.js';

/**
 * The session recorder alone, without Docker: how much main-thread CPU it costs per MB of
 * terminal output and per keystroke, and how much memory an idle recording holds. Output is
 * fed through the SessionObserver the way a Session feeds it, one chunk per event-loop turn.
 * Three ways to record, interleaved: CastWriter and InputTrail on the session's thread (what
 * Sonde did before the worker), SessionRecorder as shipped (batches to a worker thread), and
 * SessionRecorder converting on the session's thread in slices (InlineRecordingConverter, the
 * alternative to the worker). `node bench/dist/bench/recorder-bench.js` runs it alone.
 */

export interface RecorderCpuFigure {
  path: string;
  content: 'text' | 'escapes';
  chunkBytes: number;
  /** Main thread CPU (schedstat) per MB of output, minus the same feed with no recorder. */
  mainMsPerMB: Spread;
  /** All other threads of the process (recording worker, fs thread pool, GC helpers) per MB. */
  otherMsPerMB: Spread;
}

export interface RecorderResults {
  megabytesPerRun: number;
  cpu: RecorderCpuFigure[];
  keystroke: { path: string; gapMs: number; mainUsPerKey: Spread }[];
  /** `recorderRssMiB`: what the recorder holds once used, before any recording is open (its worker thread). */
  memory: { recordings: number; recorderRssMiB: number; rssPerRecordingKiB: number; heldPerRecordingKiB: number; rssPerRecordingFromBaselineKiB: number };
}

const MB = 1e6;

class BenchSession implements RecordedSession {
  readonly target = { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'bench', sharePid: false } as const;
  readonly scope = { containers: [], networks: [] };
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

/**
 * Output arrives at most this fast: about twice what the raw Docker TTY stream delivers on the
 * benchmark machine (docs/benchmarks.md), so the figures are for a flood a terminal can produce.
 */
const FEED_MB_PER_S = 40;

/** Hands over one chunk per event-loop turn, as socket reads arrive, sleeping whenever ahead of FEED_MB_PER_S. */
async function paced(chunks: readonly Buffer[], deliver: (chunk: Buffer) => void): Promise<void> {
  const start = performance.now();
  let sent = 0;
  for (const chunk of chunks) {
    deliver(chunk);
    sent += chunk.length;
    const ahead = start + sent / (FEED_MB_PER_S * 1000) - performance.now();
    if (ahead >= 1) await new Promise((resolve) => setTimeout(resolve, ahead));
    else await turn();
  }
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

/** Resolves when the session's recording row says it ended (its cast is complete then). */
async function recordingEnded(recorder: SessionRecorder, sessionId: string): Promise<void> {
  while (!recorder.list({ sessionId }, () => true)[0]?.endedAt) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** SessionRecorder observing a session, until its recording is finished (the worker stays up, as in a console). */
function recorderFeeder(recorder: SessionRecorder): Feeder {
  return (chunks) =>
    measured(async () => {
      const session = new BenchSession(nextSessionId());
      recorder.record(session);
      await paced(chunks, (chunk) => session.output(chunk));
      session.end();
      await recordingEnded(recorder, session.id);
    });
}

/** Before the worker: every chunk decoded, JSON-escaped and queued for the file on the session's thread. */
function castWriterFeeder(dir: string): Feeder {
  return (chunks) =>
    measured(async () => {
      const file = new LineAppender({ path: path.join(dir, `${nextSessionId()}.cast`), onFailure: () => undefined });
      const clock = new RecordingClock();
      const writer = new CastWriter(file, { width: 120, height: 40, startedAt: new Date(), title: 'bench' });
      await paced(chunks, (chunk) => writer.output(chunk, clock.elapsedMs()));
      writer.end();
      await file.close();
    });
}

/** The same feed with nothing observing it: what the loop itself costs, subtracted from the rest. */
const bareFeeder: Feeder = (chunks) =>
  measured(async () => {
    const session = new BenchSession(nextSessionId());
    await paced(chunks, (chunk) => session.output(chunk));
    session.end();
  });

/** A keystroke and its echo every `gapMs`: main-thread ms for `keys` of them, with `recording` set up, minus none. */
async function keystrokes(keys: number, gapMs: number, recording: (session: BenchSession) => Promise<() => Promise<void>>): Promise<number> {
  const session = new BenchSession(nextSessionId());
  const finish = await recording(session);
  const key = Buffer.from('x');
  const result = await measured(async () => {
    for (let i = 0; i < keys; i++) {
      session.input(key);
      // The echo comes back as output, as it does in a shell.
      session.output(key);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  });
  await finish();
  return result.mainMs;
}

/** Before the worker: the input trail and the cast both written from the session's thread. */
function castWriterRecording(dir: string) {
  return async (session: BenchSession) => {
    const id = nextSessionId();
    const cast = new LineAppender({ path: path.join(dir, `${id}.cast`), onFailure: () => undefined });
    const input = new LineAppender({ path: path.join(dir, `${id}.input.jsonl`), onFailure: () => undefined });
    const clock = new RecordingClock();
    const writer = new CastWriter(cast, { width: 120, height: 40, startedAt: new Date(), title: 'bench' });
    const trail = new InputTrail(input);
    session.observe({ output: (chunk) => writer.output(chunk, clock.elapsedMs()), input: (participant, data) => trail.record(participant, data, clock.elapsedMs()) });
    return async () => {
      writer.end();
      await Promise.all([cast.close(), input.close()]);
    };
  };
}

function recorderRecording(recorder: SessionRecorder) {
  return async (session: BenchSession) => {
    recorder.record(session);
    return async () => {
      session.end();
      await recordingEnded(recorder, session.id);
    };
  };
}

const noRecording = async () => async () => undefined;

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
  const settle = async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    gc();
    await turn();
    gc();
  };
  const db = openMemoryDatabase();
  await settle();
  const bare = memoryFigures();
  const recorder = new SessionRecorder({ db, audit: { record: () => undefined as never }, dataDir, failureMode: 'continue', log: { warn: () => undefined } });
  // One recording comes and goes first, so the baseline includes whatever the recorder keeps once used (its worker).
  const warm = new BenchSession(nextSessionId());
  recorder.record(warm);
  warm.output(Buffer.from('$ '));
  warm.end();
  await recordingEnded(recorder, warm.id);
  await settle();
  const baseline = memoryFigures();
  // The slope from a fifth of `count` to `count` recordings: what one more idle recording costs,
  // without the one-time growth (allocator arenas, heap pages) the first ones bring.
  const sessions: BenchSession[] = [];
  let before = baseline;
  for (let i = 0; i < count; i++) {
    if (i === count / 5) {
      await settle();
      before = memoryFigures();
    }
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
    recorderRssMiB: (baseline.rss - bare.rss) / 1024 / 1024,
    rssPerRecordingKiB: (after.rss - before.rss) / ((count * 4) / 5) / 1024,
    heldPerRecordingKiB: (after.held - before.held) / ((count * 4) / 5) / 1024,
    rssPerRecordingFromBaselineKiB: (after.rss - baseline.rss) / count / 1024,
  };
}

export async function runRecorderBench(log: (line: string) => void, options: { megabytes: number; runs: number; keys: number; keyRuns: number; idleRecordings: number }): Promise<RecorderResults> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-recorder-bench-'));
  try {
    const db = openMemoryDatabase();
    const recorderOptions = { db, audit: { record: () => undefined as never }, dataDir, failureMode: 'continue' as const, log: { warn: () => undefined } };
    const recorder = new SessionRecorder(recorderOptions);
    const inline = new SessionRecorder({ ...recorderOptions, converter: new InlineRecordingConverter() });
    const feeders: { path: string; feed: Feeder }[] = [
      { path: 'CastWriter on the session thread (before)', feed: castWriterFeeder(dataDir) },
      { path: 'SessionRecorder, worker thread (after)', feed: recorderFeeder(recorder) },
      { path: 'SessionRecorder, converting in slices on the session thread', feed: recorderFeeder(inline) },
    ];
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
          for (const file of readdirSync(dataDir)) if (file.endsWith('.cast')) rmSync(path.join(dataDir, file));
          for (const file of readdirSync(path.join(dataDir, 'recordings'))) rmSync(path.join(dataDir, 'recordings', file));
        }
        for (const [name, sample] of samples) {
          cpu.push({ path: name, content, chunkBytes, mainMsPerMB: spread(sample.main), otherMsPerMB: spread(sample.other) });
          log(`${name}, ${content}, ${chunkBytes / 1024} KiB chunks: main ${fmtSpread(spread(sample.main), 2)} ms/MB, other threads ${fmtSpread(spread(sample.other), 2)} ms/MB`);
        }
      }
    }
    const keystroke: RecorderResults['keystroke'] = [];
    const recordings = [
      { path: 'CastWriter on the session thread (before)', recording: castWriterRecording(dataDir) },
      { path: 'SessionRecorder, worker thread (after)', recording: recorderRecording(recorder) },
    ];
    // Fast typing (several keys per batch) and slow typing (every key its own batch and message).
    for (const { keys, gapMs } of [{ keys: options.keys, gapMs: 5 }, { keys: Math.ceil(options.keys / 5), gapMs: 60 }]) {
      const samples = new Map<string, number[]>(recordings.map((r) => [r.path, []]));
      for (let run = 0; run < options.keyRuns; run++) {
        const bare = await keystrokes(keys, gapMs, noRecording);
        for (const { path: name, recording } of run % 2 === 0 ? recordings : [...recordings].reverse()) {
          samples.get(name)!.push(((await keystrokes(keys, gapMs, recording)) - bare) * 1000 / keys);
        }
      }
      for (const [name, sample] of samples) {
        keystroke.push({ path: name, gapMs, mainUsPerKey: spread(sample) });
        log(`${name}, a keystroke and its echo every ${gapMs} ms: main ${fmtSpread(spread(sample), 1)} µs each`);
      }
    }
    await recorder.finishAll();
    await inline.finishAll();
    db.close();
    const memory = await idleMemory(dataDir, options.idleRecordings);
    log(
      `idle recordings: ${memory.recordings}, each ${fmt(memory.rssPerRecordingKiB, 1)} KiB RSS (${fmt(memory.rssPerRecordingFromBaselineKiB, 1)} KiB counting from none), ` +
        `${fmt(memory.heldPerRecordingKiB, 1)} KiB held on the session thread (heap + external); the recorder once used (its worker): ${fmt(memory.recorderRssMiB, 1)} MiB RSS`,
    );
    return { megabytesPerRun: options.megabytes, cpu, keystroke, memory };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runRecorderBench((line) => process.stdout.write(`[recorder] ${line}\n`), { megabytes: 32, runs: 5, keys: 500, keyRuns: 3, idleRecordings: 500 }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
