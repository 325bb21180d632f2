import { describe, expect, it } from 'vitest';
import { closeReason } from './terminal-socket.js';

describe('closeReason', () => {
  it('keeps a reason that fits a close frame', () => {
    expect(closeReason('the shell exited')).toBe('the shell exited');
    expect(closeReason('x'.repeat(123))).toBe('x'.repeat(123));
  });

  it('cuts a longer one to 123 bytes at a character boundary', () => {
    for (const long of ['y'.repeat(200), 'é'.repeat(100), `${'z'.repeat(119)}€€€`]) {
      const cut = closeReason(long);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
      expect(cut.endsWith('…')).toBe(true);
      expect(cut).not.toContain('\uFFFD');
      expect(long.startsWith(cut.slice(0, -1))).toBe(true);
    }
  });
});
