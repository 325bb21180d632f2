import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Value } from 'typebox/value';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CastEvent, CastHeader } from '@sonde/shared';
import { RecordingConversion } from './recording-conversion.js';
import type { AppendTarget } from './line-appender.js';
import { RecordBatch } from './record-batch.js';

/** A small deterministic generator (mulberry32), so a failure replays with the same bytes. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What a terminal emits at its worst, cut into chunks of random size: random bytes (invalid
 * UTF-8 among them), multibyte characters (which the cuts split), escape sequences, NULs and
 * C1 controls, characters JSON must escape; it ends inside a character.
 */
function binaryHeavyStream(seed: number, bytes: number): { chunks: Buffer[]; at: number[] } {
  const random = seeded(seed);
  const pieces = [
    () => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))),
    () => Buffer.from('naïve → 😀 日本語 ü'),
    () => Buffer.from('\u001b[1;31mred\u001b[0m \u001b]0;title\u0007\u001b[2J\u001b[H\r\n'),
    () => Buffer.from([0x00, 0x7f, 0xc2, 0x80, 0xc2, 0x9b, 0x5c, 0x22, 0x0a, 0x0d, 0x09]),
    () => Buffer.from('\u2028\u2029"quoted" back\\slash\t'),
    () => Buffer.from([0xe2, 0x86, 0x41, 0xf0, 0x9f, 0x98, 0xed, 0xa0, 0x80, 0xc0, 0xaf]),
  ];
  const parts: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    const piece = pieces[Math.floor(random() * pieces.length)]!();
    parts.push(piece);
    size += piece.length;
  }
  parts.push(Buffer.from([0xf0, 0x9f, 0x98])); // 😀 without its last byte
  const stream = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  const at: number[] = [];
  let time = 3.5;
  for (let offset = 0; offset < stream.length; ) {
    // Mostly small chunks (every split point gets hit), some as large as Docker's.
    const length = random() < 0.9 ? 1 + Math.floor(random() * 16) : 1 + Math.floor(random() * 65536);
    chunks.push(stream.subarray(offset, offset + length));
    offset += length;
    time += random() < 0.2 ? 0 : random() * 5;
    at.push(time);
  }
  return { chunks, at };
}

/** The events the recorder wrote before it moved off the session's thread: one per chunk that decoded to text, at its arrival. */
function expectedEvents(chunks: readonly Buffer[], at: readonly number[]): [number, 'o', string][] {
  const decoder = new StringDecoder('utf8');
  const events: [number, 'o', string][] = [];
  chunks.forEach((chunk, i) => {
    const text = decoder.write(chunk);
    if (text) events.push([Math.round(at[i]! * 1000) / 1e6, 'o', text]);
  });
  const rest = decoder.end();
  if (rest) events.push([Math.round(at[at.length - 1]! * 1000) / 1e6, 'o', rest]);
  return events;
}

/** Packs the chunks into batches of a few each, as the session's thread would. */
function batches(chunks: readonly Buffer[], at: readonly number[], seed: number): Buffer[] {
  const random = seeded(seed);
  const packed: Buffer[] = [];
  const batch = new RecordBatch();
  chunks.forEach((chunk, i) => {
    batch.output(at[i]!, chunk);
    if (random() < 0.1) packed.push(batch.take()!);
  });
  const last = batch.take();
  if (last) packed.push(last);
  return packed;
}

const header = { width: 80, height: 24, startedAt: new Date('2025-01-02T03:04:05Z'), title: 'Sonde: host (session 01234567)' };

describe('RecordingConversion', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sonde-conversion-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a binary-heavy stream: the cast decodes to exactly what the session emitted, each event at its chunk’s arrival', async () => {
    const { chunks, at } = binaryHeavyStream(42, 400_000);
    const file = path.join(dir, 'x.cast');
    const onFailure = vi.fn();
    const conversion = new RecordingConversion({ castPath: file, inputPath: path.join(dir, 'x.input.jsonl'), header, onFailure, onWritten: () => undefined });
    for (const batch of batches(chunks, at, 7)) conversion.apply(batch);
    const { castBytes } = await conversion.finish();
    expect(onFailure).not.toHaveBeenCalled();

    const content = readFileSync(file);
    expect(castBytes).toBe(content.length);
    const lines = content.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    const [first, ...rest] = lines.map((line) => JSON.parse(line) as unknown);
    expect(Value.Check(CastHeader, first)).toBe(true);
    for (const event of rest) expect(Value.Check(CastEvent, event)).toBe(true);
    expect(rest).toEqual(expectedEvents(chunks, at));

    // The same decoding of the stream as one piece (StringDecoder keeps split characters whole).
    const output = (rest as [number, string, string][]).map((event) => event[2]).join('');
    const whole = new StringDecoder('utf8');
    expect(output).toBe(whole.write(Buffer.concat(chunks)) + whole.end());
    expect(output).toContain('😀 日本語');
    expect(output.endsWith('\ufffd')).toBe(true);
  });

  it('resizes land between the output around them; keystrokes go to the input trail, by who typed them', async () => {
    const castPath = path.join(dir, 'r.cast');
    const inputPath = path.join(dir, 'r.input.jsonl');
    const conversion = new RecordingConversion({ castPath, inputPath, header, onFailure: () => undefined, onWritten: () => undefined });
    const batch = new RecordBatch();
    const euro = Buffer.from('€');
    batch.output(1, Buffer.from('before'));
    batch.input(1.5, { id: 'user:1', name: 'ada' }, Buffer.concat([Buffer.from('ls\r'), euro.subarray(0, 1)]));
    batch.resize(2, 132, 43);
    batch.input(2.5, { id: 'share:2', name: 'guest' }, Buffer.from('q'));
    conversion.apply(batch.take()!);
    batch.input(2.75, { id: 'user:1', name: 'ada' }, euro.subarray(1));
    batch.output(3, Buffer.from('after'));
    conversion.apply(batch.take()!);
    const sizes = await conversion.finish();
    const events = readFileSync(castPath, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as unknown);
    expect(events).toEqual([
      [0.001, 'o', 'before'],
      [0.002, 'r', '132x43'],
      [0.003, 'o', 'after'],
    ]);
    const input = readFileSync(inputPath, 'utf8');
    expect(sizes).toEqual({ castBytes: readFileSync(castPath).length, inputBytes: Buffer.byteLength(input) });
    expect(input.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { t: 0.0015, participant: 'user:1', name: 'ada', data: 'ls\r' },
      { t: 0.0025, participant: 'share:2', name: 'guest', data: 'q' },
      { t: 0.00275, participant: 'user:1', name: 'ada', data: '€' },
    ]);
  });

  it('reports whole-line progress; on a full disk the cast keeps whole lines and stops, the input trail goes on', async () => {
    let data = Buffer.alloc(0);
    const capacity = 200;
    const castDisk: AppendTarget = {
      async write(buffer, offset, length, position) {
        const room = capacity - position;
        if (room <= 0) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        const n = Math.min(room, length);
        data = Buffer.concat([data.subarray(0, position), buffer.subarray(offset, offset + n)]);
        return { bytesWritten: n };
      },
      truncate: async (length) => void (data = data.subarray(0, length)),
      close: async () => undefined,
    };
    let typed = '';
    const inputDisk: AppendTarget = {
      async write(buffer, offset, length) {
        typed += buffer.toString('utf8', offset, offset + length);
        return { bytesWritten: length };
      },
      truncate: async () => undefined,
      close: async () => undefined,
    };
    const written: number[] = [];
    const onFailure = vi.fn();
    const conversion = new RecordingConversion({
      castPath: 'x.cast',
      inputPath: 'x.input.jsonl',
      header,
      onFailure,
      onWritten: (file, b) => file === 'cast' && written.push(b),
      openTarget: async (p) => (p.endsWith('.cast') ? castDisk : inputDisk),
    });
    await vi.waitFor(() => expect(written.length).toBeGreaterThan(0));
    const headerBytes = written[0]!;
    for (let i = 0; i < 20; i++) {
      const batch = new RecordBatch();
      batch.output(i, Buffer.from(`line ${i}\r\n`));
      batch.input(i, { id: 'user:1', name: 'ada' }, Buffer.from(`${i}`));
      conversion.apply(batch.take()!);
      await new Promise((r) => setImmediate(r));
    }
    const sizes = await conversion.finish();
    expect(onFailure).toHaveBeenCalledExactlyOnceWith('cast', 'the disk is full (ENOSPC)');
    expect(sizes.castBytes).toBe(data.length);
    expect(sizes.castBytes).toBeGreaterThan(headerBytes);
    expect(sizes.castBytes).toBeLessThanOrEqual(capacity);
    expect(data.toString().endsWith('\n')).toBe(true);
    for (const line of data.toString().trimEnd().split('\n')) JSON.parse(line);
    expect(written.every((b) => b <= sizes.castBytes)).toBe(true);
    expect(typed.trimEnd().split('\n').map((l) => (JSON.parse(l) as { data: string }).data)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
  });
});
