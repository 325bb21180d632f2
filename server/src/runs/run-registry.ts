import { randomBytes } from 'node:crypto';
import {
  ErrorCode,
  findTool,
  paramReader,
  validateToolParams,
  type BuildContext,
  type ContainerSummary,
  type CreateRunRequest,
  type ParamReader,
  type ParamValue,
  type ResolvedTarget,
  type ToolDefinition,
} from '@sonde/shared';
import { EngineError, type ContainerEngine, type EngineEvent, type RunningToolbox } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import { resolveTarget } from '../sessions/target-resolver.js';
import { targetInventory, type TargetCheck } from '../sessions/session-registry.js';
import { LABELS, buildToolboxSpec, type ToolboxSettings } from '../sessions/toolbox-spec.js';
import type { Principal } from '../auth/principal.js';
import { scopeOf, type PolicyContext } from '../policy/target-policy.js';
import type { Admission, WorkloadAdmission } from '../toolboxes/workload-admission.js';
import { pickPeerAddress } from './peer-address.js';
import { ToolRun, type PeerToolbox } from './tool-run.js';

export interface RunRegistryOptions {
  engine: ContainerEngine;
  toolbox: ToolboxSettings;
  /** Live runs per console (they count separately from shell sessions). */
  maxRuns: number;
  replayBytes: number;
  /** How long an ended run stays listed, with its result. */
  endedRetentionMs: number;
  /** How long a tool interrupted at its limit may take to print its summary and exit. */
  stopGraceMs: number;
  /** How long the peer of a two-sided tool may take to say it is ready. */
  peerReadyMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  admission: WorkloadAdmission;
  isConsole?: (containerId: string) => boolean;
}

/**
 * The pty of a run is wide so tools that size their columns to the terminal (ss) print one
 * record per line; runs ignore resizes, so what the parser reads never depends on a viewer.
 */
export const RUN_TERMINAL_SIZE = { cols: 200, rows: 50 } as const;

/** How long a command found in the toolbox image is trusted to still be there. */
const COMMAND_CACHE_MS = 10 * 60 * 1000;

/** Most of a peer's output kept for the error message when it fails to start. */
const PEER_OUTPUT_BYTES = 16 * 1024;

/**
 * Every tool run of this console. Runs reuse the session machinery (toolbox containment,
 * labels, the terminal stream); this adds the catalog lookup, parameter validation, the
 * peer toolbox of two-sided tools, and the retention of finished runs with their results.
 */
export class RunRegistry {
  private readonly live = new Map<string, ToolRun>();
  private readonly ended = new Map<string, { run: ToolRun; timer: NodeJS.Timeout }>();
  private readonly creating = new Set<Promise<unknown>>();
  private accepting = true;
  /** `image NUL binary` → when it was last found on the image's PATH. */
  private readonly commandsFound = new Map<string, number>();
  private readonly admissions = new Map<string, Admission>();

  constructor(private readonly options: RunRegistryOptions) {}

  list(): ToolRun[] {
    return [...this.live.values(), ...[...this.ended.values()].map((e) => e.run)];
  }

  get(id: string): ToolRun | undefined {
    return this.live.get(id) ?? this.ended.get(id)?.run;
  }

  /** Validates everything a request says before touching Docker, then starts the run. */
  /** `check` is the policy for every container the run touches (its target, and a two-sided tool's peer). */
  async create(request: CreateRunRequest, principal: Principal, check: TargetCheck): Promise<ToolRun> {
    if (!this.accepting) throw shuttingDown();
    const tool = findTool(request.tool);
    if (!tool) throw new ApiError(404, ErrorCode.ToolNotFound, `There is no tool "${request.tool}"; GET /api/tools lists them.`);
    const checked = validateToolParams(tool, request.params ?? {});
    if (!checked.ok) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.params.${checked.field} ${checked.reason}.`);
    if (this.live.size + this.creating.size >= this.options.maxRuns) {
      throw new ApiError(429, ErrorCode.TooManyRuns, `This console already has ${this.options.maxRuns} runs going; wait for some to finish or cancel them.`);
    }
    // A two-sided tool takes two places in the toolbox budget: its client and its peer.
    const admission = this.options.admission.admit(principal, 'run', tool.peer ? 2 : 1);
    const work = this.start(tool, checked.values, request.target, principal, check, admission);
    this.creating.add(work);
    try {
      return await work;
    } catch (error) {
      admission.release();
      throw error;
    } finally {
      this.creating.delete(work);
    }
  }

  private async start(tool: ToolDefinition, values: Record<string, ParamValue>, request: CreateRunRequest['target'], principal: Principal, check: TargetCheck, admission: Admission): Promise<ToolRun> {
    const { engine } = this.options;
    const owner = { id: principal.id, name: principal.name };
    const inventory = await targetInventory(engine, tool.peer ? [request.kind, 'container'] : [request.kind]);
    const scope: PolicyContext = { ...inventory, ...(this.options.isConsole ? { isConsole: this.options.isConsole } : {}) };
    const target = resolveTarget(request, scope);
    check(target, scope);
    const params = paramReader(values);
    const id = randomBytes(16).toString('hex');
    const limitSeconds = Math.ceil(tool.limitSeconds(params));
    await this.requireCommand(id, tool);

    let peer: PeerToolbox | undefined;
    const context: BuildContext = {};
    if (tool.peer) {
      peer = await this.startPeer(id, tool, params, target, scope, check);
      context.peerAddress = peer.address;
    }
    const argv = tool.build(params, context);
    let toolbox: RunningToolbox;
    try {
      toolbox = await engine.startToolbox(
        buildToolboxSpec(id, target, this.options.toolbox, {
          entrypoint: argv,
          capabilities: tool.capabilities,
          labels: { [LABELS.run]: id },
          initialSize: RUN_TERMINAL_SIZE,
        }),
      );
    } catch (error) {
      if (peer) {
        peer.toolbox.stream.destroy();
        await engine.removeContainer(peer.toolbox.id).catch(() => undefined);
      }
      throw this.explainStartFailure(error, tool);
    }
    const run = new ToolRun({
      id,
      owner,
      tool,
      target,
      scope: scopeOf(target, scope),
      params: values,
      argv,
      limitSeconds,
      image: this.options.toolbox.image,
      toolbox,
      ...(peer ? { peer } : {}),
      replayBytes: this.options.replayBytes,
      stopGraceMs: this.options.stopGraceMs,
      removeContainer: (containerId) => engine.removeContainer(containerId),
      onEnded: (r) => this.retire(r),
    });
    this.live.set(id, run);
    this.admissions.set(id, admission);
    admission.hold({ kind: 'run', id, owner, target, revoke: (reason, detail) => run.revoke(reason, detail) });
    if (!this.accepting) {
      await run.end('shutdown');
      throw shuttingDown();
    }
    this.options.log.info({ run: id, tool: tool.id, target, argv }, 'tool run started');
    return run;
  }

  /** Starts the peer side of a two-sided tool in the container its parameter names, and waits until it is ready. */
  private async startPeer(id: string, tool: ToolDefinition, params: ParamReader, client: ResolvedTarget, scope: PolicyContext, check: TargetCheck): Promise<PeerToolbox> {
    const side = tool.peer!;
    const field = `params.${side.param}`;
    const containers: readonly ContainerSummary[] = scope.containers;
    let peerTarget: ResolvedTarget;
    try {
      peerTarget = resolveTarget({ kind: 'container', container: params.text(side.param) }, scope);
    } catch (error) {
      if (error instanceof ApiError) throw new ApiError(error.statusCode, error.code, `${field}: ${error.message}`);
      throw error;
    }
    if (peerTarget.kind !== 'container') throw new Error('a peer is always a container');
    // The peer side runs in a second container: the policy must allow that one too.
    check(peerTarget, scope);
    const summary = containers.find((c) => c.id === peerTarget.containerId)!;
    const address = pickPeerAddress(summary, client, containers);
    if (!address) {
      throw new ApiError(
        409,
        ErrorCode.NoSharedNetwork,
        `${field}: "${summary.name}" has no address the target can reach (they share no Docker network); connect them to one network first.`,
      );
    }
    const argv = side.build(params);
    let toolbox: RunningToolbox;
    try {
      toolbox = await this.options.engine.startToolbox(
        buildToolboxSpec(id, peerTarget, this.options.toolbox, {
          entrypoint: argv,
          capabilities: tool.capabilities,
          name: `sonde-${id}-peer`,
          labels: { [LABELS.run]: id },
          initialSize: RUN_TERMINAL_SIZE,
        }),
      );
    } catch (error) {
      throw this.explainStartFailure(error, tool);
    }
    const ready = await waitForOutput(toolbox, side.ready, this.options.peerReadyMs);
    if (!ready.ok) {
      toolbox.stream.destroy();
      await this.options.engine.removeContainer(toolbox.id).catch(() => undefined);
      const said = ready.output.trim().split(/\r?\n/).slice(-5).join(' / ');
      throw new ApiError(502, ErrorCode.PeerFailed, `The ${side.role} in "${summary.name}" did not start${said ? `: ${said}` : ` within ${this.options.peerReadyMs / 1000} s`}.`);
    }
    return { role: side.role, toolbox, containerId: summary.id, containerName: summary.name, address, argv };
  }

  /**
   * Refuses a tool whose binary the image lacks (nicolaka/netshoot has no drill, for example)
   * before anything runs. Found commands are remembered for a while per image.
   */
  private async requireCommand(id: string, tool: ToolDefinition): Promise<void> {
    const { image, instance } = this.options.toolbox;
    const key = `${image}\u0000${tool.binary}`;
    const seen = this.commandsFound.get(key);
    if (seen !== undefined && Date.now() - seen < COMMAND_CACHE_MS) return;
    const labels = { [LABELS.managed]: 'true', [LABELS.instance]: instance, [LABELS.run]: id };
    if (!(await this.options.engine.hasCommand(image, tool.binary, labels))) throw this.missingCommand(tool);
    this.commandsFound.set(key, Date.now());
  }

  private missingCommand(tool: ToolDefinition): ApiError {
    return new ApiError(
      424,
      ErrorCode.ToolMissing,
      `The toolbox image ${this.options.toolbox.image} has no "${tool.binary}" command, so "${tool.title}" cannot run there. Use an image that has it (sonde-toolbox has every catalog tool).`,
    );
  }

  /** Docker's own report of a missing executable (images without an init), as a clear error. */
  private explainStartFailure(error: unknown, tool: ToolDefinition): unknown {
    if (error instanceof EngineError && error.kind === 'failed' && /executable file not found|no such file or directory/i.test(error.message)) {
      return this.missingCommand(tool);
    }
    return error;
  }

  private retire(run: ToolRun): void {
    if (!this.live.delete(run.id)) return;
    this.admissions.get(run.id)?.release();
    this.admissions.delete(run.id);
    const info = run.info();
    this.options.log.info({ run: run.id, tool: run.tool.id, exitCode: info.exitCode, reason: info.endReason }, 'tool run ended');
    const timer = setTimeout(() => this.ended.delete(run.id), this.options.endedRetentionMs);
    timer.unref();
    this.ended.set(run.id, { run, timer });
  }

  /** Cancels a run; resolves once its toolboxes are removed. False when the id is unknown. */
  async end(id: string): Promise<boolean> {
    const run = this.live.get(id);
    if (!run) return this.ended.has(id);
    await run.end('deleted');
    return true;
  }

  /** A run whose target (or peer container) stops ends with it. */
  handleEngineEvent(event: EngineEvent): void {
    if (event.kind !== 'container' || !['die', 'stop', 'destroy'].includes(event.action)) return;
    for (const run of this.live.values()) {
      if (run.dependsOn(event.id)) void run.end('target-stopped');
    }
  }

  engineLost(): void {
    for (const run of this.live.values()) void run.end('engine-lost');
  }

  /** Toolbox ids of live runs (their client and peer containers). */
  ownedToolboxes(): Set<string> {
    return new Set([...this.live.values()].flatMap((r) => r.toolboxIds));
  }

  /** Refuses new runs, ends every live one and waits until their toolboxes are removed. */
  async shutdown(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.creating]);
    await Promise.allSettled([...this.live.values()].map((r) => r.end('shutdown')));
    for (const { timer } of this.ended.values()) clearTimeout(timer);
  }
}

function shuttingDown(): ApiError {
  return new ApiError(503, ErrorCode.ShuttingDown, 'Sonde is shutting down and accepts no new runs.');
}

/** Reads a toolbox's output until `pattern` shows, it ends, or time runs out; keeps reading after (a pty must be drained). */
function waitForOutput(toolbox: RunningToolbox, pattern: RegExp, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok, output });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    toolbox.stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      output = (output + chunk.toString('utf8')).slice(-PEER_OUTPUT_BYTES);
      if (pattern.test(output)) finish(true);
    });
    toolbox.stream.once('end', () => finish(false));
    toolbox.stream.once('close', () => finish(false));
    toolbox.stream.once('error', () => finish(false));
  });
}
