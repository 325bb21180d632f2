/**
 * Plays a parsed cast into a terminal: play/pause, seek, speed. Framework-free and independent
 * of xterm itself (it drives anything with write/resize/reset), so the timing is unit-tested;
 * RecordingPlayer.tsx hosts it with a real Terminal.
 */
import type { Disposable } from '../../lifecycle/disposable';
import { Emitter } from '../../lifecycle/emitter';
import { stepsToShow, stepsUntil, type Cast, type TerminalStep } from './cast';

export interface PlayerTerminal {
  /** `callback` runs once the data is processed (xterm parses writes asynchronously). */
  write(data: string, callback?: () => void): void;
  resize(cols: number, rows: number): void;
  reset(): void;
}

export interface PlayerState {
  playing: boolean;
  /** Seconds into the recording. */
  time: number;
  duration: number;
  speed: number;
  ended: boolean;
}

export const PLAYBACK_SPEEDS = [0.5, 1, 2, 4] as const;

/** The clock display and seek slider move at least this often while playing. */
const TICK_MS = 100;

/**
 * Applies steps strictly in order. xterm queues writes but resizes and resets take effect at
 * once, so each waits for the writes before it to be processed; a seek drops the steps not
 * yet handed to the terminal.
 */
class TerminalFeed {
  private queue: TerminalStep[] = [];
  private writing = false;
  private disposed = false;

  constructor(private readonly terminal: PlayerTerminal) {}

  push(steps: readonly TerminalStep[]): void {
    this.queue.push(...steps);
    this.pump();
  }

  replace(steps: readonly TerminalStep[]): void {
    this.queue = [];
    this.push(steps);
  }

  dispose(): void {
    this.disposed = true;
    this.queue = [];
  }

  private pump(): void {
    while (!this.writing && !this.disposed && this.queue.length > 0) {
      const step = this.queue.shift()!;
      switch (step.kind) {
        case 'write':
          this.writing = true;
          this.terminal.write(step.data, () => {
            this.writing = false;
            this.pump();
          });
          break;
        case 'resize':
          this.terminal.resize(step.cols, step.rows);
          break;
        case 'reset':
          this.terminal.reset();
          break;
        default: {
          const unexpected: never = step;
          throw new Error(`unknown step ${String(unexpected)}`);
        }
      }
    }
  }
}

export class CastPlayer implements Disposable {
  readonly events = new Emitter<{ state: PlayerState }>();
  private readonly feed: TerminalFeed;
  /** Index of the first event not yet shown. */
  private next = 0;
  /** Playback position while paused; while playing, the position at `anchor.wall`. */
  private position = 0;
  private anchor: { wall: number; media: number } | undefined;
  private speed = 1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastEmit = -Infinity;
  private disposed = false;
  /** The terminal shows the poster (the last screen) while the position is still 0. */
  private poster = false;

  /**
   * `poster`: before play, show the screen at the end (what the session came to) rather than
   * an empty terminal; play and seek start from the real position.
   */
  constructor(
    private readonly cast: Cast,
    terminal: PlayerTerminal,
    private readonly now: () => number = () => performance.now(),
    options: { poster?: boolean } = {},
  ) {
    this.feed = new TerminalFeed(terminal);
    this.show(0);
    if (options.poster && cast.events.length > 0) {
      this.feed.replace(stepsToShow(cast, cast.duration).steps);
      this.poster = true;
    }
  }

  get showingPoster(): boolean {
    return this.poster;
  }

  get state(): PlayerState {
    const time = this.current();
    return {
      playing: this.anchor !== undefined,
      time,
      duration: this.cast.duration,
      speed: this.speed,
      ended: this.anchor === undefined && time >= this.cast.duration && this.next >= this.cast.events.length,
    };
  }

  play(): void {
    if (this.disposed || this.anchor) return;
    if (this.state.ended || this.poster) this.show(0);
    this.anchor = { wall: this.now(), media: this.position };
    this.tick(true);
  }

  pause(): void {
    if (!this.anchor) return;
    this.position = this.current();
    this.anchor = undefined;
    this.clearTimer();
    this.emit(true);
  }

  toggle(): void {
    if (this.anchor) this.pause();
    else this.play();
  }

  /** Shows the screen as it was at `time` (re-rendered from the start), and plays on from there if playing. */
  seek(time: number): void {
    if (this.disposed) return;
    const target = Math.min(Math.max(0, time), this.cast.duration);
    this.show(target);
    if (this.anchor) {
      this.anchor = { wall: this.now(), media: target };
      this.tick(true);
    } else {
      this.emit(true);
    }
  }

  setSpeed(speed: number): void {
    if (this.disposed || speed <= 0 || speed === this.speed) return;
    if (this.anchor) {
      this.position = this.current();
      this.anchor = { wall: this.now(), media: this.position };
    }
    this.speed = speed;
    if (this.anchor) this.tick(true);
    else this.emit(true);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.anchor = undefined;
    this.clearTimer();
    this.feed.dispose();
    this.events.dispose();
  }

  private current(): number {
    if (!this.anchor) return this.position;
    const elapsed = ((this.now() - this.anchor.wall) / 1000) * this.speed;
    return Math.min(this.cast.duration, this.anchor.media + elapsed);
  }

  private show(time: number): void {
    const { steps, next } = stepsToShow(this.cast, time);
    this.feed.replace(steps);
    this.next = next;
    this.position = time;
    this.poster = false;
  }

  private tick(changed = false): void {
    this.clearTimer();
    if (!this.anchor || this.disposed) return;
    const media = this.current();
    const { steps, next } = stepsUntil(this.cast.events, this.next, media);
    this.feed.push(steps);
    this.next = next;
    if (next >= this.cast.events.length && media >= this.cast.duration) {
      this.position = this.cast.duration;
      this.anchor = undefined;
      this.emit(true);
      return;
    }
    const due = this.cast.events[next]?.time ?? this.cast.duration;
    const delay = Math.min(TICK_MS, Math.max(0, ((due - media) / this.speed) * 1000));
    this.timer = setTimeout(() => this.tick(), delay);
    this.emit(changed);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** State changes from the user go out at once; the running clock at most every TICK_MS. */
  private emit(force: boolean): void {
    const wall = this.now();
    if (!force && wall - this.lastEmit < TICK_MS) return;
    this.lastEmit = wall;
    this.events.emit('state', this.state);
  }
}
