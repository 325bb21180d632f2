import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { CastEvent, CastHeader } from '@sonde/shared';
import { CastTimes, CastWriter, InputTrail, RecordingClock } from './cast-writer.js';

function recorder() {
  const lines: string[] = [];
  return { lines, sink: { append: (line: string) => lines.push(line) } };
}

const header = { width: 80, height: 24, startedAt: new Date('2025-01-02T03:04:05.678Z'), title: 'Sonde: container web (session 0123abcd)' };

describe('CastWriter', () => {
  it('starts with an asciicast v2 header', () => {
    const { lines, sink } = recorder();
    new CastWriter(sink, header);
    expect(JSON.parse(lines[0]!)).toEqual({
      version: 2,
      width: 80,
      height: 24,
      timestamp: Math.floor(header.startedAt.getTime() / 1000),
      env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
      title: 'Sonde: container web (session 0123abcd)',
    });
    // The same schema the web player validates with.
    expect(Value.Check(CastHeader, JSON.parse(lines[0]!))).toBe(true);
  });

  it('writes output and resize events at the times they arrived, in seconds since the start', () => {
    const { lines, sink } = recorder();
    const writer = new CastWriter(sink, header);
    writer.output(Buffer.from('$ ls\r\n'), 500.25);
    writer.resize(120, 40, 2000);
    writer.marker('dig example.com', 2500);
    expect(lines.slice(1).map((l) => JSON.parse(l))).toEqual([
      [0.50025, 'o', '$ ls\r\n'],
      [2, 'r', '120x40'],
      [2.5, 'm', 'dig example.com'],
    ]);
    for (const line of lines.slice(1)) expect(Value.Check(CastEvent, JSON.parse(line))).toBe(true);
  });

  it('never lets time go backwards', () => {
    const { lines, sink } = recorder();
    const writer = new CastWriter(sink, header);
    for (const [text, at] of [['a', 5], ['b', 3], ['c', 7]] as const) writer.output(Buffer.from(text), at);
    const times = lines.slice(1).map((l) => (JSON.parse(l) as [number])[0]);
    expect(times).toEqual([0.005, 0.005, 0.007]);
  });

  it('keeps a multibyte character whole when a chunk boundary splits it', () => {
    const { lines, sink } = recorder();
    const writer = new CastWriter(sink, header);
    const bytes = Buffer.from('né → 😀', 'utf8');
    // Split inside é (2 bytes), inside → (3 bytes) and inside the emoji (4 bytes).
    for (const [from, to] of [[0, 2], [2, 5], [5, 9], [9, 12]] as const) writer.output(bytes.subarray(from, to), from);
    const text = lines.slice(1).map((l) => (JSON.parse(l) as [number, string, string])[2]).join('');
    expect(text).toBe('né → 😀');
    expect(text).not.toContain('\ufffd');
  });

  it('replaces invalid bytes, and a character cut off at the end, with U+FFFD', () => {
    const { lines, sink } = recorder();
    const writer = new CastWriter(sink, header);
    writer.output(Buffer.from([0x61, 0xff, 0x62]), 1);
    writer.output(Buffer.from([0xe2, 0x86]), 2); // the start of →, never finished
    writer.end();
    writer.output(Buffer.from('after the end'), 3);
    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    // The cut-off character is written at the time its bytes arrived.
    expect(events).toEqual([[0.001, 'o', 'a\ufffdb'], [0.002, 'o', '\ufffd']]);
  });

  it('escapes control characters so every event is one JSON line', () => {
    const { lines, sink } = recorder();
    const writer = new CastWriter(sink, header);
    writer.output(Buffer.from('\u001b[31mred\u001b[0m\nnext\u2028line'), 0);
    expect(lines).toHaveLength(2);
    expect(lines[1]).not.toMatch(/[\n\r]/);
    expect((JSON.parse(lines[1]!) as [number, string, string])[2]).toBe('\u001b[31mred\u001b[0m\nnext\u2028line');
  });
});

describe('RecordingClock and CastTimes', () => {
  it('stamps unrounded milliseconds; casts round them to microseconds and never go backwards', () => {
    const times = [1000, 1000.0004, 1500.2504, 1200];
    const clock = new RecordingClock(() => times.shift()!);
    expect(clock.elapsedMs()).toBeCloseTo(0.0004, 10);
    const cast = new CastTimes();
    expect(cast.seconds(500.2504)).toBe(0.50025);
    expect(cast.seconds(200)).toBe(0.50025);
    expect(cast.seconds(200_000.0006)).toBe(200.000001);
  });
});

describe('InputTrail', () => {
  it('attributes each input chunk to its participant, on the cast clock', () => {
    const { lines, sink } = recorder();
    const trail = new InputTrail(sink);
    trail.record({ id: 'user:1', name: 'ada' }, Buffer.from('ls\r'), 250);
    trail.record({ id: 'share:2', name: 'guest' }, Buffer.from('q'), 1250);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { t: 0.25, participant: 'user:1', name: 'ada', data: 'ls\r' },
      { t: 1.25, participant: 'share:2', name: 'guest', data: 'q' },
    ]);
  });

  it('decodes each participant separately, so interleaved keystrokes stay whole', () => {
    const { lines, sink } = recorder();
    const trail = new InputTrail(sink);
    const euro = Buffer.from('€');
    trail.record({ id: 'a', name: 'a' }, euro.subarray(0, 1), 1);
    trail.record({ id: 'b', name: 'b' }, Buffer.from('x'), 2);
    trail.record({ id: 'a', name: 'a' }, euro.subarray(1), 3);
    expect(lines.map((l) => (JSON.parse(l) as { data: string }).data)).toEqual(['x', '€']);
  });
});
