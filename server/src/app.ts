import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CloseCode, ErrorCode } from '@sonde/shared';
import type { Config } from './config.js';
import { redactUrl } from './auth/access-control.js';
import { Authenticator, BOOTSTRAP_ID } from './auth/authenticator.js';
import type { RouteAccess } from './auth/principal.js';
import { IdentityStore } from './auth/identity-store.js';
import { LiveConnections } from './auth/live-connections.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { ShareStore } from './shares/share-store.js';
import { TargetPolicyStore } from './policy/target-policy.js';
import { auditSession } from './audit/session-audit.js';
import { identityRoutes } from './routes/identity-routes.js';
import { auditRoutes } from './routes/audit-routes.js';
import authPlugin from './auth/auth-plugin.js';
import { EngineMonitor } from './engine/engine-monitor.js';
import { EngineError, type ContainerEngine } from './engine/types.js';
import { ApiError, toApiError } from './http/api-error.js';
import securityHeaders from './http/security-headers.js';
import { readTlsFiles } from './http/transport-security.js';
import webUi from './http/web-ui.js';
import { systemRoutes } from './routes/system-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { captureRoutes } from './routes/capture-routes.js';
import { SessionRegistry, targetInventory } from './sessions/session-registry.js';
import { RunRegistry } from './runs/run-registry.js';
import { CaptureRegistry } from './captures/capture-registry.js';
import { WorkloadAdmission } from './toolboxes/workload-admission.js';
import { PolicyEnforcer } from './policy/policy-enforcer.js';
import { detectConsoleContainer, isConsoleContainer, type ConsoleContainer } from './policy/console-container.js';
import { openDatabase, type Database } from './store/database.js';
import { AuditLog } from './audit/audit-log.js';
import { SessionRecorder } from './recordings/session-recorder.js';
import { recordingRoutes } from './recordings/recording-routes.js';
import { createNetstateService, type NetstateService } from './netstate/netstate-service.js';
import { netstateRoutes } from './routes/netstate-routes.js';
import path from 'node:path';

/** Largest WebSocket message accepted; larger ones close the socket with 1009. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

export interface AppServices {
  engine: ContainerEngine;
  monitor: EngineMonitor;
  registry: SessionRegistry;
  runs: RunRegistry;
  captures: CaptureRegistry;
  /** The toolbox budget, per-owner caps, and owners' access held by every running workload. */
  admission: WorkloadAdmission;
  /** Ends running workloads the target policy no longer allows. */
  enforcer: PolicyEnforcer;
  /** Whether a container id is the console's own (found by id at start, not by label). */
  isConsole: (containerId: string) => boolean;
  config: Config;
  identities: IdentityStore;
  shares: ShareStore;
  policy: TargetPolicyStore;
  authenticator: Authenticator;
  limiter: LoginLimiter;
  /** Wrong bearer tokens and query-string credentials, per client address. */
  secretLimiter: LoginLimiter;
  /** Terminal sockets and event streams by principal: revocation closes them. */
  live: LiveConnections;
  /** Called before a session is created; throws to refuse it (e.g. recordings cannot be written). */
  beforeSessionStart?: () => void;
  /** `METHOD /path` → the access each API route declared (the auth tests enumerate it). */
  routeAccess?: ReadonlyMap<string, RouteAccess>;
  /** The embedded database (SONDE_DATA_DIR/sonde.db); closed last, after sessions ended. */
  db: Database;
  audit: AuditLog;
  /** Session recordings: a cast and an input trail per shell session (SONDE_DATA_DIR/recordings). */
  recordings: SessionRecorder;
  /** Firewall and qdisc changes sessions left in their targets' namespaces. */
  netstate: NetstateService;
  /** Registers work to do when the app closes (after sessions ended); the returned function unregisters it. */
  onShutdown(task: () => void): () => void;
  /** Registers teardown to finish before the remaining WebSockets are closed (tool runs end like sessions: exit message, 4001). */
  onClosing(task: () => Promise<void>): void;
}

export interface BuildOptions {
  config: Config;
  engine: ContainerEngine;
  logger?: boolean | object;
  /** The console's own container; detected from /proc when not given. */
  consoleContainer?: ConsoleContainer;
}

/** Wrong secrets (bearer tokens, `?token=`, `?share=`) one address may present per minute before it waits. */
export const SECRET_FAILURES_PER_MINUTE = 30;

/** Builds the whole application without listening; server.ts runs it, tests inject into it. */
export async function buildApp({ config, engine, logger, consoleContainer }: BuildOptions): Promise<{ app: FastifyInstance; services: AppServices }> {
  // Read first, so a bad certificate or key stops startup (a ConfigError) before anything opens.
  const tls = config.tls ? readTlsFiles(config.tls) : null;
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
      },
    },
    bodyLimit: 64 * 1024,
    // Validate exactly: refuse unknown fields and wrong types instead of silently fixing them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
    // HTTPS when SONDE_TLS_CERT/SONDE_TLS_KEY are set (terminal WebSockets are then wss://); null: HTTP.
    https: tls,
    // Behind an acknowledged proxy, the client's address and scheme come from X-Forwarded-*,
    // believed only from SONDE_TRUSTED_PROXIES (loopback and private ranges by default).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const shutdownTasks = new Set<() => void>();
  const closingTasks: (() => Promise<void>)[] = [];
  const monitor = new EngineMonitor(engine);
  const db = openDatabase(config.dataDir);
  const audit = new AuditLog(db);
  const recordings = new SessionRecorder({ db, audit, dataDir: config.dataDir, failureMode: config.recordingFailure, log: app.log });
  const identities = new IdentityStore(db);
  identities.pruneBrowserSessions();
  identities.rotateBootstrap(BOOTSTRAP_ID, config.token.value);
  const shares = new ShareStore(db);
  const policy = new TargetPolicyStore(db);
  const authenticator = new Authenticator(config.token.value, identities, shares);
  const limiter = new LoginLimiter();
  const secretLimiter = new LoginLimiter({ windowMs: 60_000, maxPerUser: 1, maxPerAddress: SECRET_FAILURES_PER_MINUTE });
  const live = new LiveConnections((principal) => authenticator.revalidate(principal));
  const self = consoleContainer ?? detectConsoleContainer();
  const isConsole = (containerId: string) => isConsoleContainer(self, containerId);
  const admission = new WorkloadAdmission(
    { maxToolboxes: config.maxToolboxes, perOwner: { session: config.perUser.sessions, run: config.perUser.runs, capture: config.perUser.captures } },
    live,
  );
  const toolbox = { image: config.toolboxImage, instance: config.instance, limits: config.toolboxLimits };
  const registry = new SessionRegistry({
    admission,
    isConsole,
    engine,
    toolbox,
    detachedGraceMs: config.detachedGraceMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxSessions: config.maxSessions,
    replayBytes: 4 * 1024 * 1024,
    endedRetentionMs: 10 * 60 * 1000,
    log: app.log,
  });
  const runs = new RunRegistry({
    engine,
    toolbox,
    admission,
    isConsole,
    maxRuns: config.maxSessions,
    replayBytes: 4 * 1024 * 1024,
    endedRetentionMs: 10 * 60 * 1000,
    stopGraceMs: 5000,
    peerReadyMs: 15_000,
    log: app.log,
  });
  const captures = new CaptureRegistry({
    engine,
    toolbox,
    admission,
    isConsole,
    directory: path.join(config.dataDir, 'captures'),
    maxCaptures: 20,
    retentionMs: 60 * 60 * 1000,
    maxEndedFiles: 20,
    unwatchedGraceMs: 5000,
    readyTimeoutMs: 15_000,
    log: app.log,
  });
  await captures.removeStaleFiles();
  const enforcer = new PolicyEnforcer({
    admission,
    policy,
    currentRole: (id) => {
      const now = authenticator.byId(id);
      return now && now.kind !== 'share' ? now.role : undefined;
    },
    inventory: async () => ({ ...(await targetInventory(engine, ['network'])), isConsole }),
    log: app.log,
  });
  policy.onChange(() => void enforcer.enforce());
  registry.onStarted((session) => auditSession(audit, session));
  registry.onStarted((session) => recordings.record(session));
  // Recordings are flushed and marked complete after their sessions ended, before the database closes.
  closingTasks.push(async () => {
    await registry.shutdown();
    await recordings.finishAll();
  });
  // Runs and captures end before the remaining sockets are dropped, so their clients get exit and 4001.
  closingTasks.push(() => runs.shutdown());
  closingTasks.push(() => captures.shutdown());
  const netstate = createNetstateService({ engine, registry, db, audit, config, log: app.log });
  const services: AppServices = {
    engine,
    monitor,
    registry,
    runs,
    captures,
    admission,
    enforcer,
    isConsole,
    config,
    db,
    audit,
    recordings,
    netstate,
    beforeSessionStart: () => recordings.assertCanRecord(),
    identities,
    shares,
    policy,
    authenticator,
    limiter,
    secretLimiter,
    live,
    onShutdown: (t) => {
      shutdownTasks.add(t);
      return () => shutdownTasks.delete(t);
    },
    onClosing: (t) => closingTasks.push(t),
  };

  monitor.onEvent((event) => {
    registry.handleEngineEvent(event);
    runs.handleEngineEvent(event);
    captures.handleEngineEvent(event);
    // A container joining a network can make it sensitive for the workloads on it.
    if (event.kind === 'network' && event.action === 'connect') void enforcer.enforce();
  });
  // Toolboxes that could not be removed while Docker was unreachable are reaped once it is back.
  let reapWhenReachable = false;
  monitor.onHealth((health) => {
    if (!health.docker.reachable) {
      reapWhenReachable = true;
      registry.engineLost();
      runs.engineLost();
      captures.engineLost();
      return;
    }
    if (!reapWhenReachable) return;
    reapWhenReachable = false;
    registry.reapOrphans().catch((error: unknown) => {
      reapWhenReachable = true;
      app.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not remove orphaned toolboxes yet');
    });
  });

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.statusCode).send(error.toBody());
    if (error instanceof EngineError) {
      const mapped = toApiError(error, config.toolboxImage);
      if (mapped.statusCode >= 500) request.log.warn({ err: error.message }, 'engine request failed');
      return reply.code(mapped.statusCode).send(mapped.toBody());
    }
    const fe = error as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      const field = [fe.validationContext ?? 'body', ...(first?.instancePath ?? '').split('/').filter(Boolean)].join('.');
      const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const detail = missing ? `${field}.${missing} is required` : extra ? `${field}.${extra} is not a known field` : `${field} ${first?.message ?? 'is invalid'}`;
      return reply.code(400).send({ error: { code: ErrorCode.InvalidRequest, message: `Invalid request: ${detail}.` } });
    }
    if (fe.statusCode === 404) {
      return reply.code(404).send({ error: { code: ErrorCode.NotFound, message: 'Not found.' } });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const message = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send JSON (content-type: application/json).' : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is too large.' : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'The request body is not valid JSON.' : 'The request is not valid.';
      return reply.code(fe.statusCode).send({ error: { code: ErrorCode.InvalidRequest, message } });
    }
    const apiError = toApiError(error, config.toolboxImage);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(apiError.statusCode).send(apiError.toBody());
  });

  // Every route, API or not, must say who may call it; one that does not is a startup error, not an open door.
  const routeAccess = new Map<string, RouteAccess>();
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`);
    for (const method of [route.method].flat()) routeAccess.set(`${method} ${route.url}`, access);
  });
  services.routeAccess = routeAccess;

  await app.register(securityHeaders, { hsts: config.tls !== undefined || config.behindTlsProxy });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_WS_MESSAGE_BYTES },
    // End sessions first, so clients get their exit message and close code 4001 rather than
    // a bare close, then drop whatever sockets remain.
    preClose: async function (this: FastifyInstance) {
      await Promise.all([registry.shutdown(), ...closingTasks.map((task) => task())]);
      for (const client of this.websocketServer.clients) client.close(CloseCode.GoingAway, 'server shutting down');
    },
  });
  await app.register(authPlugin, {
    authenticator,
    identities,
    secretLimiter,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
    secureCookie: config.tls !== undefined || config.behindTlsProxy,
  });
  await app.register(systemRoutes, services);
  await app.register(sessionRoutes, services);
  await app.register(identityRoutes, services);
  await app.register(auditRoutes, services);
  await app.register(runRoutes, services);
  await app.register(captureRoutes, services);
  await app.register(recordingRoutes, services);
  await app.register(netstateRoutes, services);
  await app.register(webUi, { webDir: config.webDir });

  app.addHook('onReady', async () => {
    monitor.start();
  });
  app.addHook('preClose', async () => {
    await registry.shutdown();
    for (const task of shutdownTasks) task();
    monitor.dispose();
  });
  app.addHook('onClose', async () => {
    live.dispose();
    db.close();
  });

  return { app, services };
}
