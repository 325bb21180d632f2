import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineAppender, describeWriteError, type AppendTarget } from './line-appender.js';

/** A file that holds `capacity` bytes, then writes partially and fails with ENOSPC, like a full disk. */
function smallDisk(capacity: number): { target: AppendTarget; content(): string; writes: number } {
  let data = Buffer.alloc(0);
  const disk = {
    writes: 0,
    content: () => data.toString('utf8'),
    target: {
      async write(buffer: Buffer, offset: number, length: number, position: number) {
        disk.writes++;
        const room = capacity - position;
        if (room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        const n = Math.min(room, length);
        const grown = Buffer.alloc(Math.max(data.length, position + n));
        data.copy(grown);
        buffer.copy(grown, position, offset, offset + n);
        data = grown;
        return { bytesWritten: n };
      },
      async truncate(length: number) {
        data = data.subarray(0, length);
      },
      async close() {},
    },
  };
  return disk;
}

describe('LineAppender', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes every line in order, batching while a write is in flight', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sonde-appender-'));
    const file = path.join(dir, 'a.jsonl');
    const onFailure = vi.fn();
    const appender = new LineAppender({ path: file, onFailure });
    for (let i = 0; i < 1000; i++) appender.append(`line ${i}`);
    await appender.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe('line 999');
    expect(lines[1000]).toBe('');
    expect(appender.bytes).toBe(readFileSync(file).length);
    expect(onFailure).not.toHaveBeenCalled();
  });

  it('never reuses an existing file', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sonde-appender-'));
    const file = path.join(dir, 'a.jsonl');
    const first = new LineAppender({ path: file, onFailure: () => undefined });
    first.append('first');
    await first.close();
    const onFailure = vi.fn();
    const second = new LineAppender({ path: file, onFailure });
    second.append('second');
    await second.close();
    expect(onFailure).toHaveBeenCalledOnce();
    expect(readFileSync(file, 'utf8')).toBe('first\n');
  });

  it('on a full disk: reports once, stops writing, and leaves only whole lines', async () => {
    const disk = smallDisk(25);
    const onFailure = vi.fn();
    const appender = new LineAppender({ path: '/recordings/x.cast', onFailure, openTarget: async () => disk.target });
    appender.append('0123456789'); // 11 bytes with the newline
    await vi.waitFor(() => expect(appender.bytes).toBe(11));
    appender.append('abcdefghij');
    appender.append('ABCDEFGHIJ'); // the next batch: only 3 of its 11 bytes fit
    await vi.waitFor(() => expect(onFailure).toHaveBeenCalledOnce());
    await appender.close();
    expect(onFailure).toHaveBeenCalledWith('the disk is full (ENOSPC)');
    expect(disk.content()).toBe('0123456789\nabcdefghij\n');
    expect(appender.bytes).toBe(22);
    const writes = disk.writes;
    appender.append('more');
    await appender.close();
    expect(disk.writes).toBe(writes);
    expect(appender.failed).toBe('the disk is full (ENOSPC)');
  });

  it('gives up instead of buffering without bound when the disk cannot keep up', async () => {
    let release: (() => void) | undefined;
    const stalled: AppendTarget = {
      write: (_b, _o, length) => new Promise((resolve) => (release = () => resolve({ bytesWritten: length }))),
      truncate: async () => undefined,
      close: async () => undefined,
    };
    const onFailure = vi.fn();
    const appender = new LineAppender({ path: 'x', onFailure, openTarget: async () => stalled, maxPendingBytes: 1000 });
    appender.append('first');
    await vi.waitFor(() => expect(release).toBeDefined());
    for (let i = 0; i < 200; i++) appender.append('0123456789');
    expect(onFailure).toHaveBeenCalledOnce();
    expect(onFailure.mock.calls[0]![0]).toMatch(/did not keep up/);
    release!();
    await appender.close();
    expect(appender.bytes).toBe(6);
  });

  it('a file that cannot be created is a failure, not an exception', async () => {
    const onFailure = vi.fn();
    const appender = new LineAppender({ path: '/nonexistent-dir-for-sonde/x.cast', onFailure });
    appender.append('x');
    await appender.close();
    expect(onFailure).toHaveBeenCalledWith('the recordings directory is gone (ENOENT)');
  });

  it('describes errors in words', () => {
    expect(describeWriteError(Object.assign(new Error('x'), { code: 'EROFS' }), '/d')).toBe('the disk is read-only (EROFS)');
    expect(describeWriteError(Object.assign(new Error('x'), { code: 'EACCES' }), '/d/f')).toBe('no permission to write /d/f (EACCES)');
    expect(describeWriteError(new Error('boom'), '/d')).toBe('writing failed: boom');
  });
});
