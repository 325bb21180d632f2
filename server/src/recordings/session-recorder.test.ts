import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { SessionObserver } from '../sessions/session.js';
import { openMemoryDatabase, type Database } from '../store/database.js';
import type { Worker } from 'node:worker_threads';
import { InlineRecordingConverter, WorkerRecordingConverter, spawnRecordingWorker } from './recording-converter.js';
import type { AppendTarget } from './line-appender.js';
import { RecordingStore } from './recording-store.js';
import { INTERRUPTED, SessionRecorder, cutToLastLine, type RecordedSession } from './session-recorder.js';

class FakeSession implements RecordedSession {
  readonly target = { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web-1', sharePid: false } as const;
  readonly scope = { containers: [], networks: [] };
  readonly terminalSize = { cols: 80, rows: 24 };
  endedAt: Date | undefined;
  clientCount = 1;
  readonly notices: { level: string; message: string }[] = [];
  private readonly observers = new Set<SessionObserver>();

  constructor(readonly id: string) {}

  observe(observer: SessionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  notify(level: 'info' | 'warning', message: string): void {
    this.notices.push({ level, message });
  }

  emit(call: (o: SessionObserver) => void): void {
    for (const o of this.observers) call(o);
  }

  end(): void {
    this.endedAt = new Date();
    this.emit((o) => o.ended?.(this as never));
  }
}

/** Under vitest the worker's TypeScript is compiled by tsx when it starts: allow for that on a busy machine. */
const WORKER_WAIT = { timeout: 15_000 };

const sessionId = (n: number) => n.toString(16).padStart(32, '0');

describe('SessionRecorder', { timeout: 30_000 }, () => {
  let dataDir: string;
  let db: Database;
  const audit = { record: vi.fn() };
  const log = { warn: vi.fn() };

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-recorder-'));
    db = openMemoryDatabase();
    audit.record.mockReset();
    log.warn.mockReset();
  });
  const created: SessionRecorder[] = [];
  afterEach(async () => {
    // A recorder that recorded started a worker; finishAll stops it, as closing the console does.
    for (const r of created.splice(0)) await r.finishAll();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const recorder = (extra: Partial<ConstructorParameters<typeof SessionRecorder>[0]> = {}) => {
    const r = new SessionRecorder({ db, audit, dataDir, failureMode: 'continue', log, ...extra });
    created.push(r);
    return r;
  };

  it('records output, resizes and input into a cast and an input trail, and finishes on end', async () => {
    const recordings = recorder();
    const session = new FakeSession(sessionId(1));
    recordings.record(session);
    session.emit((o) => o.output?.(Buffer.from('$ ')));
    session.emit((o) => o.input?.({ id: 'user:1', name: 'ada', canManage: true }, Buffer.from('echo hi\r')));
    session.emit((o) => o.output?.(Buffer.from('echo hi\r\nhi\r\n')));
    session.emit((o) => o.resize?.(120, 40));
    const [live] = recordings.list({}, () => true);
    expect(live).toMatchObject({ sessionId: session.id, target: 'container web-1', complete: false });
    expect(live!.endedAt).toBeUndefined();
    session.end();
    await recordings.finishAll();

    const [done] = recordings.list({}, () => true);
    const files = recordings.files(done!.id, () => true)!;
    const cast = readFileSync(files.cast.path, 'utf8');
    expect(done).toMatchObject({ complete: true, bytes: Buffer.byteLength(cast), endedAt: session.endedAt!.toISOString() });
    expect(done!.error).toBeUndefined();
    const lines = cast.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toMatchObject({ version: 2, width: 80, height: 24, title: `Sonde: container web-1 (session ${session.id.slice(0, 8)})` });
    expect(lines.slice(1).map((e) => (e as unknown[]).slice(1))).toEqual([
      ['o', '$ '],
      ['o', 'echo hi\r\nhi\r\n'],
      ['r', '120x40'],
    ]);
    const input = readFileSync(files.input.path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(input).toEqual([{ t: expect.any(Number), participant: 'user:1', name: 'ada', data: 'echo hi\r' }]);
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('a write failure marks the recording incomplete, audits it and warns participants once; the session is untouched', async () => {
    let budget = 300;
    const failing = async (): Promise<AppendTarget> => ({
      async write(_buffer, _offset, length) {
        if (budget <= 0) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        const n = Math.min(budget, length);
        budget -= n;
        return { bytesWritten: n };
      },
      truncate: async () => undefined,
      close: async () => undefined,
    });
    // A worker cannot be handed a fake disk: the files are written from this thread for this test.
    const recordings = recorder({ converter: new InlineRecordingConverter({ openTarget: failing }) });
    const session = new FakeSession(sessionId(2));
    recordings.record(session);
    for (let i = 0; i < 50; i++) {
      session.emit((o) => o.output?.(Buffer.from(`line ${i} `.repeat(10))));
      await new Promise((r) => setImmediate(r));
    }
    session.end();
    await recordings.finishAll();
    const [info] = recordings.list({}, () => true);
    expect(info).toMatchObject({ complete: false, error: 'the disk is full (ENOSPC)' });
    expect(info!.endedAt).toBeDefined();
    expect(audit.record).toHaveBeenCalledOnce();
    expect(audit.record.mock.calls[0]![0]).toMatchObject({ action: 'recording-failed', sessionId: session.id, target: 'container web-1', detail: { reason: 'the disk is full (ENOSPC)' } });
    expect(session.notices).toEqual([{ level: 'warning', message: expect.stringMatching(/^Recording stopped: the disk is full/) }]);
  });

  it('output waits in a batch on the session thread and reaches the cast within the flush interval while the session runs', async () => {
    const recordings = recorder();
    const session = new FakeSession(sessionId(7));
    recordings.record(session);
    const [info] = recordings.list({}, () => true);
    session.emit((o) => o.output?.(Buffer.from('live output\r\n')));
    const files = () => recordings.files(info!.id, () => true)!;
    await vi.waitFor(() => expect(readFileSync(files().cast.path, 'utf8').slice(0, files().cast.bytes)).toContain('live output'), WORKER_WAIT);
    // What a download of the live recording serves is whole lines, and the list says the same size.
    const served = readFileSync(files().cast.path, 'utf8').slice(0, files().cast.bytes);
    expect(served.endsWith('\n')).toBe(true);
    expect(recordings.get(info!.id, () => true)!.bytes).toBe(files().cast.bytes);
    session.end();
    await recordings.finishAll();
  });

  it('a worker that dies: the recording is incomplete, says why, is audited once, and its cast is cut to whole lines', async () => {
    const spawned: Worker[] = [];
    const recordings = recorder({ converter: new WorkerRecordingConverter({ spawn: () => spawned[spawned.push(spawnRecordingWorker()) - 1]! }) });
    const session = new FakeSession(sessionId(8));
    recordings.record(session);
    const [live] = recordings.list({}, () => true);
    session.emit((o) => o.output?.(Buffer.from('before\r\n')));
    await vi.waitFor(() => expect(recordings.get(live!.id, () => true)!.bytes).toBeGreaterThan(100), WORKER_WAIT);
    await spawned[0]!.terminate();
    await vi.waitFor(() => expect(session.notices).toHaveLength(1), WORKER_WAIT);
    session.emit((o) => o.output?.(Buffer.from('after\r\n')));
    session.end();
    await recordings.finishAll();
    const info = recordings.get(live!.id, () => true)!;
    expect(info).toMatchObject({ complete: false, error: expect.stringMatching(/^the recording worker stopped/) });
    expect(session.notices[0]!.message).toMatch(/^Recording stopped: the recording worker stopped/);
    expect(audit.record).toHaveBeenCalledOnce();
    const cast = readFileSync(recordings.files(live!.id, () => true)!.cast.path, 'utf8');
    expect(Buffer.byteLength(cast)).toBe(info.bytes);
    expect(cast).toContain('before');
    expect(cast).not.toContain('after');
    expect(cast.endsWith('\n')).toBe(true);
  });

  it('stops recording rather than buffer without bound when the converter falls behind', async () => {
    const recordings = recorder();
    const session = new FakeSession(sessionId(9));
    recordings.record(session);
    // 20 MiB in one turn of the event loop: nothing can be converted meanwhile.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 320; i++) session.emit((o) => o.output?.(chunk));
    expect(session.notices).toEqual([{ level: 'warning', message: expect.stringMatching(/^Recording stopped: the disk did not keep up: more than 16 MiB/) }]);
    session.end();
    await recordings.finishAll();
    const [info] = recordings.list({}, () => true);
    expect(info).toMatchObject({ complete: false, error: expect.stringMatching(/did not keep up/) });
    // What was handed over before the limit is in the cast, as whole lines.
    const cast = readFileSync(recordings.files(info!.id, () => true)!.cast.path, 'utf8');
    expect(Buffer.byteLength(cast)).toBe(info!.bytes);
    expect(info!.bytes).toBeGreaterThan(15 * 1024 * 1024);
    for (const line of cast.trimEnd().split('\n')) JSON.parse(line);
  });

  it('holds the warning until someone is attached to see it', async () => {
    rmSync(dataDir, { recursive: true });
    writeFileSync(dataDir, 'not a directory');
    const recordings = recorder();
    const session = new FakeSession(sessionId(3));
    session.clientCount = 0;
    recordings.record(session);
    await vi.waitFor(() => expect(recordings.list({}, () => true)[0]?.error).toBeDefined(), WORKER_WAIT);
    expect(session.notices).toEqual([]);
    session.clientCount = 1;
    session.emit((o) => o.joined?.({ id: 'user:1', name: 'ada', canManage: true }, 'driver'));
    session.emit((o) => o.joined?.({ id: 'user:2', name: 'bob', canManage: false }, 'viewer'));
    expect(session.notices).toHaveLength(1);
    session.end();
    await recordings.finishAll();
  });

  it('lists newest first and filters by session', async () => {
    const recordings = recorder({ converter: new InlineRecordingConverter() });
    const a = new FakeSession(sessionId(4));
    const b = new FakeSession(sessionId(5));
    recordings.record(a);
    await new Promise((r) => setTimeout(r, 5));
    recordings.record(b);
    expect(recordings.list({}, () => true).map((r) => r.sessionId)).toEqual([b.id, a.id]);
    expect(recordings.list({ sessionId: a.id }, () => true).map((r) => r.sessionId)).toEqual([a.id]);
    a.end();
    b.end();
    await recordings.finishAll();
  });

  it('at start, ends what a killed console left open and cuts the cast back to its last whole line', () => {
    const store = new RecordingStore(db);
    const id = 'a'.repeat(32);
    mkdirSync(path.join(dataDir, 'recordings'), { recursive: true });
    const castPath = path.join(dataDir, 'recordings', `${id}.cast`);
    writeFileSync(castPath, '{"version":2,"width":80,"height":24}\n[0.1,"o","hello"]\n[0.2,"o","hal');
    store.insert({ id, sessionId: sessionId(6), target: 'host', access: { target: { kind: 'host', engine: 'local' }, scope: { containers: [], networks: [] } }, startedAt: new Date(Date.now() - 60_000).toISOString(), file: `${id}.cast` });
    const recordings = recorder();
    const info = recordings.get(id, () => true)!;
    expect(info).toMatchObject({ complete: false, error: INTERRUPTED });
    expect(info.endedAt).toBeDefined();
    expect(readFileSync(castPath, 'utf8')).toBe('{"version":2,"width":80,"height":24}\n[0.1,"o","hello"]\n');
    expect(info.bytes).toBe(readFileSync(castPath).length);
  });

  it('refuse mode: assertCanRecord throws 507 RECORDING_UNAVAILABLE while the disk is too full; continue mode never does', () => {
    expect(() => recorder({ minFreeBytes: Number.MAX_SAFE_INTEGER }).assertCanRecord()).not.toThrow();
    const refusing = recorder({ failureMode: 'refuse', minFreeBytes: Number.MAX_SAFE_INTEGER });
    let error: unknown;
    try {
      refusing.assertCanRecord();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ statusCode: 507, code: ErrorCode.RecordingUnavailable, message: expect.stringMatching(/the disk is full/) });
    expect(() => recorder({ failureMode: 'refuse' }).assertCanRecord()).not.toThrow();
  });
});

describe('cutToLastLine', () => {
  it('keeps whole lines, empties a file without one, and treats a missing file as empty', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sonde-cut-'));
    try {
      const file = path.join(dir, 'f');
      writeFileSync(file, `${'x'.repeat(100_000)}\n${'y'.repeat(100_000)}`);
      expect(cutToLastLine(file).bytes).toBe(100_001);
      writeFileSync(file, 'no newline at all');
      expect(cutToLastLine(file).bytes).toBe(0);
      expect(readFileSync(file).length).toBe(0);
      expect(cutToLastLine(path.join(dir, 'missing'))).toEqual({ bytes: 0, modifiedAt: undefined });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
