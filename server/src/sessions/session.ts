import { CloseCode, type Participant, type ParticipantRole, type ResolvedTarget, type SessionInfo } from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import type { TerminalMeter } from '../plugins/metrics-plugin.js';
import type { PolicyScope } from '../policy/target-policy.js';
import { livesIn, type Workload } from '../toolboxes/workload.js';
import { Participants } from './participants.js';
import { SessionTimers } from './session-timers.js';
import { TerminalStream, type Attachment, type AttachmentHandler, type ClientChannel, type ParticipantIdentity } from './terminal-stream.js';
import type { InteractivePriority } from './interactive-priority.js';

export { ENDED_REPLAY_BYTES, MAX_OUTPUT_FRAME, type Attachment, type ClientChannel, type ParticipantIdentity } from './terminal-stream.js';
export { VIEWER_INPUT_LIMIT } from './participants.js';

/** `closed`: a person ended it (DELETE, "End session"); the workload stack says `deleted`. */
export type EndReason = 'exited' | 'closed' | 'abandoned' | 'idle' | 'target-stopped' | 'shutdown' | 'engine-lost' | 'access-revoked' | 'policy';

const END_MESSAGES: Record<EndReason, string> = {
  exited: 'the shell exited',
  closed: 'the session was closed',
  abandoned: 'no one was attached for too long',
  idle: 'no one typed for too long',
  'target-stopped': 'the target container stopped',
  shutdown: 'the Sonde server is shutting down',
  'engine-lost': 'the connection to Docker was lost',
  'access-revoked': "its owner's access was revoked",
  policy: 'the target policy no longer allows this target',
};

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
  /**
   * The session has ended for its clients and still holds its toolbox (running, whether or not
   * the shell still does): the last moment to run something in it. The toolbox is let go once
   * every returned promise settled, so keep it short and bounded.
   */
  releasing?(session: Session): Promise<void> | void;
  /** After the toolbox is let go (removed, unless other sessions' shells still run in it). */
  ended?(session: Session): void;
}

/** Endings that end every shell in a toolbox at once (so none is killed alone before its removal). */
const ENDS_EVERY_SHELL: ReadonlySet<EndReason> = new Set(['target-stopped', 'shutdown', 'engine-lost', 'access-revoked', 'policy']);

export interface SessionOptions {
  id: string;
  /** Who opened it; starts as the driver. */
  owner: { id: string; name: string };
  target: ResolvedTarget;
  /** What the policy read when the target was allowed: who may watch is decided on it again. */
  scope: PolicyScope;
  image: string;
  /** The shell: a TTY exec in the session's toolbox (toolboxes/shell-toolboxes.ts). */
  toolbox: RunningToolbox;
  /** Bytes of recent output kept for late and reconnecting clients. */
  replayBytes: number;
  detachedGraceMs: number;
  /** Ends the session after this long without input (output alone is not activity); 0 disables. */
  idleTimeoutMs?: number;
  /**
   * Lets go of the shell and its toolbox once the session has ended; `kill` when the shell may
   * still run (the toolbox can outlive it, holding other sessions' shells).
   */
  release: (options: { kill: boolean }) => Promise<void>;
  /** Why the shell exited when "the shell exited" would mislead; asked before `release`. */
  explainEnd?: (exitCode: number | undefined) => Promise<string | undefined>;
  onEnded: (session: Session) => void;
  /** Counts the terminal's traffic (the metrics). */
  meter?: TerminalMeter;
  /** Keystrokes before other terminals' bulk output. */
  priority?: InteractivePriority;
}

/**
 * A shell in a toolbox, living on the server: it outlives any one WebSocket. It composes the
 * terminal stream (output, replay, flow control), the participants (roles, presence, hand-over)
 * and the timers (grace, idle); it owns the end of the session and what observers hear.
 */
export class Session implements Workload {
  readonly id: string;
  readonly target: ResolvedTarget;
  readonly scope: PolicyScope;
  readonly owner: { id: string; name: string };
  readonly createdAt = new Date();
  state: 'running' | 'exited' = 'running';
  endedAt: Date | undefined;
  exitCode: number | undefined;
  endReason: EndReason | undefined;
  /** Who ended it, when a person did (DELETE); the audit trail names them. */
  endedBy: { id: string; name: string } | undefined;

  private readonly stream: TerminalStream;
  private readonly participants: Participants;
  private readonly timers: SessionTimers;
  private readonly observers = new Set<SessionObserver>();
  private ending: Promise<void> | undefined;

  /** What clients send, decided by their participant's role. */
  private readonly handler: AttachmentHandler = {
    input: (attachment, data) => {
      if (!this.participants.isDriver(attachment)) {
        this.participants.viewerTyped(attachment);
        return;
      }
      this.timers.touch();
      if (!this.running) return;
      this.tell((o) => o.input?.(attachment.participant, data));
      this.stream.write(data);
    },
    // The terminal size follows the drivers; a viewer's window size is theirs alone.
    resize: (attachment, cols, rows) => {
      if (!this.participants.isDriver(attachment)) {
        attachment.violations.viewerControl++;
        return;
      }
      this.stream.resize(cols, rows);
    },
    setRole: (attachment, participantId, role) => this.participants.setRole(attachment, participantId, role),
    detached: (attachment) => {
      this.participants.departed(attachment);
      if (this.stream.clientCount === 0) this.timers.unattended();
    },
  };

  constructor(private readonly options: SessionOptions) {
    this.id = options.id;
    this.owner = options.owner;
    this.target = options.target;
    this.scope = options.scope;
    this.stream = new TerminalStream({
      id: options.id,
      toolbox: options.toolbox,
      replayBytes: options.replayBytes,
      onEnd: (result) => void (result === 'lost' ? this.end('engine-lost') : this.exited(result.exitCode)),
      ...(options.meter ? { meter: options.meter } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
    });
    this.stream.onOutputChunk((chunk) => this.tell((o) => o.output?.(chunk)));
    this.stream.onResized((cols, rows) => this.tell((o) => o.resize?.(cols, rows)));
    this.participants = new Participants(
      options.owner,
      this.stream,
      {
        joined: (p, role) => this.tell((o) => o.joined?.(p, role)),
        left: (p) => this.tell((o) => o.left?.(p)),
        roleChanged: (p, role, by) => this.tell((o) => o.roleChanged?.(p, role, by)),
        viewerInputDropped: (p, count) => this.tell((o) => o.viewerInputDropped?.(p, count)),
      },
      () => this.running,
    );
    this.timers = new SessionTimers({
      detachedGraceMs: options.detachedGraceMs,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      running: () => this.running,
      warn: (message) => this.notify('warning', message),
      info: (message) => this.notify('info', message),
      end: (reason) => void this.end(reason),
    });
    this.timers.unattended();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get clientCount(): number {
    return this.stream.clientCount;
  }

  get toolboxId(): string {
    return this.stream.toolboxId;
  }

  get toolboxIds(): readonly string[] {
    return [this.stream.toolboxId];
  }

  /** The pty size now (the recording header needs it). */
  get terminalSize(): { cols: number; rows: number } {
    return this.stream.terminalSize;
  }

  /** The output log (tests read what is held). */
  get log(): TerminalStream['log'] {
    return this.stream.log;
  }

  /** A session into a container (or pod) ends when that container stops. */
  dependsOn(engine: string, objectId: string): boolean {
    return this.target.engine === engine && livesIn(this.target) === objectId;
  }

  usesEngine(engine: string): boolean {
    return this.target.engine === engine;
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
    return this.participants.roleOf(participantId);
  }

  /** Everyone attached now, one entry per person however many tabs they have. */
  participantList(): Participant[] {
    return this.participants.list();
  }

  /**
   * Attaches a client. It receives the output from `fromOffset` on (or everything still held
   * when that is older than the replay buffer, flagged as a resync), then the live stream.
   */
  attach(channel: ClientChannel, fromOffset: number | undefined, participant: ParticipantIdentity, initialRole: ParticipantRole = 'viewer'): Attachment {
    this.timers.attended();
    return this.stream.attach(channel, fromOffset, participant, this.handler, (attachment) => this.participants.arrived(attachment, initialRole));
  }

  /** A line for every attached participant, outside the shell's own output. */
  notify(level: 'info' | 'warning', message: string): void {
    this.stream.broadcast({ type: 'notice', level, message });
  }

  /** Ends it from outside, because access to it ended; everyone attached is told why first. */
  revoke(reason: 'access-revoked' | 'policy', detail: string): void {
    if (!this.running) return;
    this.notify('warning', `This session is ending: ${detail}.`);
    void this.end(reason);
  }

  /** The shell ended by itself: the end says why when the toolbox knows better than "the shell exited". */
  private async exited(exitCode: number | undefined): Promise<void> {
    const why = await this.options.explainEnd?.(exitCode).catch(() => undefined);
    await this.end('exited', exitCode, why);
  }

  /**
   * Ends the session once: tells clients, lets go of the toolbox. Later calls return the same
   * promise, which never rejects: a toolbox Docker cannot remove now (it is unreachable) is
   * left to the orphan reaper, which runs when Docker is back and at every start. `why`, when
   * given, is what clients are told instead of the reason's usual sentence.
   */
  end(ending: EndReason | 'deleted', exitCode?: number, why?: string): Promise<void> {
    if (this.ending) return this.ending;
    const reason: EndReason = ending === 'deleted' ? 'closed' : ending;
    this.state = 'exited';
    this.endReason = reason;
    this.endedAt = new Date();
    // Only a shell that exited has an exit status; ended from outside, there is none to report
    // (the terminal protocol's exit message still says -1, as documented there).
    this.exitCode = exitCode;
    this.timers.stop();
    const message = why ?? END_MESSAGES[reason];
    this.stream.finish({ exitCode: this.exitCode ?? -1, message, closeCode: reason === 'shutdown' ? CloseCode.ServerShutdown : CloseCode.SessionEnded });
    this.ending = (async () => {
      try {
        const last = [...this.observers].map((o) => {
          try {
            return o.releasing?.(this);
          } catch {
            return undefined;
          }
        });
        await Promise.allSettled(last);
        await this.options.release({ kill: reason !== 'exited' && !ENDS_EVERY_SHELL.has(reason) });
      } catch {
        // Left for the orphan reaper (see above).
      } finally {
        this.options.onEnded(this);
        this.tell((o) => o.ended?.(this));
      }
    })();
    return this.ending;
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
      toolbox: { containerId: this.stream.toolboxId, image: this.options.image },
      clients: this.stream.clientCount,
      owner: { ...this.owner },
      participants: this.participants.list(),
      ttyPath: `/api/sessions/${this.id}/tty`,
    };
  }
}
