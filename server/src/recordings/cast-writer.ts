/**
 * Encodes a session as asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON
 * header line, then one `[seconds, "o", text]` line per output chunk and `[seconds, "r",
 * "COLSxROWS"]` per resize, `[seconds, "m", label]` per marker (a tool run from the session's
 * drawer started or ended); beside it, the input trail. The lines go to a sink. Both run in
 * the recording worker, on the times the session's thread stamped.
 */
import { StringDecoder } from 'node:string_decoder';
import type { CastEvent, CastHeader as CastHeaderLine } from '@sonde/shared';

export interface LineSink {
  append(line: string): void;
}

/** Time since the recording began, from a monotonic clock: what records carry to the worker. */
export class RecordingClock {
  private readonly origin: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.origin = now();
  }

  /** Milliseconds, unrounded (CastTimes rounds them where they are written). */
  elapsedMs(): number {
    return this.now() - this.origin;
  }
}

/** Elapsed milliseconds to cast seconds: rounded to microseconds, as asciinema writes them, and never going backwards. */
export class CastTimes {
  private last = 0;

  seconds(elapsedMs: number): number {
    this.last = Math.max(this.last, Math.round(elapsedMs * 1000) / 1e6);
    return this.last;
  }
}

export interface CastHeader {
  width: number;
  height: number;
  startedAt: Date;
  title: string;
}

/** What a replay needs to know about the environment: the terminal type the shell was given. */
const CAST_ENV = { TERM: 'xterm-256color', SHELL: '/bin/sh' } as const;

export class CastWriter {
  /**
   * Output arrives in arbitrary chunks: a multibyte character split across two of them must
   * not become two replacement characters. Invalid bytes do become U+FFFD (the file is UTF-8).
   */
  private readonly decoder = new StringDecoder('utf8');
  private readonly times = new CastTimes();
  private ended = false;
  private lastAt = 0;

  constructor(
    private readonly sink: LineSink,
    header: CastHeader,
  ) {
    const line: CastHeaderLine = {
      version: 2,
      width: header.width,
      height: header.height,
      timestamp: Math.floor(header.startedAt.getTime() / 1000),
      env: { ...CAST_ENV },
      title: header.title,
    };
    sink.append(JSON.stringify(line));
  }

  /** `at`: milliseconds since the recording began when the chunk arrived. */
  output(chunk: Buffer, at: number): void {
    if (this.ended) return;
    // A character cut off at the end arrived with the latest chunk, even one that printed nothing yet.
    this.lastAt = at;
    const text = this.decoder.write(chunk);
    if (text.length > 0) this.event(at, 'o', text);
  }

  resize(cols: number, rows: number, at: number): void {
    if (this.ended) return;
    this.event(at, 'r', `${cols}x${rows}`);
  }

  /** A named point on the timeline (asciicast v2 marker): players show it and can seek to it. */
  marker(label: string, at: number): void {
    if (this.ended) return;
    this.event(at, 'm', label);
  }

  /** Writes out a trailing incomplete character (as U+FFFD, at the last chunk's time); later calls do nothing. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const rest = this.decoder.end();
    if (rest.length > 0) this.event(this.lastAt, 'o', rest);
  }

  private event(at: number, code: 'o' | 'r' | 'm', data: string): void {
    const event: CastEvent = [this.times.seconds(at), code, data];
    this.sink.append(JSON.stringify(event));
  }
}

/**
 * Who typed what, kept beside the cast rather than in it (a cast has no notion of people): one
 * JSON line per input chunk, `{"t", "participant", "name", "data"}`, on the cast's clock.
 */
export class InputTrail {
  private readonly decoders = new Map<string, StringDecoder>();
  private readonly times = new CastTimes();

  constructor(private readonly sink: LineSink) {}

  /** `at`: milliseconds since the recording began when the input arrived. */
  record(participant: { id: string; name: string }, data: Buffer, at: number): void {
    let decoder = this.decoders.get(participant.id);
    if (!decoder) {
      decoder = new StringDecoder('utf8');
      this.decoders.set(participant.id, decoder);
    }
    const text = decoder.write(data);
    if (text.length === 0) return;
    this.sink.append(JSON.stringify({ t: this.times.seconds(at), participant: participant.id, name: participant.name, data: text }));
  }
}
