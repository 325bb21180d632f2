import { describe, expect, it } from 'vitest';
import { formatBitsPerSecond, formatBytes, formatIsoLike, formatMs, formatWhen, fullDate } from './format';

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

describe('dates', () => {
  const now = new Date('2026-12-06T12:00:00Z');
  it('is relative while recent, then ISO-like', () => {
    expect(formatWhen('2026-12-06T11:59:58Z', now)).toBe('just now');
    expect(formatWhen('2026-12-06T11:59:20Z', now)).toBe('40 s ago');
    expect(formatWhen('2026-12-06T11:48:00Z', now)).toBe('12 min ago');
    expect(formatWhen('2026-12-06T09:00:00Z', now)).toBe('3 h ago');
    expect(formatWhen('2026-12-01T09:05:00Z', now)).toBe(formatIsoLike('2026-12-01T09:05:00Z'));
    expect(formatIsoLike('2026-12-01T09:05:00Z')).toMatch(/^2026-12-0[12] \d\d:\d5$/);
  });
  it('keeps what is not a date as given, and the hover text has the UTC instant', () => {
    expect(formatWhen('garbage', now)).toBe('garbage');
    expect(fullDate('2026-12-01T09:05:07Z')).toContain('(2026-12-01T09:05:07.000Z)');
  });
});
