import { ErrorCode, isHostname, validateParamValue, type CreateDoctorRequest, type DoctorEvent, type ResolvedTarget } from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';
import { pickByRef, resolveTarget } from '../toolboxes/target-resolver.js';
import { LABELS, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { WorkloadRegistry, type TargetCheck, type WorkloadRegistryOptions } from '../toolboxes/workload-registry.js';
import { peerPlan, planFor, type PeerPlan } from './doctor-plan.js';
import { DoctorRun } from './doctor-run.js';
import { NamespaceToolbox } from './namespace-toolbox.js';
import { ProgressFeed, type Progress } from './progress-feed.js';

export interface DoctorRegistryOptions extends Pick<WorkloadRegistryOptions<DoctorRun>, 'engines' | 'admission' | 'isConsole' | 'log'> {
  toolbox: ToolboxSettings;
  /** Doctor runs going at once on this console. */
  maxLive: number;
  timeLimitMs: number;
  /** How long a finished run stays readable, and how many are kept at most. */
  endedRetentionMs: number;
  maxEnded: number;
}

export type DoctorProgress = Progress<DoctorRun, DoctorEvent>;

/**
 * Doctor runs: what is specific to them is validating the names asked for, the plan read from
 * the engine's inventory (names to resolve, published ports, the peer), and the one idle toolbox
 * the checks exec in; admission, the policy, ownership, retention, the target or engine going
 * away, shutdown and the reaper are the workload registry's.
 */
export class DoctorRegistry extends WorkloadRegistry<DoctorRun> {
  private readonly progress = new ProgressFeed<DoctorRun, DoctorEvent>();

  constructor(private readonly settings: DoctorRegistryOptions) {
    super({
      kind: 'doctor',
      engines: settings.engines,
      admission: settings.admission,
      ...(settings.isConsole ? { isConsole: settings.isConsole } : {}),
      maxLive: settings.maxLive,
      tooMany: (max) => new ApiError(429, ErrorCode.TooManyDiagnoses, `This console already has ${max} doctor runs going; wait a few seconds for one to finish.`),
      endedRetentionMs: settings.endedRetentionMs,
      maxEnded: settings.maxEnded,
      log: settings.log,
    });
    this.onStarted((run) => settings.log.info({ doctor: run.id, target: run.target, peer: run.info().peer?.containerName }, 'doctor run started'));
    this.onEnded((run) => {
      const info = run.info();
      settings.log.info({ doctor: run.id, reason: info.endReason, elapsedMs: info.elapsedMs, findings: info.findings.map((f) => f.code) }, 'doctor run ended');
    });
  }

  /** Every check, finding and end of every run, as it happens (the events stream filters by owner). */
  onProgress(listener: (progress: DoctorProgress) => void): () => void {
    return this.progress.listen(listener);
  }

  /**
   * Validates the request, then starts the run: resolves the target (any kind the resolver knows,
   * on its engine), lets `check` refuse it and the peer, plans from the same inventory, starts the
   * toolbox, and answers while the checks run.
   */
  async start(request: CreateDoctorRequest, principal: Principal, check: TargetCheck): Promise<DoctorRun> {
    const names = (request.names ?? []).map((name, index) => {
      const checked = validateParamValue({ name: 'names', type: 'host', label: 'name', required: true }, name);
      if (!checked.ok || !isHostname(name)) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.names.${index} ${checked.ok ? 'must be a host name, not an address' : checked.reason}.`);
      return name;
    });
    // Its checks read Docker's inventory (published ports, networks, Compose peers): pods and
    // Kubernetes nodes are not doctored yet, and say so rather than half-run.
    if (request.target.kind === 'pod' || request.target.kind === 'node') {
      throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: body.target: the network doctor runs on Docker targets (a container, a Swarm task, a network, an overlay's namespace, the host); ${request.target.kind === 'pod' ? 'pods' : 'Kubernetes nodes'} are not supported yet.`);
    }
    if (request.peer && (request.target.kind === 'host' || request.target.kind === 'network-namespace')) {
      throw new ApiError(400, ErrorCode.InvalidRequest, 'Invalid request: body.peer needs a container, task or network target (one with an address on a network the peer can share).');
    }
    const startedAt = performance.now();
    const { timeLimitMs, toolbox } = this.settings;
    return this.create({
      principal,
      target: request.target,
      // The plan reads every container and network of the target's engine.
      alsoNeeds: ['container', 'network'],
      check,
      toolboxes: 1,
      start: async ({ id, target, engine, context, ended }) => {
        let peer: PeerPlan | undefined;
        let peerTarget: ResolvedTarget | undefined;
        if (request.peer) {
          try {
            const container = pickByRef(context.containers, request.peer.container, 'container');
            peerTarget = resolveTarget({ kind: 'container', container: container.id }, context);
            // The peer is probed from the target, not entered; still, the policy must allow it.
            check(peerTarget, context);
            peer = peerPlan(target, container, request.peer.ports, context.containers);
          } catch (error) {
            if (error instanceof ApiError) throw new ApiError(error.statusCode, error.code, `body.peer: ${error.message}`);
            throw error;
          }
        }
        const plan = planFor(target, names, context.containers, context.networks, peer);
        const box = await NamespaceToolbox.start(target, {
          engine,
          settings: toolbox,
          runId: id,
          label: LABELS.doctor,
          name: `sonde-doctor-${id.slice(0, 12)}`,
          lifetimeSeconds: timeLimitMs / 1000 + 30,
        });
        const run: DoctorRun = new DoctorRun({
          id,
          owner: { id: principal.id, name: principal.name },
          target,
          ...(peerTarget ? { peerTarget } : {}),
          plan,
          toolbox: box,
          timeLimitMs,
          startedAt,
          onEvent: (event) => this.progress.publish(run, event),
          onEnded: ended,
        });
        run.start().catch((error: unknown) => this.settings.log.warn({ doctor: id, err: error instanceof Error ? error.message : String(error) }, 'doctor run failed'));
        return run;
      },
    });
  }
}
