import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECORD_HEADER_BYTES, RecordBatch, RecordBatcher, readRecords, type CastRecord } from './record-batch.js';

describe('RecordBatch', () => {
  it('packs output and resize records that read back exactly, in order', () => {
    const batch = new RecordBatch();
    const big = Buffer.alloc(100_000, 0x41);
    batch.output(0.0004, Buffer.from('$ '));
    batch.resize(12.5, 120, 40);
    batch.output(1234.567891, Buffer.from([0xff, 0x00, 0xe2]));
    batch.output(2000, Buffer.alloc(0)); // nothing to record
    batch.output(86_400_000.25, big);
    expect(batch.count).toBe(4);
    expect(batch.bytes).toBe(4 * RECORD_HEADER_BYTES + 2 + 4 + 3 + big.length);
    const packed = batch.take()!;
    expect(packed.length).toBe(4 * RECORD_HEADER_BYTES + 2 + 4 + 3 + big.length);
    const records = [...readRecords(packed)];
    expect(records.slice(0, 3)).toEqual<CastRecord[]>([
      { kind: 'output', at: 0.0004, data: Buffer.from('$ ') },
      { kind: 'resize', at: 12.5, cols: 120, rows: 40 },
      { kind: 'output', at: 1234.567891, data: Buffer.from([0xff, 0x00, 0xe2]) },
    ]);
    const last = records[3]!;
    expect(last.kind === 'output' && last.at === 86_400_000.25 && last.data.equals(big)).toBe(true);
    expect(records).toHaveLength(4);
    expect(batch.take()).toBeUndefined();
    expect(batch.bytes).toBe(0);
  });

  it('introduces each participant before their first input, and again when their name changed', () => {
    const batch = new RecordBatch();
    const ada = { id: 'user:1', name: 'ada' };
    batch.input(1, ada, Buffer.from('ls\r'));
    batch.input(2, { id: 'share:2', name: 'guest "x"' }, Buffer.from([0xe2, 0x82]));
    batch.input(3, ada, Buffer.from('q'));
    batch.input(3.5, ada, Buffer.alloc(0)); // nothing typed, nothing recorded
    const first = [...readRecords(batch.take()!)];
    batch.input(4, { id: 'user:1', name: 'ada lovelace' }, Buffer.from('x'));
    const second = [...readRecords(batch.take()!)];
    expect(first).toEqual<CastRecord[]>([
      { kind: 'participant', at: 1, index: 0, id: 'user:1', name: 'ada' },
      { kind: 'input', at: 1, participant: 0, data: Buffer.from('ls\r') },
      { kind: 'participant', at: 2, index: 1, id: 'share:2', name: 'guest "x"' },
      { kind: 'input', at: 2, participant: 1, data: Buffer.from([0xe2, 0x82]) },
      { kind: 'input', at: 3, participant: 0, data: Buffer.from('q') },
    ]);
    // Known across batches; a new name is sent once, under the same index.
    expect(second).toEqual<CastRecord[]>([
      { kind: 'participant', at: 4, index: 0, id: 'user:1', name: 'ada lovelace' },
      { kind: 'input', at: 4, participant: 0, data: Buffer.from('x') },
    ]);
  });

  it('copies the chunks when packing, and owns its memory so it can be transferred to a worker', async () => {
    const batch = new RecordBatch();
    const chunk = Buffer.from('hello');
    batch.output(1, chunk);
    const packed = batch.take()!;
    chunk.write('HELLO');
    // Not a slice of Node's shared pool: the whole ArrayBuffer is this batch.
    expect(packed.byteOffset).toBe(0);
    expect(packed.buffer.byteLength).toBe(packed.length);
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, [packed.buffer as ArrayBuffer]);
    const arrived = await received;
    port1.close();
    expect(packed.buffer.byteLength).toBe(0); // detached: transferred, not copied
    const [record] = [...readRecords(Buffer.from(arrived.buffer, arrived.byteOffset, arrived.byteLength))];
    expect(record).toEqual({ kind: 'output', at: 1, data: Buffer.from('hello') });
  });

  it('packs a marker with its label (any text, multibyte too)', () => {
    const batch = new RecordBatch();
    batch.output(1, Buffer.from('$ '));
    batch.marker(2.5, 'dig: ok, résolu');
    expect([...readRecords(batch.take()!)]).toEqual<CastRecord[]>([
      { kind: 'output', at: 1, data: Buffer.from('$ ') },
      { kind: 'marker', at: 2.5, label: 'dig: ok, résolu' },
    ]);
  });

  it('refuses a batch it did not pack', () => {
    const batch = new RecordBatch();
    batch.output(1, Buffer.from('abc'));
    batch.resize(2, 80, 24);
    const packed = batch.take()!;
    expect(() => [...readRecords(packed.subarray(0, 5))]).toThrow(/header is cut off/);
    expect(() => [...readRecords(packed.subarray(0, RECORD_HEADER_BYTES + 1))]).toThrow(/runs past the end/);
    const unknown = Buffer.from(packed);
    unknown[0] = 9;
    expect(() => [...readRecords(unknown)]).toThrow(/unknown record kind 9/);
    const badResize = Buffer.from(packed);
    badResize.writeUInt32LE(3, RECORD_HEADER_BYTES + 3 + 9);
    expect(() => [...readRecords(badResize)]).toThrow(/resize record .* has 3 bytes/);
  });
});

describe('RecordBatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function batcher(flushBytes = 1000) {
    const sent: CastRecord[][] = [];
    const b = new RecordBatcher({ flushBytes, flushAfterMs: 50, idleFlushMs: 250, send: (batch) => sent.push([...readRecords(batch)]) });
    return { b, sent };
  }
  const times = (batches: CastRecord[][]) => batches.map((batch) => batch.map((r) => r.at));

  it('sends a batch once it holds flushBytes, at once', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher(1000);
    b.output(1, Buffer.alloc(500));
    expect(sent).toHaveLength(0);
    b.output(2, Buffer.alloc(500));
    expect(times(sent)).toEqual([[1, 2]]);
    // A chunk larger than a batch goes alone.
    b.output(3, Buffer.alloc(5000));
    expect(times(sent)).toEqual([[1, 2], [3]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with output going on, sends right after the turn in which the batch reached flushAfterMs: no timer wakes the thread for it', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher();
    b.output(100, Buffer.from('a'));
    b.output(149, Buffer.from('b'));
    vi.advanceTimersByTime(0);
    expect(sent).toEqual([]);
    b.resize(150, 100, 30);
    b.output(151, Buffer.from('c'));
    expect(sent).toEqual([]); // not while the current turn (relaying this output) runs
    vi.advanceTimersToNextTimer(); // the setImmediate, long before the idle timer
    expect(sent).toEqual([
      [
        { kind: 'output', at: 100, data: Buffer.from('a') },
        { kind: 'output', at: 149, data: Buffer.from('b') },
        { kind: 'resize', at: 150, cols: 100, rows: 30 },
        { kind: 'output', at: 151, data: Buffer.from('c') },
      ],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when output stops, sends idleFlushMs after the batch began, and holds no timer while idle', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher();
    expect(vi.getTimerCount()).toBe(0);
    b.output(0, Buffer.from('prompt'));
    b.output(10, Buffer.from(''));
    vi.advanceTimersByTime(249);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(times(sent)).toEqual([[0]]);
    expect(vi.getTimerCount()).toBe(0);
    b.output(5000, Buffer.from('later'));
    vi.advanceTimersByTime(250);
    expect(times(sent)).toEqual([[0], [5000]]);
  });

  it('dispose sends what waits and ignores what comes after; abandon drops it', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher();
    b.output(1, Buffer.from('last words'));
    b.dispose();
    b.dispose();
    b.output(2, Buffer.from('too late'));
    vi.runAllTimers();
    expect(sent).toEqual([[{ kind: 'output', at: 1, data: Buffer.from('last words') }]]);

    const other = batcher();
    other.b.output(1, Buffer.from('dropped'));
    other.b.output(100, Buffer.from('dropped too'));
    other.b.abandon();
    other.b.output(200, Buffer.from('ignored'));
    other.b.dispose();
    vi.runAllTimers();
    expect(other.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
