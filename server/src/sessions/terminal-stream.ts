import {
  FLOW_ACK_BYTES,
  FLOW_HIGH_WATERMARK,
  FLOW_LOW_WATERMARK,
  clampSize,
  type ParticipantRole,
  type ServerControl,
} from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import type { TerminalMeter } from '../plugins/metrics-plugin.js';
import type { InteractivePriority } from './interactive-priority.js';
import { OutputLog } from './output-log.js';

/**
 * The terminal of a toolbox, served to any number of clients: the Docker stream, the output log
 * that replays to late and reconnecting clients, each client's flow window, and back-pressure on
 * the Docker stream only when every client is a full window behind (so one slow viewer cannot
 * stall the others; it is resynced instead). Who may type is not its business: what clients send
 * goes to the handler their attachment was made with.
 */

/** How one attached client receives frames; the WebSocket route implements it. */
export interface ClientChannel {
  /** Sends one binary frame; `written` runs once the transport took it. */
  sendOutput(data: Buffer, written: () => void): void;
  sendControl(message: ServerControl): void;
  close(code: number, reason: string): void;
}

/** Who is behind an attachment: a principal (user, API token or share link). */
export interface ParticipantIdentity {
  id: string;
  name: string;
  /** Set when they came through a share link: revoking it closes exactly their sockets. */
  shareId?: string;
  /** May hand the keyboard around: the owner, and admins. */
  canManage: boolean;
}

export interface ViolationCounters {
  malformedControl: number;
  oversizedFrames: number;
  excessAcks: number;
  /** Keystrokes and resizes from a viewer, dropped. */
  viewerInput: number;
  viewerControl: number;
}

/** What the owner of a terminal does with what its clients send. */
export interface AttachmentHandler {
  input(attachment: Attachment, data: Buffer): void;
  resize(attachment: Attachment, cols: number, rows: number): void;
  setRole(attachment: Attachment, participantId: string, role: ParticipantRole): void;
  /** The client is gone (closed or dropped). */
  detached(attachment: Attachment): void;
}

/**
 * Output an ended terminal keeps, once no client is still reading it, for a reload that wants
 * the last screen: ended sessions stay listed for a while and must not hold a full replay buffer.
 */
export const ENDED_REPLAY_BYTES = 64 * 1024;

/**
 * Each time a stream has relayed this much, it waits for the event loop's next turn before it
 * reads more. Node reads a readable socket up to 32 times in a row (64 KiB each) before it
 * looks at any other: without this, a flooding session held every other session's keystrokes
 * and echoes behind up to 2 MiB of its own output (`npm run bench`, echo while another floods).
 */
export const YIELD_AFTER_BYTES = 64 * 1024;

/** Largest binary frame sent to a client; output is coalesced up to this under load. */
export const MAX_OUTPUT_FRAME = 256 * 1024;

/**
 * One client attached to a terminal. Tracks what it was sent and what it acknowledged, and
 * only sends more while its unacknowledged bytes stay under the flow window.
 */
export class Attachment {
  private sent: number;
  private acked: number;
  private inFlight = false;
  private closed = false;
  readonly violations: ViolationCounters = { malformedControl: 0, oversizedFrames: 0, excessAcks: 0, viewerInput: 0, viewerControl: 0 };

  constructor(
    private readonly stream: TerminalStream,
    readonly channel: ClientChannel,
    fromOffset: number,
    readonly participant: ParticipantIdentity,
    private readonly handler: AttachmentHandler,
  ) {
    this.sent = fromOffset;
    this.acked = fromOffset;
  }

  /** Output this client has not acknowledged yet, including what is not sent: the flow-control backlog. */
  backlog(end: number): number {
    return end - this.acked;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  ack(bytes: number): void {
    const unacked = this.sent - this.acked;
    if (bytes > unacked) {
      this.violations.excessAcks++;
      bytes = unacked;
    }
    this.acked += bytes;
    this.stream.flowChanged();
    this.pump();
  }

  input(data: Buffer): void {
    if (!this.closed) this.handler.input(this, data);
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) this.handler.resize(this, cols, rows);
  }

  setRole(participantId: string, role: ParticipantRole): void {
    if (!this.closed) this.handler.setRole(this, participantId, role);
  }

  /** Sends what the window allows; called on new output, acks, and each completed send. */
  pump(): void {
    if (this.closed || this.inFlight) return;
    const log = this.stream.log;
    if (this.sent < log.start) {
      // Fell further behind than the replay buffer reaches: skip ahead and say so.
      this.sent = log.start;
      this.acked = log.start;
      this.channel.sendControl(this.stream.hello(log.start, true));
    }
    const ending = this.stream.finishing !== undefined;
    const room = ending ? MAX_OUTPUT_FRAME : Math.min(MAX_OUTPUT_FRAME, FLOW_HIGH_WATERMARK - (this.sent - this.acked));
    if (this.sent < log.end && room > 0) {
      const frame = log.read(this.sent, room);
      this.sent += frame.length;
      this.inFlight = true;
      this.channel.sendOutput(frame, () => {
        this.inFlight = false;
        this.pump();
      });
      return;
    }
    const finishing = this.stream.finishing;
    if (finishing && this.sent >= log.end) {
      if (finishing.last) this.channel.sendControl(finishing.last);
      this.channel.sendControl({ type: 'exit', code: finishing.exitCode, reason: finishing.message });
      this.close(finishing.closeCode, finishing.message);
    }
  }

  /** Closes the client exactly once. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close(code, reason);
    this.stream.detach(this);
    this.handler.detached(this);
  }
}

export interface TerminalStreamOptions {
  /** Names the stream in hello frames (the session or run id). */
  id: string;
  toolbox: RunningToolbox;
  /** Bytes of recent output kept for late and reconnecting clients. */
  replayBytes: number;
  /** The toolbox's output ended: with its exit code, or `lost` when the engine cannot say (it went away). */
  onEnd(result: { exitCode: number | undefined } | 'lost'): void;
  initialSize?: { cols: number; rows: number };
  /** Told of every chunk relayed and every pause (the metrics); per chunk, so the hot path stays cheap. */
  meter?: TerminalMeter;
  /** Keystrokes before bulk output, across the console's terminals (interactive-priority.ts). */
  priority?: InteractivePriority;
}

/** How the terminal ends for its clients: the remaining output, then `exit`, then this close code. */
export interface Finish {
  exitCode: number;
  message: string;
  closeCode: number;
  /** Sent to each client after the last output and just before `exit` (a run's final record). */
  last?: ServerControl;
}

export class TerminalStream {
  readonly log: OutputLog;
  private readonly attachments = new Set<Attachment>();
  private readonly outputListeners = new Set<(chunk: Buffer) => void>();
  private readonly resizeListeners = new Set<(cols: number, rows: number) => void>();
  private paused = false;
  /** Output relayed since the stream last waited a turn; at YIELD_AFTER_BYTES it waits again. */
  private turnBytes = 0;
  private yielding = false;
  /** The toolbox's output ended (its process exited, or the engine went away). */
  private ended = false;
  /** The Docker stream was let go (finish). */
  private stopped = false;
  private size: { cols: number; rows: number };
  private resizing: Promise<void> | undefined;
  private pendingSize: { cols: number; rows: number } | undefined;
  /** Set once the terminal is ending: clients get what remains, then this. */
  finishing: Finish | undefined;

  constructor(private readonly options: TerminalStreamOptions) {
    this.log = new OutputLog(options.replayBytes);
    this.size = options.initialSize ?? { cols: 80, rows: 24 };
    const stream = options.toolbox.stream;
    stream.on('data', (chunk: Buffer) => this.onOutput(chunk));
    stream.once('end', () => void this.onStreamEnd());
    stream.once('close', () => void this.onStreamEnd());
    stream.on('error', () => void this.onStreamEnd());
    // A stream handed over paused (a spare shell, held since it was taken) flows from here.
    stream.resume();
  }

  get toolboxId(): string {
    return this.options.toolbox.id;
  }

  get clientCount(): number {
    return this.attachments.size;
  }

  get clients(): ReadonlySet<Attachment> {
    return this.attachments;
  }

  /** The pty size now (a recording header needs it). */
  get terminalSize(): { cols: number; rows: number } {
    return { ...this.size };
  }

  /** Every output chunk as it arrives, in order (a recorder, a result parser). */
  onOutputChunk(listener: (chunk: Buffer) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  onResized(listener: (cols: number, rows: number) => void): () => void {
    this.resizeListeners.add(listener);
    return () => this.resizeListeners.delete(listener);
  }

  hello(offset: number, resynced: boolean): ServerControl {
    return {
      type: 'hello',
      session: this.options.id,
      offset,
      resynced,
      flow: { high: FLOW_HIGH_WATERMARK, low: FLOW_LOW_WATERMARK, ackBytes: FLOW_ACK_BYTES },
    };
  }

  /**
   * Attaches a client. It receives the output from `fromOffset` on (or everything still held
   * when that is older than the replay buffer, flagged as a resync), then the live stream.
   * `beforeOutput` runs after the hello and before any output (presence, notices).
   */
  attach(channel: ClientChannel, fromOffset: number | undefined, participant: ParticipantIdentity, handler: AttachmentHandler, beforeOutput?: (attachment: Attachment) => void): Attachment {
    const wanted = fromOffset ?? 0;
    const start = Math.min(Math.max(wanted, this.log.start), this.log.end);
    const attachment = new Attachment(this, channel, start, participant, handler);
    this.attachments.add(attachment);
    channel.sendControl(this.hello(start, wanted < this.log.start));
    beforeOutput?.(attachment);
    attachment.pump();
    return attachment;
  }

  detach(attachment: Attachment): void {
    if (!this.attachments.delete(attachment)) return;
    this.flowChanged();
    this.releaseEndedOutput();
  }

  /** A control frame for every client, outside the shell's own output. */
  broadcast(message: ServerControl): void {
    for (const a of this.attachments) a.channel.sendControl(message);
  }

  write(data: Buffer): void {
    if (this.finishing || this.stopped) return;
    this.options.meter?.relayed('input', data.length);
    this.options.priority?.input(this);
    this.options.toolbox.stream.write(data);
  }

  /** Resizes are serialised and coalesced: only the latest size matters. */
  resize(cols: number, rows: number): void {
    if (this.finishing) return;
    const size = clampSize(cols, rows);
    if (size.cols === this.size.cols && size.rows === this.size.rows && !this.resizing) return;
    this.pendingSize = size;
    if (this.resizing) return;
    const next = async (): Promise<void> => {
      while (this.pendingSize && !this.finishing) {
        const target = this.pendingSize;
        this.pendingSize = undefined;
        this.size = target;
        for (const l of this.resizeListeners) l(target.cols, target.rows);
        await this.options.toolbox.resize(target.cols, target.rows).catch(() => undefined);
      }
      this.resizing = undefined;
    };
    this.resizing = next();
  }

  /** Adds text from Sonde itself to the output, as if the process printed it (why a run is being stopped). */
  appendOutput(text: string): void {
    if (!this.finishing) this.onOutput(Buffer.from(text));
  }

  private onOutput(chunk: Buffer): void {
    this.options.meter?.relayed('output', chunk.length);
    this.log.append(chunk);
    for (const l of this.outputListeners) l(chunk);
    for (const attachment of this.attachments) attachment.pump();
    this.flowChanged();
    this.turnBytes += chunk.length;
    if (this.yielding) return;
    const wait = this.options.priority?.relayed(this, chunk.length) ?? 0;
    if (wait > 0 || this.turnBytes >= YIELD_AFTER_BYTES) this.yieldTurn(wait);
  }

  /** Stops reading until the event loop came round once (every other socket had its turn), or for `ms`. */
  private yieldTurn(ms: number): void {
    this.yielding = true;
    const stream = this.options.toolbox.stream;
    stream.pause();
    const go = () => {
      this.yielding = false;
      this.turnBytes = 0;
      if (!this.paused && !this.stopped) stream.resume();
    };
    if (ms > 0) setTimeout(go, ms);
    else setImmediate(go);
  }

  /** Pauses the Docker stream once every client is a full window behind; resumes below the low mark. */
  flowChanged(): void {
    if (this.finishing || this.stopped) return;
    const stream = this.options.toolbox.stream;
    if (this.attachments.size === 0) {
      if (this.paused) {
        this.paused = false;
        if (!this.yielding) stream.resume();
      }
      return;
    }
    let least = Infinity;
    for (const a of this.attachments) least = Math.min(least, a.backlog(this.log.end));
    if (!this.paused && least >= FLOW_HIGH_WATERMARK) {
      this.paused = true;
      this.options.meter?.paused();
      stream.pause();
    } else if (this.paused && least < FLOW_LOW_WATERMARK) {
      this.paused = false;
      if (!this.yielding) stream.resume();
    }
  }

  private async onStreamEnd(): Promise<void> {
    if (this.ended || this.stopped) return;
    this.ended = true;
    let exitCode: number | undefined;
    try {
      exitCode = await this.options.toolbox.exitCode();
    } catch {
      // The stream ended because the engine went away, not because the process exited.
      this.options.onEnd('lost');
      return;
    }
    this.options.onEnd({ exitCode });
  }

  /**
   * Ends the terminal for its clients: each gets the output it has not had, then the exit
   * message, then is closed with `closeCode`. The Docker stream is let go.
   */
  finish(finish: Finish): void {
    if (this.finishing) return;
    this.finishing = finish;
    for (const attachment of [...this.attachments]) attachment.pump();
    this.stopped = true;
    this.options.priority?.forget(this);
    this.options.toolbox.stream.removeAllListeners('data');
    this.options.toolbox.stream.destroy();
    this.releaseEndedOutput();
  }

  /** Once ended and no client is still reading, only the last screen is kept. */
  private releaseEndedOutput(): void {
    if (this.finishing && this.attachments.size === 0) this.log.keepLast(ENDED_REPLAY_BYTES);
  }
}

