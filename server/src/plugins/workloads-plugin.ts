import path from 'node:path';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { auditSession } from '../audit/session-audit.js';
import { CaptureRegistry } from '../captures/capture-registry.js';
import { DoctorRegistry } from '../diagnosis/doctor-registry.js';
import { MatrixRegistry } from '../diagnosis/matrix-registry.js';
import { PolicyEnforcer } from '../policy/policy-enforcer.js';
import { RunRegistry } from '../runs/run-registry.js';
import { InteractivePriority } from '../sessions/interactive-priority.js';
import { SessionRegistry } from '../sessions/session-registry.js';
import { policyInventory } from '../toolboxes/target-resolver.js';
import { ToolboxReaper } from '../toolboxes/toolbox-reaper.js';
import { WorkloadAdmission } from '../toolboxes/workload-admission.js';
import type { ToolboxOwner } from '../toolboxes/workload-registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The toolbox budget, the owners' caps, and owners' access held by every running workload. */
    admission: WorkloadAdmission;
    sessions: SessionRegistry;
    runs: RunRegistry;
    captures: CaptureRegistry;
    /** Network doctor runs: one idle toolbox in the target's namespace, checks exec'd in it. */
    doctors: DoctorRegistry;
    /** Connectivity matrices: one idle toolbox per member. */
    matrices: MatrixRegistry;
    /** Ends running workloads the target policy no longer allows. */
    enforcer: PolicyEnforcer;
    /** The one reaper; other services that own toolboxes join it with `reaper.add`. */
    reaper: ToolboxReaper;
  }
}

/** Doctor runs and matrices going at once on the console (each user is also held to SONDE_MAX_DIAGNOSES_PER_USER). */
const DOCTOR_MAX_LIVE = 20;
const MATRIX_MAX_LIVE = 5;
/**
 * Probes in flight at once in one matrix: each is a runc exec, 0.1-0.4 s of CPU on this 2-core
 * machine, and most of their time is spent waiting for answers.
 */
const MATRIX_PARALLELISM = 8;

/**
 * Everything that runs toolboxes on someone's behalf: one admission, one registry per kind on
 * the shared workload stack, one reaper, the policy re-checks, and their reactions to the engine.
 * At close, every workload ends first (preClose), so clients get their exit message and close
 * code before the remaining sockets are dropped.
 */
async function workloadsPlugin(app: FastifyInstance): Promise<void> {
  const { config, engines, live, policy, authenticator, isConsole, audit, metrics } = app;
  const log = app.log;
  const toolbox = { image: config.toolboxImage, kubernetesImage: config.kubernetesToolboxImage, instance: config.instance, limits: config.toolboxLimits };
  const admission = new WorkloadAdmission(
    {
      maxToolboxes: config.maxToolboxes,
      perOwner: { session: config.perUser.sessions, run: config.perUser.runs, capture: config.perUser.captures, doctor: config.perUser.diagnoses, matrix: config.perUser.diagnoses },
    },
    live,
  );
  const shared = { engines, admission, isConsole, log };
  // One for all terminals: typing in any of them slows the others' bulk output.
  const priority = new InteractivePriority();
  const sessions = new SessionRegistry({
    ...shared,
    toolbox,
    reuseToolboxes: config.toolboxReuse,
    detachedGraceMs: config.detachedGraceMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxSessions: config.maxSessions,
    replayBytes: 4 * 1024 * 1024,
    endedRetentionMs: 10 * 60 * 1000,
    meter: { ...metrics.terminal, started: metrics.sessionStarted },
    priority,
  });
  const runs = new RunRegistry({
    ...shared,
    toolbox,
    maxRuns: config.maxSessions,
    replayBytes: 4 * 1024 * 1024,
    endedRetentionMs: 10 * 60 * 1000,
    stopGraceMs: 5000,
    peerReadyMs: 15_000,
    meter: metrics.terminal,
    priority,
  });
  const captures = new CaptureRegistry({
    ...shared,
    toolbox,
    directory: path.join(config.dataDir, 'captures'),
    maxCaptures: 20,
    retentionMs: 60 * 60 * 1000,
    maxEndedFiles: 20,
    // Longer than a reload or EventSource's reconnect, short enough that a closed browser does not leave tcpdump running.
    unwatchedGraceMs: 10_000,
    presence: live,
    readyTimeoutMs: 15_000,
  });
  await captures.removeStaleFiles();
  const doctors = new DoctorRegistry({
    ...shared,
    toolbox,
    maxLive: DOCTOR_MAX_LIVE,
    // The bound is 15 s on a healthy target; the rest is room for a dead nameserver's waits.
    timeLimitMs: 20_000,
    endedRetentionMs: 30 * 60 * 1000,
    maxEnded: 100,
  });
  const matrices = new MatrixRegistry({
    ...shared,
    toolbox,
    maxMembers: config.matrixMaxMembers,
    parallelism: MATRIX_PARALLELISM,
    timeLimitMs: 180_000,
    maxLive: MATRIX_MAX_LIVE,
    endedRetentionMs: 30 * 60 * 1000,
    maxEnded: 50,
  });
  const registries = [sessions, runs, captures, doctors, matrices];
  const owners: ToolboxOwner[] = [...registries, sessions.toolboxes];
  const reaper = new ToolboxReaper(engines, config.instance, owners, log);
  const enforcer = new PolicyEnforcer({
    admission,
    policy,
    currentRole: (id) => {
      const now = authenticator.byId(id);
      return now && now.kind !== 'share' ? now.role : undefined;
    },
    inventory: async (engine) => ({ ...(await policyInventory(engines.pick(engine))), isConsole }),
    log,
  });
  policy.onChange(() => void enforcer.enforce());
  sessions.onStarted((session) => auditSession(audit, session));

  engines.onEvent((engine, event) => {
    for (const registry of registries) registry.handleEngineEvent(engine, event);
    // A container joining a network can make it sensitive for the workloads on it.
    if (event.kind === 'network' && event.action === 'connect') void enforcer.enforce();
  });
  // Each engine on its own: one lost ends only what runs on it; once it is back, the toolboxes
  // that could not be removed meanwhile are reaped there.
  const reapWhenReachable = new Set<string>();
  engines.onStatus((engine, status) => {
    if (!status.reachable) {
      reapWhenReachable.add(engine);
      for (const registry of registries) registry.engineLost(engine);
      return;
    }
    if (!reapWhenReachable.delete(engine)) return;
    reaper.reap(engine).catch((error: unknown) => {
      reapWhenReachable.add(engine);
      log.warn({ engine, err: error instanceof Error ? error.message : String(error) }, 'could not remove orphaned toolboxes yet');
    });
  });

  app.decorate('admission', admission);
  app.decorate('sessions', sessions);
  app.decorate('runs', runs);
  app.decorate('captures', captures);
  app.decorate('doctors', doctors);
  app.decorate('matrices', matrices);
  app.decorate('enforcer', enforcer);
  app.decorate('reaper', reaper);
  app.addHook('preClose', async () => {
    await Promise.allSettled(registries.map((r) => r.shutdown()));
  });
}

export default fp(workloadsPlugin, { name: 'sonde-workloads', dependencies: ['sonde-engine', 'sonde-access', 'sonde-audit', 'sonde-metrics'] });
