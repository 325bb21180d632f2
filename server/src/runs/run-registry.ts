import {
  ErrorCode,
  findTool,
  namespaceKey,
  paramReader,
  validateToolParams,
  type BuildContext,
  type CreateRunRequest,
  type ParamReader,
  type ResolvedTarget,
  type ToolDefinition,
} from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import { EngineError, type RunningToolbox, type ToolboxEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import type { PolicyContext } from '../policy/target-policy.js';
import { resolveTarget } from '../toolboxes/target-resolver.js';
import { LABELS, buildToolboxSpec, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { WorkloadRegistry, type TargetCheck, type WorkloadRegistryOptions } from '../toolboxes/workload-registry.js';
import { pickPeerAddress } from './peer-address.js';
import { ToolRun, type PeerToolbox } from './tool-run.js';
import type { TerminalMeter } from '../plugins/metrics-plugin.js';
import type { InteractivePriority } from '../sessions/interactive-priority.js';

export interface RunRegistryOptions extends Pick<WorkloadRegistryOptions<ToolRun>, 'engines' | 'admission' | 'isConsole' | 'log'> {
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
  /** Counts the runs' output (the metrics). */
  meter?: TerminalMeter;
  /** Keystrokes in sessions before a run's bulk output. */
  priority?: InteractivePriority;
}

/**
 * The pty of a run is wide so tools that size their columns to the terminal (ss) print one
 * record per line; runs ignore resizes, so what the parser reads never depends on a viewer.
 */
export const RUN_TERMINAL_SIZE = { cols: 200, rows: 50 } as const;

/** A run started from a session's drawer: it must go where the session's shell is. */
export interface RunStartOptions {
  session?: { id: string; target: ResolvedTarget };
}

/** How long a command found in the toolbox image is trusted to still be there. */
const COMMAND_CACHE_MS = 10 * 60 * 1000;

/** Most of a peer's output kept for the error message when it fails to start. */
const PEER_OUTPUT_BYTES = 16 * 1024;

/**
 * Tool runs: what is specific to them is the catalog lookup, parameter validation, the check
 * that the image has the tool, the peer toolbox of two-sided tools, and the run itself; the
 * rest is the workload registry's.
 */
export class RunRegistry extends WorkloadRegistry<ToolRun> {
  /** `engine NUL image NUL binary` → when it was last found on the image's PATH. */
  private readonly commandsFound = new Map<string, number>();

  constructor(private readonly settings: RunRegistryOptions) {
    super({
      kind: 'run',
      engines: settings.engines,
      admission: settings.admission,
      ...(settings.isConsole ? { isConsole: settings.isConsole } : {}),
      maxLive: settings.maxRuns,
      tooMany: (max) => new ApiError(429, ErrorCode.TooManyRuns, `This console already has ${max} runs going (SONDE_MAX_SESSIONS); wait for some to finish or cancel them.`),
      endedRetentionMs: settings.endedRetentionMs,
      log: settings.log,
    });
    this.onStarted((run) => settings.log.info({ run: run.id, tool: run.tool.id, target: run.target, argv: run.info().argv }, 'tool run started'));
    this.onEnded((run) => {
      const info = run.info();
      settings.log.info({ run: run.id, tool: run.tool.id, exitCode: info.exitCode, reason: info.endReason }, 'tool run ended');
    });
  }

  /**
   * Validates everything the request says before touching Docker, then starts the run. `check`
   * is the policy for every container it touches (its target, and a two-sided tool's peer).
   */
  async start(request: CreateRunRequest, principal: Principal, check: TargetCheck, options: RunStartOptions = {}): Promise<ToolRun> {
    const tool = findTool(request.tool);
    if (!tool) throw new ApiError(404, ErrorCode.ToolNotFound, `There is no tool "${request.tool}"; GET /api/tools lists them.`);
    const checked = validateToolParams(tool, request.params ?? {});
    if (!checked.ok) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.params.${checked.field} ${checked.reason}.`);
    const { toolbox, replayBytes, stopGraceMs } = this.settings;
    return this.create({
      principal,
      target: request.target,
      ...(tool.peer ? { alsoNeeds: ['container' as const] } : {}),
      check: (target, context) => {
        check(target, context);
        // Decided on the resolved target, before anything starts; a peer goes elsewhere by design.
        const session = options.session;
        if (session && namespaceKey(target) !== namespaceKey(session.target)) {
          throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.target is not where session ${session.id} runs; a run from a session's drawer goes into the session's own namespace.`);
        }
      },
      // A two-sided tool takes two places in the toolbox budget: its client and its peer.
      toolboxes: tool.peer ? 2 : 1,
      start: async ({ id, target, engine, context, scope, ended }) => {
        const params = paramReader(checked.values);
        const limitSeconds = Math.ceil(tool.limitSeconds(params));
        await this.requireCommand(engine, id, tool);
        let peer: PeerToolbox | undefined;
        const build: BuildContext = {};
        if (tool.peer) {
          peer = await this.startPeer(id, tool, params, { target, engine, context }, check);
          build.peerAddress = peer.address;
        }
        const argv = tool.build(params, build);
        let running: RunningToolbox;
        try {
          running = await engine.startToolbox(
            buildToolboxSpec(id, target, toolbox, { entrypoint: argv, capabilities: tool.capabilities, labels: { [LABELS.run]: id }, initialSize: RUN_TERMINAL_SIZE }),
          );
        } catch (error) {
          if (peer) {
            peer.toolbox.stream.destroy();
            await this.settings.engines.pick(peer.engine).engine.removeContainer(peer.toolbox.id).catch(() => undefined);
          }
          throw this.explainStartFailure(error, tool);
        }
        return new ToolRun({
          id,
          owner: { id: principal.id, name: principal.name },
          tool,
          target,
          scope,
          ...(options.session ? { sessionId: options.session.id } : {}),
          params: checked.values,
          argv,
          limitSeconds,
          image: toolbox.image,
          toolbox: running,
          ...(peer ? { peer } : {}),
          replayBytes,
          stopGraceMs,
          removeContainer: (containerId) => engine.removeContainer(containerId),
          ...(peer ? { removePeer: (containerId: string) => this.settings.engines.pick(peer.engine).engine.removeContainer(containerId) } : {}),
          onEnded: ended,
          ...(this.settings.meter ? { meter: this.settings.meter } : {}),
          ...(this.settings.priority ? { priority: this.settings.priority } : {}),
        });
      },
    });
  }

  /**
   * The container a two-sided tool's peer parameter names: on the client's engine first, else on
   * the one other engine that has it (a Swarm task on another node), each engine asked within its
   * deadline. A name more than one other engine has is refused rather than guessed.
   */
  private async findPeer(ref: string, client: { engine: ToolboxEngine; context: PolicyContext }): Promise<{ engine: ToolboxEngine; target: ResolvedTarget; context: PolicyContext }> {
    try {
      return { engine: client.engine, target: resolveTarget({ kind: 'container', container: ref }, client.context), context: client.context };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== ErrorCode.TargetNotFound) throw error;
      // Peers are containers: only Docker engines have them.
      const others = await this.settings.engines.gather(async (h) => (h.name === client.engine.name || h.engine.kind === 'kubernetes' ? [] : h.engine.listContainers()));
      const found = others.values.filter((v) => v.value.some((c) => c.id === ref || c.name === ref));
      if (found.length !== 1) throw found.length > 1 ? new ApiError(409, ErrorCode.TargetAmbiguous, `"${ref}" is on several engines (${found.map((f) => f.engine).join(', ')}); name it by id.`) : error;
      const handle = this.settings.engines.pick(found[0]!.engine);
      const context: PolicyContext = { engine: handle.name, containers: found[0]!.value, networks: [], ...(this.settings.isConsole ? { isConsole: this.settings.isConsole } : {}) };
      return { engine: handle.engine, target: resolveTarget({ kind: 'container', container: ref }, context), context };
    }
  }

  /** Starts the peer side of a two-sided tool in the container its parameter names, and waits until it is ready. */
  private async startPeer(id: string, tool: ToolDefinition, params: ParamReader, client: { target: ResolvedTarget; engine: ToolboxEngine; context: PolicyContext }, check: TargetCheck): Promise<PeerToolbox> {
    const side = tool.peer!;
    const field = `params.${side.param}`;
    let found: Awaited<ReturnType<RunRegistry['findPeer']>>;
    try {
      found = await this.findPeer(params.text(side.param), client);
    } catch (error) {
      if (error instanceof ApiError) throw new ApiError(error.statusCode, error.code, `${field}: ${error.message}`);
      throw error;
    }
    const peerTarget = found.target;
    if (peerTarget.kind !== 'container') throw new Error('a peer is always a container');
    // The peer side runs in a second container: the policy must allow that one too.
    check(peerTarget, found.context);
    const summary = found.context.containers.find((c) => c.id === peerTarget.containerId)!;
    const address = pickPeerAddress(summary, client.target, client.context.containers);
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
      toolbox = await found.engine.startToolbox(
        buildToolboxSpec(id, peerTarget, this.settings.toolbox, {
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
    const ready = await waitForOutput(toolbox, side.ready, this.settings.peerReadyMs);
    if (!ready.ok) {
      toolbox.stream.destroy();
      await found.engine.removeContainer(toolbox.id).catch(() => undefined);
      const said = ready.output.trim().split(/\r?\n/).slice(-5).join(' / ');
      throw new ApiError(502, ErrorCode.PeerFailed, `The ${side.role} in "${summary.name}" did not start${said ? `: ${said}` : ` within ${this.settings.peerReadyMs / 1000} s`}.`);
    }
    return { role: side.role, engine: found.engine.name, toolbox, containerId: summary.id, containerName: summary.name, address, argv };
  }

  /**
   * Refuses a tool whose binary the image lacks (nicolaka/netshoot has no drill, for example)
   * before anything runs. Found commands are remembered for a while per image.
   */
  private async requireCommand(engine: ToolboxEngine, id: string, tool: ToolDefinition): Promise<void> {
    const { image, instance } = this.settings.toolbox;
    const key = `${engine.name}\u0000${image}\u0000${tool.binary}`;
    const seen = this.commandsFound.get(key);
    if (seen !== undefined && Date.now() - seen < COMMAND_CACHE_MS) return;
    // Labelled with the run's id, so the reaper knows it belongs to a run being started.
    const labels = { [LABELS.managed]: 'true', [LABELS.instance]: instance, [LABELS.session]: id, [LABELS.run]: id };
    if (!(await engine.hasCommand(image, tool.binary, labels))) throw this.missingCommand(tool);
    this.commandsFound.set(key, Date.now());
  }

  private missingCommand(tool: ToolDefinition): ApiError {
    return new ApiError(
      424,
      ErrorCode.ToolMissing,
      `The toolbox image ${this.settings.toolbox.image} has no "${tool.binary}" command, so "${tool.title}" cannot run there. Use an image that has it (sonde-toolbox has every catalog tool).`,
    );
  }

  /** Docker's own report of a missing executable (images without an init), as a clear error. */
  private explainStartFailure(error: unknown, tool: ToolDefinition): unknown {
    if (error instanceof EngineError && error.kind === 'failed' && /executable file not found|no such file or directory/i.test(error.message)) {
      return this.missingCommand(tool);
    }
    return error;
  }
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
