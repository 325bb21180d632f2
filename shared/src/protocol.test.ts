import { describe, expect, it } from 'vitest';
import { FLOW_ACK_BYTES, FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK, clampSize, decodeClientControl, decodeServerControl, encodeControl } from './protocol.js';

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
