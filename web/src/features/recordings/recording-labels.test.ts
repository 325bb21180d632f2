import type { RecordingInfo } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { recordingDuration, recordingSize, recordingStatus } from './recording-labels';

const base: RecordingInfo = {
  id: 'a'.repeat(32),
  engine: 'local',
  sessionId: 'b'.repeat(32),
  target: 'container web-1',
  startedAt: '2025-01-01T10:00:00.000Z',
  bytes: 2048,
  complete: false,
};

describe('recording labels', () => {
  it('says whether a recording is complete, running, or incomplete and why', () => {
    expect(recordingStatus({ ...base, endedAt: '2025-01-01T10:01:00.000Z', complete: true })).toEqual({ tone: 'ok', label: 'complete' });
    expect(recordingStatus(base)).toEqual({ tone: 'info', label: 'recording' });
    expect(recordingStatus({ ...base, error: 'the disk is full (ENOSPC)' })).toEqual({ tone: 'warn', label: 'incomplete', reason: 'the disk is full (ENOSPC)' });
    expect(recordingStatus({ ...base, endedAt: '2025-01-01T10:01:00.000Z', error: 'the console stopped before the recording was finished' })).toMatchObject({
      label: 'incomplete',
      reason: 'the console stopped before the recording was finished',
    });
  });

  it('measures from start to end, or to now while recording', () => {
    expect(recordingDuration({ ...base, endedAt: '2025-01-01T10:02:05.000Z' })).toBe('2:05');
    expect(recordingDuration(base, Date.parse('2025-01-01T11:00:01.000Z'))).toBe('1:00:01');
    expect(recordingSize(base)).toBe('2.0 KiB');
  });
});
