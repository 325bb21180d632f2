import { randomBytes } from 'node:crypto';
import { ErrorCode, type ContainerSummary, type CreateMatrixRequest, type MatrixCell, type MatrixEvent, type MatrixSkipped, type NetworkMember, type NetworkSummary } from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import type { EngineEvent } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';
import type { PolicyContext } from '../policy/target-policy.js';
import { CONSOLE_LABEL, DENY_LABEL, pickByRef, targetInventory, type ResolvedOnEngine } from '../toolboxes/target-resolver.js';
import { LABELS, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { WorkloadRegistry, type TargetCheck, type WorkloadRegistryOptions } from '../toolboxes/workload-registry.js';
import { MatrixRun, type MemberPlan } from './matrix-run.js';
import { NamespaceToolbox } from './namespace-toolbox.js';
import { ProgressFeed, type Progress } from './progress-feed.js';

export interface MatrixRegistryOptions extends Pick<WorkloadRegistryOptions<MatrixRun>, 'engines' | 'admission' | 'isConsole' | 'log'> {
  toolbox: ToolboxSettings;
  maxMembers: number;
  /** Probes in flight at once, over one whole matrix. */
  parallelism: number;
  timeLimitMs: number;
  /** Matrices going at once on this console. */
  maxLive: number;
  endedRetentionMs: number;
  maxEnded: number;
}

export type MatrixProgress = Progress<MatrixRun, MatrixEvent>;

/**
 * Connectivity matrices: what is specific to them is choosing the members (the network's
 * containers, or the ones named, each allowed by the policy or listed as skipped with the
 * reason), one toolbox per member, and probing one cell again; the rest is the workload
 * registry's. A matrix takes one place in the toolbox budget per member.
 */
export class MatrixRegistry extends WorkloadRegistry<MatrixRun> {
  private readonly progress = new ProgressFeed<MatrixRun, MatrixEvent>();

  constructor(private readonly settings: MatrixRegistryOptions) {
    super({
      kind: 'matrix',
      engines: settings.engines,
      admission: settings.admission,
      ...(settings.isConsole ? { isConsole: settings.isConsole } : {}),
      maxLive: settings.maxLive,
      tooMany: (max) => new ApiError(429, ErrorCode.TooManyDiagnoses, `This console already has ${max} connectivity matrices going; wait for one to finish or cancel it.`),
      endedRetentionMs: settings.endedRetentionMs,
      maxEnded: settings.maxEnded,
      log: settings.log,
    });
    this.onStarted((run) => {
      const info = run.info();
      settings.log.info({ matrix: run.id, network: info.network.name, members: info.members.length, skipped: info.skipped.length, checks: info.checks }, 'matrix started');
    });
    this.onEnded((run) => {
      const info = run.info();
      settings.log.info({ matrix: run.id, reason: info.endReason, elapsedMs: info.elapsedMs, cells: info.cells.length }, 'matrix ended');
    });
  }

  onProgress(listener: (progress: MatrixProgress) => void): () => void {
    return this.progress.listen(listener);
  }

  /**
   * Chooses the members, then starts. The toolbox budget is taken for the members found in a
   * first look at the network; the run probes those of them still there when it starts.
   */
  async start(request: CreateMatrixRequest, principal: Principal, check: TargetCheck): Promise<MatrixRun> {
    const startedAt = performance.now();
    const resolve = () => this.resolveNetwork(request);
    const first = await resolve();
    const planned = this.choose(request, first.context, check);
    const memberIds = new Set(planned.members.map((m) => m.id));
    const { maxMembers, parallelism, timeLimitMs, toolbox } = this.settings;
    return this.create({
      principal,
      target: { kind: 'network', network: request.network, ...(request.engine ? { engine: request.engine } : {}) },
      resolve,
      // The matrix never joins the network: each member is checked instead, when chosen.
      check: () => undefined,
      toolboxes: memberIds.size,
      start: async ({ id, target, engine, context, ended }) => {
        if (target.kind !== 'network') throw new Error('a matrix runs on a network');
        const chosen = this.choose(request, context, check);
        const members = chosen.members.filter((m) => memberIds.has(m.id));
        if (members.length < 2) throw tooSmall(target.networkName, members.length, chosen.skipped);
        const run: MatrixRun = new MatrixRun({
          id,
          owner: { id: principal.id, name: principal.name },
          target,
          checks: [...request.checks],
          members,
          skipped: chosen.skipped,
          limits: { maxMembers, parallelism, timeLimitMs },
          startedAt,
          startToolbox: (member, index) =>
            NamespaceToolbox.start(
              { kind: 'container', engine: member.engine, containerId: member.id, containerName: member.name, sharePid: false },
              {
                engine,
                settings: toolbox,
                runId: id,
                label: LABELS.matrix,
                name: `sonde-matrix-${id.slice(0, 12)}-${index}-${randomBytes(2).toString('hex')}`,
                lifetimeSeconds: timeLimitMs / 1000 + 30,
                capabilities: ['NET_RAW'],
              },
            ),
          onEvent: (event) => this.progress.publish(run, event),
          onEnded: ended,
        });
        run.start().catch((error: unknown) => this.settings.log.warn({ matrix: id, err: error instanceof Error ? error.message : String(error) }, 'matrix failed'));
        return run;
      },
    });
  }

  /**
   * The network on the engine the request names (or the only one), with that engine's containers
   * and networks. Unlike a network target it is never joined, so any network with members will
   * do, a Swarm overlay that is not attachable too (its members are the tasks on that engine).
   */
  private async resolveNetwork(request: CreateMatrixRequest): Promise<ResolvedOnEngine> {
    const handle = this.settings.engines.pickDocker(request.engine, 'body.engine');
    const context = { ...(await targetInventory(handle.engine, ['network', 'container'])), ...(this.settings.isConsole ? { isConsole: this.settings.isConsole } : {}) };
    let network: NetworkSummary;
    try {
      network = pickByRef(context.networks, request.network, 'network');
    } catch (error) {
      if (error instanceof ApiError) throw new ApiError(error.statusCode, error.code, `body.network: ${error.message}`);
      throw error;
    }
    return { handle, context, target: { kind: 'network', engine: handle.name, networkId: network.id, networkName: network.name } };
  }

  /** The network's members (or the ones named) the principal may probe, and the others with why. */
  private choose(request: CreateMatrixRequest, context: PolicyContext, check: TargetCheck): { members: MemberPlan[]; skipped: MatrixSkipped[] } {
    const network = pickByRef(context.networks, request.network, 'network');
    if (network.name === 'host' || network.name === 'none') {
      throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.network "${network.name}" gives its containers no namespace of their own; choose a bridge or overlay network.`);
    }
    let candidates: NetworkMember[] = network.containers;
    if (request.members) {
      const chosen = new Map<string, NetworkMember>();
      for (const [index, ref] of request.members.entries()) {
        try {
          const member = pickByRef(network.containers, ref, 'container on this network');
          chosen.set(member.id, member);
        } catch (error) {
          if (error instanceof ApiError) throw new ApiError(error.statusCode, error.code, `body.members.${index}: ${error.message.replace(/\.$/, '')} (network ${network.name}).`);
          throw error;
        }
      }
      candidates = [...chosen.values()];
    }
    const selected = selectMembers(candidates, context, check);
    if (selected.members.length > this.settings.maxMembers) {
      throw new ApiError(
        400,
        ErrorCode.MatrixTooLarge,
        `Network ${network.name} has ${selected.members.length} members the matrix could probe; at most ${this.settings.maxMembers} at once (SONDE_MATRIX_MAX_MEMBERS). Name the ones you want in "members".`,
      );
    }
    if (selected.members.length < 2) throw tooSmall(network.name, selected.members.length, selected.skipped);
    return selected;
  }

  /**
   * Probes one cell again, after checking that both ends are still containers the principal may
   * reach (the policy may have changed since the run started). A matrix that has ended is taken
   * back into the live set (admitted for one toolbox) while it probes.
   */
  async rerun(run: MatrixRun, from: string, to: string, principal: Principal, check: TargetCheck): Promise<MatrixCell> {
    const why = run.whyNotAgain(from, to);
    if (why === 'not a cell of this matrix') throw new ApiError(404, ErrorCode.CellNotFound, 'There is no such cell: "from" and "to" must be two different members of this matrix.');
    if (why) throw new ApiError(409, ErrorCode.TargetNotRunning, `This cell cannot be probed again: ${why}.`);
    const source = run.member(from)!;
    const handle = this.settings.engines.pickDocker(source.engine, 'engine');
    const containers = await handle.engine.listContainers();
    const context: PolicyContext = { engine: handle.name, containers, networks: [], ...(this.settings.isConsole ? { isConsole: this.settings.isConsole } : {}) };
    for (const id of [from, to]) {
      const member = run.member(id)!;
      const container = containers.find((c) => c.id === id);
      if (!container || container.state !== 'running') throw new ApiError(409, ErrorCode.TargetNotRunning, `${member.name} is no longer running.`);
      check({ kind: 'container', engine: member.engine, containerId: id, containerName: container.name, sharePid: false }, context);
    }
    if (!run.needsReopen) {
      if (run.secondLookGoing) throw new ApiError(429, ErrorCode.TooManyDiagnoses, 'This matrix is already probing a cell again; wait for it to finish (a few seconds).');
      return run.rerun(from, to);
    }
    const ended = this.reopen(run.id, principal, 1);
    return run.rerun(from, to, ended);
  }

  /** A member that stops ends its cells (the matrix goes on with the others). */
  override handleEngineEvent(engine: string, event: EngineEvent): void {
    super.handleEngineEvent(engine, event);
    if (event.kind !== 'container' || !['die', 'stop', 'destroy'].includes(event.action)) return;
    for (const run of this.list()) run.containerStopped(engine, event.id);
  }

  /**
   * A live matrix owns every toolbox labelled with its id, including the ones it is still
   * starting (in the background, after the request was answered): the reaper leaves them alone.
   */
  override startingIds(): ReadonlySet<string> {
    return new Set([...super.startingIds(), ...this.list().filter((r) => r.running).map((r) => r.id)]);
  }
}

function tooSmall(network: string, count: number, skipped: readonly MatrixSkipped[]): ApiError {
  const why = skipped.length ? ` (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : '';
  return new ApiError(409, ErrorCode.MatrixTooSmall, `A matrix needs two members you may probe; network ${network} has ${count}${why}.`);
}

/**
 * Splits a network's containers into members and skipped ones. Sonde's own toolboxes are left
 * out silently (they are not what is being diagnosed); refused containers are listed with the
 * reason, as the policy or the deny label words it.
 */
export function selectMembers(candidates: readonly NetworkMember[], context: PolicyContext, check: TargetCheck): { members: MemberPlan[]; skipped: MatrixSkipped[] } {
  const members: MemberPlan[] = [];
  const skipped: MatrixSkipped[] = [];
  for (const candidate of candidates) {
    const container: ContainerSummary | undefined = context.containers.find((c) => c.id === candidate.id);
    if (!container || container.toolbox) continue;
    if (container.labels[DENY_LABEL] === 'true' || container.labels[CONSOLE_LABEL] === 'true' || context.isConsole?.(container.id)) {
      skipped.push({ id: container.id, name: container.name, reason: `Sonde's console and containers labelled ${DENY_LABEL}=true are never probed` });
      continue;
    }
    if (container.state !== 'running') {
      skipped.push({ id: container.id, name: container.name, reason: `it is ${container.state}, not running` });
      continue;
    }
    try {
      check({ kind: 'container', engine: context.engine, containerId: container.id, containerName: container.name, sharePid: false }, context);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      skipped.push({ id: container.id, name: container.name, reason: error.message });
      continue;
    }
    members.push({
      id: container.id,
      engine: context.engine,
      name: container.name,
      ...(candidate.ipv4 ? { ipv4: candidate.ipv4 } : {}),
      exposedTcp: [...new Set(container.ports.filter((p) => p.protocol === 'tcp').map((p) => p.privatePort))],
    });
  }
  return { members, skipped };
}
