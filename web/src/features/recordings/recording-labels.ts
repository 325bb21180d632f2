/** How a recording reads in the list: its state, length and size, in words. */
import type { RecordingInfo } from '@sonde/shared';
import type { Tone } from '../../components/Badge';
import { formatBytes } from '../../components/format';
import { formatPlaybackTime } from './cast';

export interface RecordingStatus {
  tone: Tone;
  label: string;
  /** Why it is incomplete, when it is. */
  reason?: string;
}

export function recordingStatus(recording: RecordingInfo): RecordingStatus {
  if (recording.complete) return { tone: 'ok', label: 'complete' };
  if (!recording.endedAt) {
    return recording.error
      ? { tone: 'warn', label: 'incomplete', reason: recording.error }
      : { tone: 'info', label: 'recording' };
  }
  return { tone: 'warn', label: 'incomplete', reason: recording.error ?? 'the recording was not finished' };
}

/** Wall-clock length: start to end, or to `now` while the session runs. */
export function recordingDuration(recording: RecordingInfo, now: number = Date.now()): string {
  const end = recording.endedAt ? Date.parse(recording.endedAt) : now;
  const seconds = Math.max(0, (end - Date.parse(recording.startedAt)) / 1000);
  return formatPlaybackTime(seconds);
}

export function recordingSize(recording: RecordingInfo): string {
  return formatBytes(recording.bytes);
}
