import { describe, expect, it } from 'vitest';
import { formatBitsPerSecond, formatBytes, formatMs } from './format';

describe('formatting', () => {
  it('formats times, rates and sizes', () => {
    expect(formatMs(0.129)).toBe('0.13 ms');
    expect(formatMs(42.42)).toBe('42.4 ms');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(formatBitsPerSecond(5.38e9)).toBe('5.38 Gbit/s');
    expect(formatBitsPerSecond(940e6)).toBe('940 Mbit/s');
    expect(formatBytes(29)).toBe('29 B');
    expect(formatBytes(2 * 1024 * 1024 * 1024)).toBe('2.0 GiB');
  });

  it('formats capture sizes the way the capture panel showed them', () => {
    expect(formatBytes(24)).toBe('24 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
  });
});
