/**
 * Reading an asciicast v2 file and turning it into what a terminal must do to show any moment
 * of it. Pure: the player (cast-player.ts) applies the steps to an xterm Terminal.
 */
import { CastEvent, CastHeader } from '@sonde/shared';
import { Value } from 'typebox/value';

export type PlaybackEvent =
  | { time: number; kind: 'output'; data: string }
  | { time: number; kind: 'resize'; cols: number; rows: number };

/** A named point on the timeline (asciicast v2 `"m"` event): Sonde writes one when a tool run from the session's drawer starts and ends. */
export interface CastMarker {
  time: number;
  label: string;
}

export interface Cast {
  header: CastHeader;
  /** Output and resize events in time order; other event codes (input, markers) are left out. */
  events: PlaybackEvent[];
  /** Markers in time order. */
  markers: CastMarker[];
  /** Seconds from the start to the last event. */
  duration: number;
  /** The last line was cut off (a recording that stopped mid-write); it was ignored. */
  truncated: boolean;
}

export type CastParseResult = { ok: true; cast: Cast } | { ok: false; error: string };

const SIZE = /^(\d{1,4})x(\d{1,4})$/;

export function parseCast(text: string): CastParseResult {
  const lines = text.split('\n');
  // A file ends with a newline; an incomplete recording may end in the middle of a line.
  if (lines.at(-1) === '') lines.pop();
  const [first, ...rest] = lines;
  if (first === undefined) return { ok: false, error: 'The recording is empty.' };
  const header = parseJson(first);
  if (!Value.Check(CastHeader, header)) return { ok: false, error: 'This is not an asciicast v2 recording (its first line is not a valid header).' };

  const events: PlaybackEvent[] = [];
  const markers: CastMarker[] = [];
  let last = 0;
  let truncated = false;
  for (let i = 0; i < rest.length; i++) {
    const line = rest[i]!;
    if (line.trim() === '') continue;
    const event = parseJson(line);
    if (!Value.Check(CastEvent, event)) {
      if (i === rest.length - 1 && !text.endsWith('\n')) {
        truncated = true;
        break;
      }
      return { ok: false, error: `Line ${i + 2} of the recording is not a valid event.` };
    }
    // Times never go backwards in a valid file; a reordered one still plays in file order.
    const time = Math.max(last, event[0]);
    last = time;
    const [, code, data] = event;
    if (code === 'o') {
      events.push({ time, kind: 'output', data });
    } else if (code === 'r') {
      const size = SIZE.exec(data);
      if (!size) return { ok: false, error: `Line ${i + 2} is a resize to "${data}", not COLSxROWS.` };
      const cols = Number(size[1]);
      const rows = Number(size[2]);
      if (cols > 0 && rows > 0) events.push({ time, kind: 'resize', cols, rows });
    } else if (code === 'm') {
      markers.push({ time, label: data });
    }
  }
  return { ok: true, cast: { header, events, markers, duration: last, truncated } };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

/** What to do to a terminal, in order. */
export type TerminalStep = { kind: 'write'; data: string } | { kind: 'resize'; cols: number; rows: number } | { kind: 'reset' };

/** Large seeks are written in pieces: xterm refuses a single backlog beyond about 50 MB. */
export const MAX_WRITE_STEP = 1024 * 1024;

/**
 * The steps for events `from` (an index) up to and including `time`, with consecutive output
 * joined into one write; and the index of the first event after `time`.
 */
export function stepsUntil(events: readonly PlaybackEvent[], from: number, time: number): { steps: TerminalStep[]; next: number } {
  const steps: TerminalStep[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    if (pending.length > 0) steps.push({ kind: 'write', data: pending.join('') });
    pending = [];
    pendingLength = 0;
  };
  let next = from;
  while (next < events.length && events[next]!.time <= time) {
    const event = events[next]!;
    if (event.kind === 'output') {
      pending.push(event.data);
      pendingLength += event.data.length;
      if (pendingLength >= MAX_WRITE_STEP) flush();
    } else {
      flush();
      steps.push({ kind: 'resize', cols: event.cols, rows: event.rows });
    }
    next++;
  }
  flush();
  return { steps, next };
}

/** The steps that show the screen as it was at `time`: a reset, the initial size, everything up to then. */
export function stepsToShow(cast: Cast, time: number): { steps: TerminalStep[]; next: number } {
  const { steps, next } = stepsUntil(cast.events, 0, time);
  return { steps: [{ kind: 'reset' }, { kind: 'resize', cols: cast.header.width, rows: cast.header.height }, ...steps], next };
}

/** Where a moment sits on the timeline, in percent of its length (0 for an empty recording). */
export function timelinePercent(time: number, duration: number): number {
  if (!(duration > 0)) return 0;
  return Math.min(100, Math.max(0, (time / duration) * 100));
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatPlaybackTime(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * The length to show: the last event's time, or the session's own length when longer. A shell
 * that sat idle until it exited wrote nothing at the end, so its events stop early (an 11 s
 * session whose only output was the first prompt would read 0:00).
 */
export function withSessionLength(cast: Cast, startedAt: string, endedAt: string | undefined): Cast {
  if (endedAt === undefined) return cast;
  const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
  if (!Number.isFinite(seconds) || seconds <= cast.duration) return cast;
  return { ...cast, duration: seconds };
}
