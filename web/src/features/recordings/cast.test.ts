import { describe, expect, it } from 'vitest';
import { MAX_WRITE_STEP, formatPlaybackTime, parseCast, stepsToShow, stepsUntil, timelinePercent, withSessionLength, type Cast } from './cast';

const header = '{"version":2,"width":80,"height":24,"timestamp":1700000000,"env":{"TERM":"xterm-256color","SHELL":"/bin/sh"},"title":"Sonde: host"}';

function cast(text: string): Cast {
  const result = parseCast(text);
  if (!result.ok) throw new Error(result.error);
  return result.cast;
}

describe('parseCast', () => {
  it('reads the header, output and resize events', () => {
    const parsed = cast(`${header}\n[0.5,"o","$ "]\n[1.25,"r","120x40"]\n[2,"o","ls\\r\\n"]\n`);
    expect(parsed.header).toMatchObject({ version: 2, width: 80, height: 24, title: 'Sonde: host' });
    expect(parsed.events).toEqual([
      { time: 0.5, kind: 'output', data: '$ ' },
      { time: 1.25, kind: 'resize', cols: 120, rows: 40 },
      { time: 2, kind: 'output', data: 'ls\r\n' },
    ]);
    expect(parsed.duration).toBe(2);
    expect(parsed.truncated).toBe(false);
  });

  it('accepts files from other recorders: extra header fields, input and marker events', () => {
    const parsed = cast('{"version":2,"width":10,"height":5,"idle_time_limit":2,"theme":{"fg":"#fff"}}\n[0.1,"i","x"]\n[0.2,"m","chapter"]\n[0.3,"o","x"]');
    expect(parsed.events).toEqual([{ time: 0.3, kind: 'output', data: 'x' }]);
    expect(parsed.markers).toEqual([{ time: 0.2, label: 'chapter' }]);
  });

  it("keeps markers (a tool run from the session's drawer) in time order, apart from what the terminal plays", () => {
    const parsed = cast(`${header}\n[0.5,"o","$ "]\n[1,"m","dig example.com"]\n[1.5,"o","x"]\n[3.25,"m","dig: ok, resolved (1 record)"]\n`);
    expect(parsed.markers).toEqual([
      { time: 1, label: 'dig example.com' },
      { time: 3.25, label: 'dig: ok, resolved (1 record)' },
    ]);
    expect(parsed.events.map((e) => e.kind)).toEqual(['output', 'output']);
    // A marker after the last output still counts toward the length: the timeline reaches it.
    expect(parsed.duration).toBe(3.25);
    expect(cast(`${header}\n[0.5,"o","$ "]\n`).markers).toEqual([]);
  });

  it('places a marker on the timeline in percent of its length', () => {
    expect(timelinePercent(1, 4)).toBe(25);
    expect(timelinePercent(4, 4)).toBe(100);
    expect(timelinePercent(5, 4)).toBe(100);
    expect(timelinePercent(0, 0)).toBe(0);
  });

  it('refuses what is not an asciicast v2 file, saying why', () => {
    expect(parseCast('')).toEqual({ ok: false, error: 'The recording is empty.' });
    expect(parseCast('{"version":1,"width":80,"height":24,"stdout":[]}\n')).toMatchObject({ ok: false, error: expect.stringMatching(/not an asciicast v2/) });
    expect(parseCast('{"version":2,"width":0,"height":24}\n')).toMatchObject({ ok: false });
    expect(parseCast('<html>login</html>')).toMatchObject({ ok: false });
    expect(parseCast(`${header}\n[0.1,"o"]\n[0.2,"o","x"]\n`)).toEqual({ ok: false, error: 'Line 2 of the recording is not a valid event.' });
    expect(parseCast(`${header}\n[-1,"o","x"]\n`)).toMatchObject({ ok: false });
    expect(parseCast(`${header}\n[1,"r","wide"]\n`)).toEqual({ ok: false, error: 'Line 2 is a resize to "wide", not COLSxROWS.' });
  });

  it('plays a recording cut off mid-line up to its last whole event', () => {
    const parsed = cast(`${header}\n[0.1,"o","kept"]\n[0.2,"o","cut of`);
    expect(parsed.truncated).toBe(true);
    expect(parsed.events).toEqual([{ time: 0.1, kind: 'output', data: 'kept' }]);
  });

  it('never lets time run backwards', () => {
    const parsed = cast(`${header}\n[1,"o","a"]\n[0.5,"o","b"]\n[2,"o","c"]\n`);
    expect(parsed.events.map((e) => e.time)).toEqual([1, 1, 2]);
  });
});

describe('stepsUntil / stepsToShow', () => {
  const recording = cast(`${header}\n[0.5,"o","a"]\n[1,"o","b"]\n[1.5,"r","100x30"]\n[2,"o","c"]\n[3,"o","d"]\n`);

  it('joins consecutive output and keeps resizes between the writes they separate', () => {
    expect(stepsUntil(recording.events, 0, 2)).toEqual({
      steps: [
        { kind: 'write', data: 'ab' },
        { kind: 'resize', cols: 100, rows: 30 },
        { kind: 'write', data: 'c' },
      ],
      next: 4,
    });
    expect(stepsUntil(recording.events, 4, 2.5)).toEqual({ steps: [], next: 4 });
    expect(stepsUntil(recording.events, 4, 10)).toEqual({ steps: [{ kind: 'write', data: 'd' }], next: 5 });
  });

  it('a seek starts from a reset terminal at the recorded size', () => {
    expect(stepsToShow(recording, 1.2)).toEqual({
      steps: [{ kind: 'reset' }, { kind: 'resize', cols: 80, rows: 24 }, { kind: 'write', data: 'ab' }],
      next: 2,
    });
    expect(stepsToShow(recording, 0).steps).toHaveLength(2);
  });

  it('splits very large output into writes xterm accepts', () => {
    const big = 'x'.repeat(MAX_WRITE_STEP);
    const events = [0, 1, 2].map((time) => ({ time, kind: 'output' as const, data: big }));
    const { steps } = stepsUntil(events, 0, 5);
    expect(steps).toHaveLength(3);
    expect(steps.every((s) => s.kind === 'write' && s.data.length === MAX_WRITE_STEP)).toBe(true);
  });
});

describe('formatPlaybackTime', () => {
  it.each([
    [0, '0:00'],
    [9.9, '0:09'],
    [75, '1:15'],
    [3723, '1:02:03'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatPlaybackTime(seconds)).toBe(text);
  });
});

describe('withSessionLength', () => {
  const parsed = parseCast('{"version":2,"width":80,"height":24}\n[0.2,"o","$ "]\n');
  if (!parsed.ok) throw new Error(parsed.error);
  const cast = parsed.cast;

  it("takes the session's length when its events stop early", () => {
    const longer = withSessionLength(cast, '2026-12-06T10:00:00.000Z', '2026-12-06T10:00:11.400Z');
    expect(longer.duration).toBeCloseTo(11.4);
    expect(formatPlaybackTime(longer.duration)).toBe('0:11');
  });

  it('keeps the events’ length when there is no end or it is shorter', () => {
    expect(withSessionLength(cast, '2026-12-06T10:00:00.000Z', undefined).duration).toBe(0.2);
    expect(withSessionLength(cast, '2026-12-06T10:00:00.000Z', '2026-12-06T10:00:00.100Z').duration).toBe(0.2);
    expect(withSessionLength(cast, 'garbage', '2026-12-06T10:00:00.100Z').duration).toBe(0.2);
  });
});
