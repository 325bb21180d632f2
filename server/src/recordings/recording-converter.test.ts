import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InlineRecordingConverter, WorkerRecordingConverter, spawnRecordingWorker, type RecordingConverter } from './recording-converter.js';
import { RecordBatch } from './record-batch.js';

/** Under vitest the worker's TypeScript is compiled by tsx when it starts: allow for that on a busy machine. */
const WORKER_WAIT = { timeout: 15_000 };

const header = { width: 80, height: 24, startedAt: new Date('2025-01-02T03:04:05Z'), title: 'Sonde: host (session 01234567)' };

/** Random bytes and text in 1..4096-byte chunks and some keystrokes, packed into batches of ten. */
function someBatches(count: number): Buffer[] {
  const batches: Buffer[] = [];
  for (let b = 0; b < count; b++) {
    const batch = new RecordBatch();
    for (let i = 0; i < 10; i++) {
      const at = b * 10 + i + 0.123456;
      batch.output(at, i % 3 === 0 ? Buffer.from(`\u001b[32mok\u001b[0m → ${b}.${i}\r\n`) : randomBytes(1 + Math.floor(Math.random() * 4096)));
    }
    if (b === 3) batch.resize(b * 10 + 10, 100, 30);
    if (b % 4 === 0) batch.input(b * 10 + 10, { id: `user:${b % 8}`, name: 'ada' }, Buffer.from(`echo ${b}\r`));
    batches.push(batch.take()!);
  }
  return batches;
}

describe('recording converters', { timeout: 30_000 }, () => {
  let dir: string;
  const converters: RecordingConverter[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sonde-converter-'));
  });
  afterEach(async () => {
    for (const c of converters.splice(0)) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the worker writes the same files as converting on this thread, and reports their whole-line sizes', async () => {
    const worker = new WorkerRecordingConverter();
    const inline = new InlineRecordingConverter();
    converters.push(worker, inline);
    const input = someBatches(40);
    const results: { castBytes: number; inputBytes: number; lost: boolean; cast: Buffer; input: Buffer }[] = [];
    for (const [name, converter] of [['worker', worker], ['inline', inline]] as const) {
      const castPath = path.join(dir, `${name}.cast`);
      const inputPath = path.join(dir, `${name}.input.jsonl`);
      const onFailure = vi.fn();
      const channel = converter.open({ id: name, castPath, inputPath, header, onFailure });
      // Sent copies: the worker's are transferred away.
      for (const batch of input) channel.send(Buffer.from(batch.buffer.slice(0)));
      expect(channel.pending).toBeGreaterThan(0);
      const result = await channel.finish();
      expect(onFailure).not.toHaveBeenCalled();
      expect(channel.pending).toBe(0);
      results.push({ ...result, cast: readFileSync(castPath), input: readFileSync(inputPath) });
    }
    const [fromWorker, fromInline] = results;
    expect(fromWorker!.lost).toBe(false);
    expect(fromWorker!.castBytes).toBe(fromWorker!.cast.length);
    expect(fromWorker!.inputBytes).toBe(fromWorker!.input.length);
    expect(fromWorker!.cast.equals(fromInline!.cast)).toBe(true);
    expect(fromWorker!.input.equals(fromInline!.input)).toBe(true);
    expect(fromWorker!.cast.toString()).toContain('[0.04,"r","100x30"]');
    expect(fromWorker!.input.toString().trimEnd().split('\n')).toHaveLength(10);
  });

  it('a live cast can be read up to the size the worker last reported: whole lines', async () => {
    const converter = new WorkerRecordingConverter();
    converters.push(converter);
    const file = path.join(dir, 'live.cast');
    const channel = converter.open({ id: 'live', castPath: file, inputPath: path.join(dir, 'live.input.jsonl'), header, onFailure: () => undefined });
    for (const batch of someBatches(20)) channel.send(batch);
    await vi.waitFor(() => expect(channel.pending).toBe(0), WORKER_WAIT);
    await vi.waitFor(() => expect(channel.castBytes).toBeGreaterThan(20 * 1000), WORKER_WAIT);
    const live = readFileSync(file).subarray(0, channel.castBytes).toString();
    expect(live.endsWith('\n')).toBe(true);
    for (const line of live.trimEnd().split('\n')) JSON.parse(line);
    await channel.finish();
  });

  it('files that cannot be created are failures reported once each, not exceptions', async () => {
    const converter = new WorkerRecordingConverter();
    converters.push(converter);
    const onFailure = vi.fn();
    const missing = path.join(dir, 'missing-dir');
    const channel = converter.open({ id: 'x', castPath: path.join(missing, 'x.cast'), inputPath: path.join(missing, 'x.input.jsonl'), header, onFailure });
    channel.send(someBatches(1)[0]!);
    await vi.waitFor(() => expect(onFailure).toHaveBeenCalledTimes(2), WORKER_WAIT);
    expect(onFailure.mock.calls.sort()).toEqual([
      ['cast', 'the recordings directory is gone (ENOENT)'],
      ['input', 'the recordings directory is gone (ENOENT)'],
    ]);
    expect(await channel.finish()).toEqual({ castBytes: 0, inputBytes: 0, lost: false });
  });

  it('when the worker dies, its casts fail once and finish with what was reported; the next cast gets a new worker', async () => {
    const spawned: Worker[] = [];
    const converter = new WorkerRecordingConverter({ spawn: () => spawned[spawned.push(spawnRecordingWorker()) - 1]! });
    converters.push(converter);
    const onFailure = vi.fn();
    const channel = converter.open({ id: 'a', castPath: path.join(dir, 'a.cast'), inputPath: path.join(dir, 'a.input.jsonl'), header, onFailure });
    for (const batch of someBatches(5)) channel.send(batch);
    await vi.waitFor(() => expect(channel.castBytes).toBeGreaterThan(0), WORKER_WAIT);
    const reported = { castBytes: channel.castBytes, inputBytes: channel.inputBytes };
    await spawned[0]!.terminate();
    await vi.waitFor(() => expect(onFailure).toHaveBeenCalledTimes(2), WORKER_WAIT);
    expect(onFailure.mock.calls).toEqual([
      ['cast', 'the recording worker stopped (it exited with code 1)'],
      ['input', 'the recording worker stopped (it exited with code 1)'],
    ]);
    channel.send(someBatches(1)[0]!); // ignored
    expect(await channel.finish()).toEqual({ ...reported, lost: true });

    const next = converter.open({ id: 'b', castPath: path.join(dir, 'b.cast'), inputPath: path.join(dir, 'b.input.jsonl'), header, onFailure: vi.fn() });
    next.send(someBatches(1)[0]!);
    expect(await next.finish()).toMatchObject({ lost: false });
    expect(spawned).toHaveLength(2);
    expect(readFileSync(path.join(dir, 'b.cast')).length).toBeGreaterThan(0);
  });

  it('close() stops the worker only when no cast is open', async () => {
    const spawned: Worker[] = [];
    const converter = new WorkerRecordingConverter({ spawn: () => spawned[spawned.push(spawnRecordingWorker()) - 1]! });
    const channel = converter.open({ id: 'a', castPath: path.join(dir, 'a.cast'), inputPath: path.join(dir, 'a.input.jsonl'), header, onFailure: vi.fn() });
    const exited = vi.fn();
    spawned[0]!.on('exit', exited);
    await converter.close();
    expect(exited).not.toHaveBeenCalled();
    await channel.finish();
    await converter.close();
    await converter.close();
    expect(exited).toHaveBeenCalledOnce();
  });
});
