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

  function batcher(flushBytes = 1000, flushAfterMs = 50) {
    const sent: CastRecord[][] = [];
    const b = new RecordBatcher({ flushBytes, flushAfterMs, send: (batch) => sent.push([...readRecords(batch)]) });
    return { b, sent };
  }

  it('sends a batch once it holds flushBytes, at once, without waiting for the timer', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher(1000);
    b.output(1, Buffer.alloc(500));
    expect(sent).toHaveLength(0);
    b.output(2, Buffer.alloc(500));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((r) => r.at)).toEqual([1, 2]);
    // A chunk larger than a batch goes alone.
    b.output(3, Buffer.alloc(5000));
    expect(sent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends what waits flushAfterMs after the first record, and holds no timer while idle', () => {
    vi.useFakeTimers();
    const { b, sent } = batcher(1000, 50);
    expect(vi.getTimerCount()).toBe(0);
    b.output(1, Buffer.from('a'));
    vi.advanceTimersByTime(30);
    b.resize(2, 100, 30);
    vi.advanceTimersByTime(19);
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      [
        { kind: 'output', at: 1, data: Buffer.from('a') },
        { kind: 'resize', at: 2, cols: 100, rows: 30 },
      ],
    ]);
    expect(vi.getTimerCount()).toBe(0);
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
    other.b.abandon();
    other.b.output(2, Buffer.from('ignored'));
    other.b.dispose();
    vi.runAllTimers();
    expect(other.sent).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
