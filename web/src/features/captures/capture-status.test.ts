import type { CaptureInfo } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { captureMatchesTarget, captureProgress, captureStateText, formatClock, latestCaptureOf } from './capture-status';

function capture(overrides: Partial<CaptureInfo> = {}): CaptureInfo {
  return {
    id: 'a'.repeat(32),
    owner: { id: 'user:1', name: 'alice' },
    target: { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false },
    interface: 'eth0',
    filter: 'icmp',
    limits: { packets: 1000, bytes: 1024 * 1024, seconds: 60 },
    stopWhenUnwatched: true,
    argv: ['tcpdump'],
    state: 'running',
    packets: 34,
    bytes: 2048,
    startedAt: '2026-12-06T11:00:00.000Z',
    fileAvailable: true,
    toolbox: { containerId: 'd'.repeat(64), image: 'sonde-toolbox:latest' },
    pcapPath: '/api/captures/x/pcap',
    eventsPath: '/api/captures/x/events',
    ...overrides,
  };
}

describe('capture status', () => {
  it('matches a container by id or name on its engine, and nothing of another kind', () => {
    const c = capture();
    expect(captureMatchesTarget(c, { kind: 'container', engine: 'local', container: 'c'.repeat(64) })).toBe(true);
    expect(captureMatchesTarget(c, { kind: 'container', container: 'web' })).toBe(true);
    expect(captureMatchesTarget(c, { kind: 'container', engine: 'other', container: 'web' })).toBe(false);
    expect(captureMatchesTarget(c, { kind: 'container', container: 'api' })).toBe(false);
    expect(captureMatchesTarget(c, { kind: 'network', network: 'web' })).toBe(false);
    expect(captureMatchesTarget(c, { kind: 'host' })).toBe(false);
  });

  it('picks the newest running capture of a target before a newer ended one', () => {
    const running = capture({ id: '1'.repeat(32), startedAt: '2026-12-06T11:00:00.000Z' });
    const ended = capture({ id: '2'.repeat(32), startedAt: '2026-12-06T11:05:00.000Z', state: 'ended', endedAt: '2026-12-06T11:06:00.000Z', endReason: 'stopped' });
    const other = capture({ id: '3'.repeat(32), target: { kind: 'host', engine: 'local' } });
    expect(latestCaptureOf([ended, running, other], { kind: 'container', container: 'web' })?.id).toBe(running.id);
    expect(latestCaptureOf([ended, other], { kind: 'container', container: 'web' })?.id).toBe(ended.id);
    expect(latestCaptureOf([other], { kind: 'container', container: 'web' })).toBeUndefined();
  });

  it('shows elapsed time and packets against the limits, frozen once ended', () => {
    const now = Date.parse('2026-12-06T11:00:12.400Z');
    expect(captureProgress(capture(), now)).toBe('0:12 / 1:00 · 34 / 1000 packets');
    const ended = capture({ state: 'ended', endedAt: '2026-12-06T11:00:30.000Z', endReason: 'seconds' });
    expect(captureProgress(ended, now + 3_600_000)).toBe('0:30 / 1:00 · 34 / 1000 packets');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(-3)).toBe('0:00');
  });

  it('says why it ended in words', () => {
    expect(captureStateText(capture())).toBe('running');
    expect(captureStateText(capture({ state: 'ended', endReason: 'unwatched' }))).toBe('ended: you left the console');
    expect(captureStateText(capture({ state: 'ended', endReason: 'failed', error: 'no such device' }))).toBe('failed: no such device');
  });
});
