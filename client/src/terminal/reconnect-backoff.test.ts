import { describe, expect, it } from 'vitest';
import { RECONNECT_BASE_MS, RECONNECT_MAX_MS, reconnectDelay } from './reconnect-backoff.js';

describe('reconnectDelay', () => {
  it('doubles from 250 ms and caps at 5 s', () => {
    const ceiling = (attempt: number) => reconnectDelay(attempt, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(ceiling)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('jitters within the upper half of the window, never to zero', () => {
    expect(reconnectDelay(0, () => 0)).toBe(RECONNECT_BASE_MS / 2);
    expect(reconnectDelay(10, () => 0)).toBe(RECONNECT_MAX_MS / 2);
    for (let i = 0; i < 100; i++) {
      const delay = reconnectDelay(3);
      expect(delay).toBeGreaterThanOrEqual(1000);
      expect(delay).toBeLessThanOrEqual(2000);
    }
  });
});
