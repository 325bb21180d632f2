import {
  CloseCode,
  FLOW_ACK_BYTES,
  FLOW_HIGH_WATERMARK,
  FLOW_LOW_WATERMARK,
  clampSize,
  type Participant,
  type ParticipantRole,
  type ResolvedTarget,
  type ServerControl,
  type SessionInfo,
} from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import type { PolicyScope } from '../policy/target-policy.js';
import { OutputLog } from './output-log.js';

/** How one attached client receives frames; the WebSocket route implements it. */
export interface ClientChannel {
  /** Sends one binary frame; `written` runs once the transport took it. */
  sendOutput(data: Buffer, written: () => void): void;
  sendControl(message: ServerControl): void;
  close(code: number, reason: string): void;
}

export type EndReason = 'exited' | 'deleted' | 'abandoned' | 'idle' | 'target-stopped' | 'shutdown' | 'engine-lost' | 'failed' | 'limit' | 'access-revoked' | 'policy';

const END_MESSAGES: Record<EndReason, string> = {
  exited: 'the shell exited',
  deleted: 'the session was closed',
  abandoned: 'no one was attached for too long',
  idle: 'no one typed for too long',
  'target-stopped': 'the target container stopped',
  shutdown: 'the Sonde server is shutting down',
  'engine-lost': 'the connection to Docker was lost',
  failed: 'the toolbox failed',
  limit: 'the tool reached its time limit',
  'access-revoked': "its owner's access was revoked",
  policy: 'the target policy no longer allows this target',
};

/**
 * Output an ended session keeps, once no client is still reading it, for a reload that wants
 * the last screen: ended sessions stay listed for a while and must not hold a full replay buffer.
 */
export const ENDED_REPLAY_BYTES = 64 * 1024;

/** Largest binary frame sent to a client; output is coalesced up to this under load. */
export const MAX_OUTPUT_FRAME = 256 * 1024;

/** Who is behind an attachment: a principal (user, API token or share link). */
export interface ParticipantIdentity {
  id: string;
  name: string;
  /** Set when they came through a share link: revoking it closes exactly their sockets. */
  shareId?: string;
  /** May hand the keyboard around: the owner, and admins. */
  canManage: boolean;
}

/**
 * Things that follow a session without being part of it: the recorder, the audit trail, the
 * network-state snapshots. Every method is optional and must not throw.
 */
export interface SessionObserver {
  output?(chunk: Buffer): void;
  resize?(cols: number, rows: number): void;
  input?(participant: ParticipantIdentity, data: Buffer): void;
  joined?(participant: ParticipantIdentity, role: ParticipantRole): void;
  left?(participant: ParticipantIdentity): void;
  roleChanged?(participant: { id: string; name: string }, role: ParticipantRole, by: ParticipantIdentity): void;
  viewerInputDropped?(participant: ParticipantIdentity, count: number): void;
  /** After the toolbox is gone. */
  ended?(session: Session): void;
}

/** A viewer who keeps typing after being told it does nothing is disconnected (1008) after this many frames. */
export const VIEWER_INPUT_LIMIT = 20;

export interface SessionOptions {
  id: string;
  /** Who opened it; starts as the driver. */
  owner: { id: string; name: string };
  target: ResolvedTarget;
  /** What the policy read when the target was allowed: who may watch is decided on it again. */
  scope: PolicyScope;
  image: string;
  toolbox: RunningToolbox;
  /** Bytes of recent output kept for late and reconnecting clients. */
  replayBytes: number;
  detachedGraceMs: number;
  /** Ends the session after this long without input (output alone is not activity); 0 disables. */
  idleTimeoutMs?: number;
  removeToolbox: (id: string) => Promise<void>;
  onEnded: (session: Session) => void;
  /** Overrides of the exit messages, e.g. "the tool exited" for a tool run. */
  endMessages?: Partial<Record<EndReason, string>>;
}

export interface ViolationCounters {
  malformedControl: number;
  oversizedFrames: number;
  excessAcks: number;
  /** Keystrokes and resizes from a viewer, dropped. */
  viewerInput: number;
  viewerControl: number;
}

/**
 * One client attached to a session. Tracks what it was sent and what it acknowledged, and
 * only sends more while its unacknowledged bytes stay under the flow window.
 */
export class Attachment {
  private sent: number;
  private acked: number;
  private inFlight = false;
  private closed = false;
  readonly violations: ViolationCounters = { malformedControl: 0, oversizedFrames: 0, excessAcks: 0, viewerInput: 0, viewerControl: 0 };

  constructor(
    private readonly session: Session,
    readonly channel: ClientChannel,
    fromOffset: number,
    readonly participant: ParticipantIdentity,
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
    this.session.flowChanged();
    this.pump();
  }

  get role(): ParticipantRole {
    return this.session.roleOf(this.participant.id);
  }

  /** Keystrokes: forwarded for drivers; for viewers dropped, counted, and after too many the socket is closed. */
  input(data: Buffer): void {
    if (this.closed) return;
    if (this.role !== 'driver') {
      this.violations.viewerInput++;
      this.session.viewerInputDropped(this);
      return;
    }
    this.session.touch();
    this.session.write(data, this.participant);
  }

  /** The terminal size follows the drivers; a viewer's window size is theirs alone. */
  resize(cols: number, rows: number): void {
    if (this.role !== 'driver') {
      this.violations.viewerControl++;
      return;
    }
    this.session.resize(cols, rows);
  }

  /** Owner (or admin) only: hand the keyboard to someone, or take it back. */
  setRole(participantId: string, role: ParticipantRole): void {
    if (!this.participant.canManage) {
      this.violations.viewerControl++;
      this.channel.sendControl({ type: 'error', code: 'FORBIDDEN', message: 'Only the session owner can hand the keyboard over.' });
      return;
    }
    this.session.setRole(participantId, role, this.participant);
  }

  /** Sends what the window allows; called on new output, acks, and each completed send. */
  pump(): void {
    if (this.closed || this.inFlight) return;
    const log = this.session.log;
    if (this.sent < log.start) {
      // Fell further behind than the replay buffer reaches: skip ahead and say so.
      this.sent = log.start;
      this.acked = log.start;
      this.channel.sendControl(this.session.hello(log.start, true));
    }
    const ending = this.session.state === 'exited';
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
    if (ending && this.sent >= log.end) this.session.finishAttachment(this);
  }

  /** Closes the client exactly once. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close(code, reason);
    this.session.detach(this);
  }
}

/**
 * A shell in a toolbox, living on the server: it outlives any one WebSocket, fans its output
 * out to every attached client, and applies back-pressure to the Docker stream only when
 * every client is a full window behind (so one slow viewer cannot stall the others; it is
 * resynced instead).
 */
export class Session {
  readonly id: string;
  readonly target: ResolvedTarget;
  readonly scope: PolicyScope;
  readonly createdAt = new Date();
  readonly log: OutputLog;
  state: 'running' | 'exited' = 'running';
  endedAt: Date | undefined;
  exitCode: number | undefined;
  endReason: EndReason | undefined;
  /** Who ended it, when a person did (DELETE); the audit trail names them. */
  endedBy: { id: string; name: string } | undefined;

  readonly owner: { id: string; name: string };
  private readonly attachments = new Set<Attachment>();
  /** Roles by participant id; kept after they leave, so a reconnect gets the same role back. */
  private readonly roles = new Map<string, ParticipantRole>();
  private readonly observers = new Set<SessionObserver>();
  private readonly warnedViewers = new WeakSet<Attachment>();
  private readonly toolbox: RunningToolbox;
  private readonly image: string;
  private paused = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private idleWarned = false;
  private ending: Promise<void> | undefined;
  private size = { cols: 80, rows: 24 };
  private resizing: Promise<void> | undefined;
  private pendingSize: { cols: number; rows: number } | undefined;

  constructor(private readonly options: SessionOptions) {
    this.id = options.id;
    this.owner = options.owner;
    this.roles.set(options.owner.id, 'driver');
    this.target = options.target;
    this.scope = options.scope;
    this.toolbox = options.toolbox;
    this.image = options.image;
    this.log = new OutputLog(options.replayBytes);
    const stream = this.toolbox.stream;
    stream.on('data', (chunk: Buffer) => this.onOutput(chunk));
    stream.once('end', () => void this.onStreamEnd());
    stream.once('close', () => void this.onStreamEnd());
    stream.on('error', () => void this.onStreamEnd());
    this.armGraceTimer();
    this.armIdleTimer();
  }

  get clientCount(): number {
    return this.attachments.size;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get toolboxIds(): readonly string[] {
    return [this.toolbox.id];
  }

  /** A session into a container ends when that container stops. */
  dependsOn(containerId: string): boolean {
    return this.target.kind === 'container' && this.target.containerId === containerId;
  }

  get toolboxId(): string {
    return this.toolbox.id;
  }

  /** The pty size now (the recording header needs it). */
  get terminalSize(): { cols: number; rows: number } {
    return { ...this.size };
  }

  observe(observer: SessionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private tell(call: (o: SessionObserver) => void): void {
    for (const o of this.observers) {
      try {
        call(o);
      } catch {
        // An observer (a recorder on a full disk) must never break the shell.
      }
    }
  }

  roleOf(participantId: string): ParticipantRole {
    return this.roles.get(participantId) ?? 'viewer';
  }

  /** Everyone attached now, one entry per person however many tabs they have. */
  participants(): Participant[] {
    const byId = new Map<string, Participant>();
    for (const a of this.attachments) {
      const p = a.participant;
      const entry = byId.get(p.id);
      if (entry) {
        entry.clients++;
        continue;
      }
      byId.set(p.id, {
        id: p.id,
        name: p.name,
        role: this.roleOf(p.id),
        owner: p.id === this.owner.id,
        clients: 1,
        ...(p.shareId ? { shareId: p.shareId } : {}),
      });
    }
    return [...byId.values()];
  }

  private isPresent(participantId: string, except?: Attachment): boolean {
    for (const a of this.attachments) if (a !== except && a.participant.id === participantId) return true;
    return false;
  }

  private broadcastPresence(): void {
    const participants = this.participants();
    for (const a of this.attachments) {
      a.channel.sendControl({ type: 'presence', you: a.participant.id, role: this.roleOf(a.participant.id), participants });
    }
  }

  setRole(participantId: string, role: ParticipantRole, by: ParticipantIdentity): void {
    if (this.state !== 'running') return;
    const who = [...this.attachments].find((a) => a.participant.id === participantId)?.participant;
    const known = who ?? (participantId === this.owner.id ? { ...this.owner } : undefined);
    if (!known) return;
    if (this.roleOf(participantId) === role) return;
    this.roles.set(participantId, role);
    this.notify('info', role === 'driver' ? `${known.name} can type now.` : `${known.name} is watching now (read-only).`);
    this.broadcastPresence();
    this.tell((o) => o.roleChanged?.({ id: participantId, name: known.name }, role, by));
  }

  viewerInputDropped(attachment: Attachment): void {
    const count = attachment.violations.viewerInput;
    if (!this.warnedViewers.has(attachment)) {
      this.warnedViewers.add(attachment);
      attachment.channel.sendControl({ type: 'notice', level: 'warning', message: 'You are watching: what you type is not sent. Ask the owner for the keyboard.' });
      this.tell((o) => o.viewerInputDropped?.(attachment.participant, count));
    }
    if (count >= VIEWER_INPUT_LIMIT) {
      this.tell((o) => o.viewerInputDropped?.(attachment.participant, count));
      attachment.close(CloseCode.PolicyViolation, 'viewers cannot type');
    }
  }

  hello(offset: number, resynced: boolean): ServerControl {
    return {
      type: 'hello',
      session: this.id,
      offset,
      resynced,
      flow: { high: FLOW_HIGH_WATERMARK, low: FLOW_LOW_WATERMARK, ackBytes: FLOW_ACK_BYTES },
    };
  }

  /**
   * Attaches a client. It receives the output from `fromOffset` on (or everything still held
   * when that is older than the replay buffer, flagged as a resync), then the live stream.
   */
  attach(channel: ClientChannel, fromOffset: number | undefined, participant: ParticipantIdentity, initialRole: ParticipantRole = 'viewer'): Attachment {
    const wanted = fromOffset ?? 0;
    const start = Math.min(Math.max(wanted, this.log.start), this.log.end);
    const resynced = wanted < this.log.start;
    const attachment = new Attachment(this, channel, start, participant);
    const arriving = !this.isPresent(participant.id);
    if (!this.roles.has(participant.id)) this.roles.set(participant.id, initialRole);
    this.attachments.add(attachment);
    this.clearGraceTimer();
    channel.sendControl(this.hello(start, resynced));
    if (this.state === 'running') {
      if (arriving) {
        const role = this.roleOf(participant.id);
        for (const a of this.attachments) {
          if (a.participant.id !== participant.id) a.channel.sendControl({ type: 'notice', level: 'info', message: `${participant.name} joined (${role === 'driver' ? 'can type' : 'watching'}).` });
        }
        this.tell((o) => o.joined?.(participant, role));
      }
      this.broadcastPresence();
    }
    attachment.pump();
    return attachment;
  }

  detach(attachment: Attachment): void {
    if (!this.attachments.delete(attachment)) return;
    if (this.state === 'running' && !this.isPresent(attachment.participant.id)) {
      this.notify('info', `${attachment.participant.name} left.`);
      this.tell((o) => o.left?.(attachment.participant));
      this.broadcastPresence();
    } else if (this.state === 'running') {
      this.broadcastPresence();
    }
    this.flowChanged();
    this.armGraceTimer();
    this.releaseEndedOutput();
  }

  private releaseEndedOutput(): void {
    if (this.state === 'exited' && this.attachments.size === 0) this.log.keepLast(ENDED_REPLAY_BYTES);
  }

  write(data: Buffer, from?: ParticipantIdentity): void {
    if (this.state !== 'running') return;
    if (from) this.tell((o) => o.input?.(from, data));
    this.toolbox.stream.write(data);
  }

  /** Resizes are serialised and coalesced: only the latest size matters. */
  resize(cols: number, rows: number): void {
    if (this.state !== 'running') return;
    const size = clampSize(cols, rows);
    if (size.cols === this.size.cols && size.rows === this.size.rows && !this.resizing) return;
    this.pendingSize = size;
    if (this.resizing) return;
    const next = async (): Promise<void> => {
      while (this.pendingSize && this.state === 'running') {
        const target = this.pendingSize;
        this.pendingSize = undefined;
        this.size = target;
        this.tell((o) => o.resize?.(target.cols, target.rows));
        await this.toolbox.resize(target.cols, target.rows).catch(() => undefined);
      }
      this.resizing = undefined;
    };
    this.resizing = next();
  }

  /** Adds text from Sonde itself to the output, as if the process printed it (e.g. why a tool run is being stopped). */
  appendOutput(text: string): void {
    if (this.state === 'running') this.onOutput(Buffer.from(text));
  }

  private onOutput(chunk: Buffer): void {
    this.log.append(chunk);
    this.tell((o) => o.output?.(chunk));
    for (const attachment of this.attachments) attachment.pump();
    this.flowChanged();
  }

  /** Pauses the Docker stream once every client is a full window behind; resumes below the low mark. */
  flowChanged(): void {
    if (this.state !== 'running') return;
    const stream = this.toolbox.stream;
    if (this.attachments.size === 0) {
      if (this.paused) {
        this.paused = false;
        stream.resume();
      }
      return;
    }
    let least = Infinity;
    for (const a of this.attachments) least = Math.min(least, a.backlog(this.log.end));
    if (!this.paused && least >= FLOW_HIGH_WATERMARK) {
      this.paused = true;
      stream.pause();
    } else if (this.paused && least < FLOW_LOW_WATERMARK) {
      this.paused = false;
      stream.resume();
    }
  }

  private async onStreamEnd(): Promise<void> {
    if (this.state === 'exited') return;
    let code: number | undefined;
    try {
      code = await this.toolbox.exitCode();
    } catch {
      // The stream ended because Docker went away, not because the shell exited.
      await this.end('engine-lost');
      return;
    }
    await this.end('exited', code);
  }

  /** Called by an attachment once it has been sent everything after the session ended. */
  finishAttachment(attachment: Attachment): void {
    const reason = this.endReason ?? 'exited';
    const message = this.options.endMessages?.[reason] ?? END_MESSAGES[reason];
    attachment.channel.sendControl({ type: 'exit', code: this.exitCode ?? -1, reason: message });
    attachment.close(this.endReason === 'shutdown' ? CloseCode.ServerShutdown : CloseCode.SessionEnded, message);
  }

  /**
   * Ends the session once: tells clients, removes the toolbox. Later calls return the same
   * promise, which never rejects: a toolbox Docker cannot remove now (it is unreachable) is
   * left to the orphan reaper, which runs when Docker is back and at every start.
   */
  end(reason: EndReason, exitCode?: number): Promise<void> {
    if (this.ending) return this.ending;
    this.state = 'exited';
    this.endReason = reason;
    this.endedAt = new Date();
    this.exitCode = exitCode ?? (reason === 'exited' ? undefined : -1);
    this.clearGraceTimer();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.ending = (async () => {
      for (const attachment of [...this.attachments]) attachment.pump();
      this.toolbox.stream.removeAllListeners('data');
      this.toolbox.stream.destroy();
      try {
        await this.options.removeToolbox(this.toolbox.id);
      } catch {
        // Left for the orphan reaper (see above).
      } finally {
        this.options.onEnded(this);
        this.releaseEndedOutput();
        this.tell((o) => o.ended?.(this));
      }
    })();
    return this.ending;
  }

  /** Ends it from outside, because access to it ended; everyone attached is told why first. */
  revoke(reason: 'access-revoked' | 'policy', detail: string): void {
    if (this.state !== 'running') return;
    this.notify('warning', `This session is ending: ${detail}.`);
    void this.end(reason);
  }

  /** Someone typed: the session is in use. */
  touch(): void {
    this.lastActivity = Date.now();
    if (this.idleWarned) {
      this.idleWarned = false;
      this.notify('info', 'Idle timer reset; the session stays open.');
    }
  }

  /** A line for every attached participant, outside the shell's own output. */
  notify(level: 'info' | 'warning', message: string): void {
    for (const a of this.attachments) a.channel.sendControl({ type: 'notice', level, message });
  }

  /**
   * One timer, re-armed lazily: when it fires it looks at the last input, so typing costs
   * nothing. A warning goes out a minute (or half the timeout) before the end.
   */
  private armIdleTimer(): void {
    const timeout = this.options.idleTimeoutMs ?? 0;
    if (timeout <= 0 || this.state !== 'running') return;
    const warnBefore = Math.min(60_000, timeout / 2);
    const check = () => {
      if (this.state !== 'running') return;
      const idle = Date.now() - this.lastActivity;
      if (idle >= timeout) {
        void this.end('idle');
        return;
      }
      if (idle >= timeout - warnBefore && !this.idleWarned) {
        this.idleWarned = true;
        const seconds = Math.ceil((timeout - idle) / 1000);
        this.notify('warning', `No input for a while: this session ends in ${seconds} s unless someone types.`);
      }
      const next = idle >= timeout - warnBefore ? timeout - idle : timeout - warnBefore - idle;
      this.idleTimer = setTimeout(check, Math.max(10, next));
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(check, timeout - warnBefore);
    this.idleTimer.unref();
  }

  private armGraceTimer(): void {
    if (this.attachments.size > 0 || this.state !== 'running' || this.graceTimer) return;
    this.graceTimer = setTimeout(() => void this.end('abandoned'), this.options.detachedGraceMs);
    this.graceTimer.unref();
  }

  private clearGraceTimer(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  info(): SessionInfo {
    return {
      id: this.id,
      target: this.target,
      state: this.state,
      createdAt: this.createdAt.toISOString(),
      ...(this.endedAt ? { endedAt: this.endedAt.toISOString() } : {}),
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.endReason ? { endReason: this.endReason } : {}),
      toolbox: { containerId: this.toolbox.id, image: this.image },
      clients: this.attachments.size,
      owner: { ...this.owner },
      participants: this.participants(),
      ttyPath: `/api/sessions/${this.id}/tty`,
    };
  }
}
