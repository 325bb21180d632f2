import { CloseCode, paramReader, type ParamValue, type ParticipantRole, type ResolvedTarget, type RunInfo, type ToolDefinition, type ToolResult } from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import type { TerminalMeter } from '../plugins/metrics-plugin.js';
import type { PolicyScope } from '../policy/target-policy.js';
import { TerminalStream, type Attachment, type AttachmentHandler, type ClientChannel, type ParticipantIdentity } from '../sessions/terminal-stream.js';
import { livesIn, type CommonEndReason, type Workload } from '../toolboxes/workload.js';
import type { InteractivePriority } from '../sessions/interactive-priority.js';

/**
 * One run of a catalog tool: a toolbox whose entrypoint is the tool's argv, served through a
 * terminal stream exactly like a shell (same frames, replay and flow control) but read-only,
 * plus the bound that stops it and, for two-sided tools, the peer toolbox that lives and dies
 * with it.
 */

/**
 * Output kept for the result parser: the first 2 MiB. The replay buffer cannot serve: it keeps
 * the most recent bytes only, and only a tail once an ended run has no viewer. Parsed output
 * (iperf3's JSON, dig, ping) is far smaller; a huge `ss` or `conntrack` listing just has no
 * structured result, its raw output is still streamed.
 */
const PARSE_LIMIT_BYTES = 2 * 1024 * 1024;

/** ETX: what Ctrl-C sends. Through the pty it interrupts the tool, which then prints its summary. */
const INTERRUPT = Buffer.from([3]);

export type RunEndReason = 'exited' | 'limit' | CommonEndReason;

const END_MESSAGES: Record<RunEndReason, string> = {
  exited: 'the tool exited',
  limit: 'the tool reached its time limit',
  deleted: 'the run was cancelled',
  'target-stopped': 'the target container stopped',
  shutdown: 'the Sonde server is shutting down',
  'engine-lost': 'the connection to Docker was lost',
  'access-revoked': "its owner's access was revoked",
  policy: 'the target policy no longer allows this target',
};

/** A run's output is read-only: what viewers send is dropped (the socket does not even pass it on). */
const READ_ONLY: AttachmentHandler = {
  input: () => undefined,
  resize: () => undefined,
  setRole: () => undefined,
  detached: () => undefined,
};

/** The other side of a two-sided tool, already started and ready. */
export interface PeerToolbox {
  role: string;
  /** The engine it runs on (the peer container's, maybe not the client's). */
  engine: string;
  toolbox: RunningToolbox;
  /** The container whose namespace it runs in. */
  containerId: string;
  containerName: string;
  address: string;
  argv: string[];
}

export interface ToolRunOptions {
  id: string;
  owner: { id: string; name: string };
  tool: ToolDefinition;
  target: ResolvedTarget;
  scope: PolicyScope;
  /** The session whose drawer started it. */
  sessionId?: string;
  params: Record<string, ParamValue>;
  argv: string[];
  limitSeconds: number;
  image: string;
  toolbox: RunningToolbox;
  peer?: PeerToolbox;
  replayBytes: number;
  /** How long a tool interrupted at its limit may take to exit before its toolbox is removed. */
  stopGraceMs: number;
  removeContainer(id: string): Promise<void>;
  /** Removes the peer's toolbox (on the peer's engine). */
  removePeer?(id: string): Promise<void>;
  onEnded(run: ToolRun): void;
  /** Counts the output's traffic (the metrics). */
  meter?: TerminalMeter;
  /** Keystrokes in sessions before a run's bulk output. */
  priority?: InteractivePriority;
}

export class ToolRun implements Workload {
  readonly id: string;
  readonly tool: ToolDefinition;
  readonly createdAt = new Date();
  limitReached = false;
  state: 'running' | 'exited' = 'running';
  endedAt: Date | undefined;
  exitCode: number | undefined;
  endReason: RunEndReason | undefined;

  private readonly stream: TerminalStream;
  private limitTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private parsed: { result: ToolResult | undefined } | undefined;
  private output: Buffer[] = [];
  private outputBytes = 0;
  private readonly endListeners = new Set<(run: ToolRun) => void>();

  constructor(private readonly options: ToolRunOptions) {
    this.id = options.id;
    this.tool = options.tool;
    this.stream = new TerminalStream({
      id: options.id,
      toolbox: options.toolbox,
      replayBytes: options.replayBytes,
      onEnd: (result) => void (result === 'lost' ? this.end('engine-lost') : this.end('exited', result.exitCode)),
      ...(options.meter ? { meter: options.meter } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
    });
    // The parser reads the output from the start, from the same stream the viewers get.
    this.stream.onOutputChunk((chunk) => {
      if (!this.tool.parse || this.outputBytes >= PARSE_LIMIT_BYTES) return;
      this.output.push(chunk);
      this.outputBytes += chunk.length;
    });
    this.limitTimer = setTimeout(() => this.reachLimit(), options.limitSeconds * 1000);
    this.limitTimer.unref();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get owner(): { id: string; name: string } {
    return this.options.owner;
  }

  get sessionId(): string | undefined {
    return this.options.sessionId;
  }

  get target(): ResolvedTarget {
    return this.options.target;
  }

  get scope(): PolicyScope {
    return this.options.scope;
  }

  get clientCount(): number {
    return this.stream.clientCount;
  }

  get toolboxIds(): readonly string[] {
    return [this.stream.toolboxId, ...(this.options.peer ? [this.options.peer.toolbox.id] : [])];
  }

  /** Containers this run depends on: its target and, for two-sided tools, the peer's target (maybe on another engine). */
  dependsOn(engine: string, objectId: string): boolean {
    const t = this.options.target;
    const peer = this.options.peer;
    return (t.engine === engine && livesIn(t) === objectId) || (peer?.engine === engine && peer.containerId === objectId);
  }

  usesEngine(engine: string): boolean {
    return this.options.target.engine === engine || this.options.peer?.engine === engine;
  }

  /**
   * A viewer follows the output; a run takes no input, resizes or hand-overs. A running run's
   * record goes first (an ended one's comes with its end, after the output: see end()).
   */
  attach(channel: ClientChannel, fromOffset: number | undefined, participant: ParticipantIdentity, _initialRole?: ParticipantRole): Attachment {
    return this.stream.attach(channel, fromOffset, participant, READ_ONLY, (attachment) => {
      if (this.running) attachment.channel.sendControl({ type: 'run', run: this.info() });
    });
  }

  /** Interrupts the tool like Ctrl-C (so it prints its summary), then removes it after a grace period. */
  private reachLimit(): void {
    if (!this.running) return;
    this.limitReached = true;
    this.stream.appendOutput(`\r\n[sonde] ${this.tool.id} reached its time limit (${this.options.limitSeconds} s): interrupting it.\r\n`);
    this.stream.write(INTERRUPT);
    this.killTimer = setTimeout(() => void this.end('limit'), this.options.stopGraceMs);
    this.killTimer.unref();
  }

  /**
   * Calls `listener` once, when the run ends (the moment it ends, before its toolboxes are
   * removed); at once if it has already ended.
   */
  whenEnded(listener: (run: ToolRun) => void): void {
    if (!this.running) listener(this);
    else this.endListeners.add(listener);
  }

  /** Ends it from outside because access to it ended; the reason is written into its output first. */
  revoke(reason: 'access-revoked' | 'policy', detail: string): void {
    if (!this.running) return;
    this.stream.appendOutput(`\r\n[sonde] This run is ending: ${detail}.\r\n`);
    void this.end(reason);
  }

  /** Ends the run once: its toolbox and the peer's are removed when this resolves. Never rejects. */
  end(reason: RunEndReason, exitCode?: number): Promise<void> {
    if (this.ending) return this.ending;
    this.state = 'exited';
    this.endReason = reason;
    this.endedAt = new Date();
    this.exitCode = exitCode ?? (reason === 'exited' ? undefined : -1);
    clearTimeout(this.limitTimer);
    clearTimeout(this.killTimer);
    this.parseOnce(); // now, so the kept output can go
    for (const listener of this.endListeners) {
      try {
        listener(this);
      } catch {
        // A follower (a recording's marker) must never break the run's end.
      }
    }
    this.endListeners.clear();
    const message = END_MESSAGES[reason];
    // The final record (state, exit code, result) follows the last output byte: the result is pushed.
    this.stream.finish({
      exitCode: this.exitCode ?? -1,
      message,
      closeCode: reason === 'shutdown' ? CloseCode.ServerShutdown : CloseCode.SessionEnded,
      last: { type: 'run', run: this.info() },
    });
    const peer = this.options.peer;
    if (peer) {
      peer.toolbox.stream.removeAllListeners('data');
      peer.toolbox.stream.destroy();
    }
    this.ending = (async () => {
      await Promise.all([
        this.options.removeContainer(this.stream.toolboxId).catch(() => undefined),
        peer ? (this.options.removePeer ?? this.options.removeContainer)(peer.toolbox.id).catch(() => undefined) : undefined,
      ]);
      this.options.onEnded(this);
    })();
    return this.ending;
  }

  /** The structured result, parsed once from the complete output when the tool has exited. */
  get result(): ToolResult | undefined {
    if (this.running) return undefined;
    return this.parseOnce();
  }

  private parseOnce(): ToolResult | undefined {
    if (!this.tool.parse) return undefined;
    if (!this.parsed) {
      const output = Buffer.concat(this.output).subarray(0, PARSE_LIMIT_BYTES).toString('utf8');
      this.output = [];
      const t = this.options.target;
      let result: ToolResult | undefined;
      try {
        result = this.tool.parse(output, paramReader(this.options.params), { sharePid: t.kind === 'container' && t.sharePid });
      } catch {
        result = undefined; // A parser bug must not break the run: the raw output is still there.
      }
      this.parsed = { result };
    }
    return this.parsed.result;
  }

  info(): RunInfo {
    const result = this.result;
    const peer = this.options.peer;
    const exited = !this.running;
    return {
      id: this.id,
      tool: this.tool.id,
      owner: { ...this.options.owner },
      target: this.options.target,
      ...(this.options.sessionId ? { sessionId: this.options.sessionId } : {}),
      params: this.options.params,
      argv: this.options.argv,
      state: this.state,
      exitCode: exited ? (this.exitCode ?? -1) : null,
      createdAt: this.createdAt.toISOString(),
      ...(this.endedAt ? { endedAt: this.endedAt.toISOString() } : {}),
      ...(exited ? { endReason: this.limitReached ? 'limit' : (this.endReason ?? 'exited') } : {}),
      limitReached: this.limitReached,
      limitSeconds: this.options.limitSeconds,
      toolbox: { containerId: this.stream.toolboxId, image: this.options.image },
      ...(peer
        ? { peer: { role: peer.role, containerId: peer.containerId, containerName: peer.containerName, address: peer.address, argv: peer.argv } }
        : {}),
      ...(result ? { result } : {}),
      ttyPath: `/api/runs/${this.id}/tty`,
    };
  }
}
