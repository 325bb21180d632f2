import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCast, type Cast } from './cast';
import { CastPlayer, type PlayerState, type PlayerTerminal } from './cast-player';

const text = [
  '{"version":2,"width":80,"height":24}',
  '[1,"o","one "]',
  '[2,"r","100x30"]',
  '[3,"o","three "]',
  '[5,"o","five"]',
  '',
].join('\n');

function loadCast(): Cast {
  const result = parseCast(text);
  if (!result.ok) throw new Error(result.error);
  return result.cast;
}

/** Records what the player did; writes are "processed" when `flush` runs, as xterm does later. */
class FakeTerminal implements PlayerTerminal {
  readonly log: string[] = [];
  private callbacks: (() => void)[] = [];
  constructor(private readonly deferred = false) {}
  write(data: string, callback?: () => void): void {
    this.log.push(`write ${data}`);
    if (!callback) return;
    if (this.deferred) this.callbacks.push(callback);
    else callback();
  }
  resize(cols: number, rows: number): void {
    this.log.push(`resize ${cols}x${rows}`);
  }
  reset(): void {
    this.log.push('reset');
  }
  flush(): void {
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const cb of callbacks) cb();
  }
  screen(): string {
    const after = this.log.lastIndexOf('reset');
    return this.log
      .slice(after + 1)
      .filter((l) => l.startsWith('write '))
      .map((l) => l.slice(6))
      .join('');
  }
}

describe('CastPlayer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function player(terminal: PlayerTerminal = new FakeTerminal()) {
    const p = new CastPlayer(loadCast(), terminal, () => Date.now());
    const states: PlayerState[] = [];
    p.events.on('state', (s) => states.push(s));
    return { p, states };
  }

  it('starts paused at 0 on a reset terminal of the recorded size', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    expect(terminal.log).toEqual(['reset', 'resize 80x24']);
    expect(p.state).toEqual({ playing: false, time: 0, duration: 5, speed: 1, ended: false });
  });

  it('plays events at their times, then stops at the end', () => {
    const terminal = new FakeTerminal();
    const { p, states } = player(terminal);
    p.play();
    vi.advanceTimersByTime(1000);
    expect(terminal.screen()).toBe('one ');
    vi.advanceTimersByTime(1000);
    expect(terminal.log).toContain('resize 100x30');
    vi.advanceTimersByTime(4000);
    expect(terminal.screen()).toBe('one three five');
    expect(p.state).toMatchObject({ playing: false, time: 5, ended: true });
    expect(states.at(-1)).toMatchObject({ ended: true });
  });

  it('pause holds the position; play resumes from it', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    p.play();
    vi.advanceTimersByTime(1500);
    p.pause();
    vi.advanceTimersByTime(10_000);
    expect(p.state).toMatchObject({ playing: false, time: 1.5 });
    expect(terminal.screen()).toBe('one ');
    p.play();
    vi.advanceTimersByTime(1500);
    expect(terminal.screen()).toBe('one three ');
  });

  it('seeking re-renders from the start up to that moment, backwards too', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    p.seek(4);
    expect(terminal.log.slice(-5)).toEqual(['reset', 'resize 80x24', 'write one ', 'resize 100x30', 'write three ']);
    expect(p.state).toMatchObject({ playing: false, time: 4 });
    p.seek(1.5);
    expect(terminal.screen()).toBe('one ');
    expect(terminal.log.at(-1)).toBe('write one ');
    p.seek(99);
    expect(p.state).toMatchObject({ time: 5, ended: true });
  });

  it('speed scales playback time', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    p.setSpeed(4);
    p.play();
    vi.advanceTimersByTime(750);
    expect(terminal.screen()).toBe('one three ');
    expect(p.state.time).toBeCloseTo(3, 5);
    p.setSpeed(0.5);
    vi.advanceTimersByTime(2000);
    expect(p.state.time).toBeCloseTo(4, 5);
  });

  it('play after the end starts over', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    p.seek(5);
    p.play();
    expect(p.state).toMatchObject({ playing: true, time: 0 });
  });

  it('a resize or reset waits until the writes before it were processed', () => {
    const terminal = new FakeTerminal(true);
    const { p } = player(terminal);
    p.seek(4);
    expect(terminal.log.slice(-3)).toEqual(['reset', 'resize 80x24', 'write one ']);
    terminal.flush();
    expect(terminal.log.slice(-2)).toEqual(['resize 100x30', 'write three ']);
    // A new seek drops what was not handed over yet, and waits for the write in progress.
    p.seek(1);
    expect(terminal.log.at(-1)).toBe('write three ');
    terminal.flush();
    expect(terminal.log.slice(-3)).toEqual(['reset', 'resize 80x24', 'write one ']);
  });

  it('dispose stops the clock and touches the terminal no more', () => {
    const terminal = new FakeTerminal();
    const { p } = player(terminal);
    p.play();
    p.dispose();
    const before = terminal.log.length;
    vi.advanceTimersByTime(10_000);
    expect(terminal.log.length).toBe(before);
  });
});

describe('CastPlayer poster frame', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows the last screen before play, at position 0, and plays from the start', () => {
    const terminal = new FakeTerminal();
    const p = new CastPlayer(loadCast(), terminal, () => Date.now(), { poster: true });
    expect(p.showingPoster).toBe(true);
    expect(terminal.screen()).toBe('one three five');
    expect(p.state).toMatchObject({ playing: false, time: 0, ended: false });
    p.play();
    expect(p.showingPoster).toBe(false);
    expect(terminal.screen()).toBe('');
    vi.advanceTimersByTime(1000);
    expect(terminal.screen()).toBe('one ');
  });

  it('a seek leaves the poster for the screen at that time', () => {
    const terminal = new FakeTerminal();
    const p = new CastPlayer(loadCast(), terminal, () => Date.now(), { poster: true });
    p.seek(3);
    expect(p.showingPoster).toBe(false);
    expect(terminal.screen()).toBe('one three ');
  });
});
