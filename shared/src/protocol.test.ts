import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { ClientControl, FLOW_ACK_BYTES, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK, clampSize, decodeClientControl, decodeServerControl, encodeControl } from './protocol.js';

describe('terminal protocol codec', () => {
  it('round-trips client control messages', () => {
    for (const message of [
      { type: 'resize', cols: 120, rows: 40 },
      { type: 'ack', bytes: 131072 },
    ] as const) {
      expect(decodeClientControl(encodeControl(message))).toEqual({ ok: true, message });
    }
  });

  it('refuses malformed, unknown and oversized messages with a reason', () => {
    expect(decodeClientControl('not json')).toEqual({ ok: false, reason: 'control frame is not JSON' });
    expect(decodeClientControl('{"type":"exec","cmd":"rm -rf /"}').ok).toBe(false);
    expect(decodeClientControl('{"type":"resize","cols":"80","rows":24}').ok).toBe(false);
    expect(decodeClientControl('{"type":"ack","bytes":-5}').ok).toBe(false);
    expect(decodeClientControl('{"type":"ack","bytes":1.5}').ok).toBe(false);
    expect(decodeClientControl(JSON.stringify({ type: 'ack', bytes: 1, pad: 'x'.repeat(5000) }))).toEqual({
      ok: false,
      reason: 'control frame too large',
    });
  });

  it('accepts exactly what the schema accepts (the compiled check agrees with the interpreted one)', () => {
    const corpus: unknown[] = [
      { type: 'ack', bytes: 0 },
      { type: 'ack', bytes: 1024 * 1024 * 1024 },
      { type: 'ack', bytes: 1024 * 1024 * 1024 + 1 },
      { type: 'ack', bytes: '5' },
      { type: 'ack', bytes: null },
      { type: 'ack' },
      { type: 'ACK', bytes: 5 },
      { type: 'ack', bytes: 5, extra: true },
      { type: 'resize', cols: 100000, rows: 1 },
      { type: 'resize', cols: 100001, rows: 1 },
      { type: 'resize', cols: 80 },
      { type: 'resize', cols: 80, rows: -1 },
      { type: 'set-role', participant: 'p1', role: 'driver' },
      { type: 'set-role', participant: 'p1', role: 'viewer', extra: 1 },
      { type: 'set-role', participant: 'p1', role: 'admin' },
      { type: 'set-role', participant: '', role: 'viewer' },
      { type: 'set-role', participant: 'x'.repeat(129), role: 'viewer' },
      { type: 'set-role', participant: 5, role: 'viewer' },
      { type: 'input', data: 'ls' },
      ['ack', 5],
      [{ type: 'ack', bytes: 5 }],
      null,
      5,
      'ack',
      {},
      JSON.parse('{"__proto__":{"type":"ack"},"bytes":5}'),
    ];
    const accepted: unknown[] = [];
    for (const value of corpus) {
      const decoded = decodeClientControl(JSON.stringify(value));
      expect(decoded.ok, JSON.stringify(value)).toBe(Value.Check(ClientControl, value));
      if (decoded.ok) accepted.push(value);
    }
    // The corpus reaches both sides of the schema.
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThan(corpus.length - 10);
  });

  it('decodes server messages', () => {
    const exit = { type: 'exit', code: 3, reason: 'the shell exited' } as const;
    expect(decodeServerControl(encodeControl(exit))).toEqual({ ok: true, message: exit });
  });

  it('clamps terminal sizes into sane bounds', () => {
    expect(clampSize(0, 0)).toEqual({ cols: 2, rows: 1 });
    expect(clampSize(99999, 99999)).toEqual({ cols: 1000, rows: 500 });
    expect(clampSize(80.7, 24.2)).toEqual({ cols: 80, rows: 24 });
  });

  it('keeps the ack size within the gap between the watermarks', () => {
    // Otherwise a client acking in ack-sized steps could leave the server paused forever.
    expect(FLOW_ACK_BYTES).toBeLessThanOrEqual(FLOW_HIGH_WATERMARK - FLOW_LOW_WATERMARK);
    expect(FLOW_HIGH_WATERMARK).toBeGreaterThanOrEqual(2 * 1000 * 1000);
  });
});
