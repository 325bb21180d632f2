import type { ParamValue, ResolvedTarget, RunInfo, ToolDefinition, ToolResult } from '@sonde/shared';
import { paramReader } from '@sonde/shared';
import type { RunningToolbox } from '../engine/types.js';
import { Session, type EndReason } from '../sessions/session.js';
import type { PolicyScope } from '../policy/target-policy.js';

/**
 * One run of a catalog tool: a toolbox whose entrypoint is the tool's argv, streamed through a
 * Session exactly like a shell (same frames, replay and flow control), plus the bound that
 * stops it and, for two-sided tools, the peer toolbox that lives and dies with it.
 */

/**
 * Output kept for the result parser: the first 2 MiB. The session's replay buffer cannot serve:
 * it keeps the most recent bytes only, and only a tail once an ended run has no viewer.
 * Parsed output (iperf3's JSON, dig, ping) is far smaller; a huge `ss` or `conntrack`
 * listing just has no structured result, its raw output is still streamed.
 */
const PARSE_LIMIT_BYTES = 2 * 1024 * 1024;

/** ETX: what Ctrl-C sends. Through the pty it interrupts the tool, which then prints its summary. */
const INTERRUPT = Buffer.from([3]);

/** The other side of a two-sided tool, already started and ready. */
export interface PeerToolbox {
  role: string;
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
  onEnded(run: ToolRun): void;
}

export class ToolRun {
  readonly id: string;
  readonly tool: ToolDefinition;
  readonly session: Session;
  readonly createdAt = new Date();
  limitReached = false;

  private limitTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private peerRemoval: Promise<void> | undefined;
  private parsed: { result: ToolResult | undefined } | undefined;
  private output: Buffer[] = [];
  private outputBytes = 0;

  constructor(private readonly options: ToolRunOptions) {
    this.id = options.id;
    this.tool = options.tool;
    this.session = new Session({
      id: options.id,
      owner: options.owner,
      target: options.target,
      scope: options.scope,
      image: options.image,
      toolbox: options.toolbox,
      replayBytes: options.replayBytes,
      // The limit, not the absence of viewers, ends a run (an API client may never attach).
      detachedGraceMs: (options.limitSeconds + 60) * 1000,
      removeToolbox: options.removeContainer,
      onEnded: () => void this.onSessionEnded(),
      endMessages: { exited: 'the tool exited', deleted: 'the run was cancelled' },
    });
    // Attached in the same tick as the session's listener, so no byte is missed.
    options.toolbox.stream.on('data', (chunk: Buffer) => {
      if (!this.tool.parse || this.outputBytes >= PARSE_LIMIT_BYTES) return;
      this.output.push(chunk);
      this.outputBytes += chunk.length;
    });
    this.limitTimer = setTimeout(() => this.reachLimit(), options.limitSeconds * 1000);
    this.limitTimer.unref();
  }

  get state(): 'running' | 'exited' {
    return this.session.state;
  }

  get running(): boolean {
    return this.session.state === 'running';
  }

  /** Container ids this run depends on: its target and, for two-sided tools, the peer's target. */
  dependsOn(containerId: string): boolean {
    const t = this.options.target;
    return (t.kind === 'container' && t.containerId === containerId) || this.options.peer?.containerId === containerId;
  }

  get toolboxIds(): string[] {
    return [this.session.toolboxId, ...(this.options.peer ? [this.options.peer.toolbox.id] : [])];
  }

  /** Interrupts the tool like Ctrl-C (so it prints its summary), then removes it after a grace period. */
  private reachLimit(): void {
    if (this.session.state !== 'running') return;
    this.limitReached = true;
    this.session.appendOutput(`\r\n[sonde] ${this.tool.id} reached its time limit (${this.options.limitSeconds} s): interrupting it.\r\n`);
    this.session.write(INTERRUPT);
    this.killTimer = setTimeout(() => void this.end('limit'), this.options.stopGraceMs);
    this.killTimer.unref();
  }

  /** Ends it from outside because access to it ended; the reason is written into its output first. */
  revoke(reason: 'access-revoked' | 'policy', detail: string): void {
    if (this.session.state !== 'running') return;
    this.session.appendOutput(`\r\n[sonde] This run is ending: ${detail}.\r\n`);
    void this.end(reason);
  }

  get owner(): { id: string; name: string } {
    return this.options.owner;
  }

  get target(): ResolvedTarget {
    return this.options.target;
  }

  /** Ends the run once: its toolbox and the peer's are removed when this resolves. */
  async end(reason: EndReason): Promise<void> {
    await Promise.all([this.session.end(reason), this.removePeer()]);
  }

  private async onSessionEnded(): Promise<void> {
    clearTimeout(this.limitTimer);
    clearTimeout(this.killTimer);
    this.parseOnce(); // now, so the kept output can go
    await this.removePeer();
    this.options.onEnded(this);
  }

  private removePeer(): Promise<void> {
    const peer = this.options.peer;
    if (!peer) return Promise.resolve();
    this.peerRemoval ??= (async () => {
      peer.toolbox.stream.removeAllListeners('data');
      peer.toolbox.stream.destroy();
      await this.options.removeContainer(peer.toolbox.id).catch(() => undefined);
    })();
    return this.peerRemoval;
  }

  /** The structured result, parsed once from the complete output when the tool has exited. */
  get result(): ToolResult | undefined {
    if (this.session.state !== 'exited') return undefined;
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
    const session = this.session;
    const result = this.result;
    const peer = this.options.peer;
    const exited = session.state === 'exited';
    return {
      id: this.id,
      tool: this.tool.id,
      owner: { ...this.options.owner },
      target: this.options.target,
      params: this.options.params,
      argv: this.options.argv,
      state: session.state,
      exitCode: exited ? (session.exitCode ?? -1) : null,
      createdAt: this.createdAt.toISOString(),
      ...(session.endedAt ? { endedAt: session.endedAt.toISOString() } : {}),
      ...(exited ? { endReason: this.limitReached ? 'limit' : (session.endReason ?? 'exited') } : {}),
      limitReached: this.limitReached,
      limitSeconds: this.options.limitSeconds,
      toolbox: { containerId: session.toolboxId, image: this.options.image },
      ...(peer
        ? { peer: { role: peer.role, containerId: peer.containerId, containerName: peer.containerName, address: peer.address, argv: peer.argv } }
        : {}),
      ...(result ? { result } : {}),
      ttyPath: `/api/runs/${this.id}/tty`,
    };
  }
}
