import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CloseCode, ErrorCode, TERMINAL_PROTOCOL } from '@sonde/shared';
import { nonCanonicalReason } from './http/request-target.js';
import type { Config } from './config.js';
import { redactUrl } from './auth/access-control.js';
import authPlugin from './auth/auth-plugin.js';
import type { RouteAccess } from './auth/principal.js';
import { EngineError, ImageMissingError, type ContainerEngine, type Engine } from './engine/types.js';
import { ApiError, toApiError } from './http/api-error.js';
import openapi from './http/openapi.js';
import securityHeaders, { setSecurityHeaders } from './http/security-headers.js';
import { readTlsFiles } from './http/transport-security.js';
import webUi from './http/web-ui.js';
import type { ConsoleContainer } from './policy/console-container.js';
import accessPlugin from './plugins/access-plugin.js';
import auditPlugin from './plugins/audit-plugin.js';
import enginePlugin from './plugins/engine-plugin.js';
import metricsPlugin from './plugins/metrics-plugin.js';
import netstatePlugin from './plugins/netstate-plugin.js';
import recordingsPlugin from './plugins/recordings-plugin.js';
import storePlugin from './plugins/store-plugin.js';
import toolboxImagesPlugin from './plugins/toolbox-images-plugin.js';
import workloadsPlugin from './plugins/workloads-plugin.js';
import { auditRoutes } from './routes/audit-routes.js';
import { captureRoutes } from './routes/capture-routes.js';
import { embedRoutes } from './routes/embed-routes.js';
import { diagnosisRoutes } from './routes/diagnosis-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { identityRoutes } from './routes/identity-routes.js';
import { inventoryRoutes } from './routes/inventory-routes.js';
import { loginRoutes } from './routes/login-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { netstateRoutes } from './routes/netstate-routes.js';
import { recordingRoutes } from './routes/recording-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { topologyRoutes } from './routes/topology-routes.js';

export { SECRET_FAILURES_PER_MINUTE } from './plugins/access-plugin.js';

/** Largest WebSocket message accepted; larger ones close the socket with 1009. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** `METHOD /path` → the access every route declared (the auth tests enumerate it). */
    routeAccess: ReadonlyMap<string, RouteAccess>;
    /**
     * Decorated only on a context that registers a library's routes, which cannot declare
     * config.access themselves: the access all of them get.
     */
    pluginRouteAccess?: RouteAccess;
  }
}

/** Refusals of who asked (not of what they asked for): sonde_denied_total counts these. */
function isDenial(error: ApiError): boolean {
  return error.statusCode === 401 || error.statusCode === 403 || error.code === ErrorCode.TooManyAttempts;
}

export interface BuildOptions {
  config: Config;
  /** Engines built by the caller (tests): one, or several. Otherwise the configured ones (config.engines). */
  engine?: ContainerEngine;
  engines?: readonly Engine[];
  logger?: boolean | object;
  /** The console's own container; detected from /proc when not given. */
  consoleContainer?: ConsoleContainer;
  /** Where lines for the operator's terminal go (a toolbox image pull's progress); stdout unless given. */
  print?: (line: string) => void;
}

/**
 * Builds the whole application without listening; server.ts runs it, tests inject into it.
 * Services are named plugins registered in dependency order; each owns its teardown, and
 * Fastify closes them in reverse: workloads end first (preClose), then netstate, recordings,
 * the engine monitor, live connections, and the database last.
 */
export async function buildApp({ config, engine, engines, logger, consoleContainer, print }: BuildOptions): Promise<FastifyInstance> {
  // Read first, so a bad certificate or key stops startup (a ConfigError) before anything opens.
  const tls = config.tls ? readTlsFiles(config.tls) : null;
  // HSTS once the console is reached over HTTPS (its own TLS, or a TLS proxy it was told about).
  const hsts = config.tls !== undefined || config.behindTlsProxy;
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
    // Closing is answered by our own hook below, with the documented error body.
    return503OnClosing: false,
    // What the router refuses before any hook runs (a malformed %-escape, an over-long
    // parameter) gets the documented error body too, never Fastify's own nor the path echoed.
    frameworkErrors: (error, request, reply) => {
      const spelling = nonCanonicalReason(request.raw.url ?? '');
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = spelling ? `Invalid request: ${spelling}.` : status === 414 ? 'Invalid request: a part of the path is too long.' : 'Invalid request: the path is not valid.';
      setSecurityHeaders(reply as FastifyReply, hsts);
      void (reply as FastifyReply).code(status).send({ error: { code: ErrorCode.InvalidRequest, message } });
    },
    // HTTPS when SONDE_TLS_CERT/SONDE_TLS_KEY are set (terminal WebSockets are then wss://); null: HTTP.
    https: tls,
    // Behind an acknowledged proxy, the client's address and scheme come from X-Forwarded-*,
    // believed only from SONDE_TRUSTED_PROXIES (loopback and private ranges by default).
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('config', config);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError(503, ErrorCode.ShuttingDown, 'Sonde is shutting down; try again when it is back.');
  });

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) {
      if (isDenial(error)) app.metrics.denied(error.code);
      return reply.code(error.statusCode).send(error.toBody());
    }
    // A toolbox image missing on an engine that is pulling it (or failed to): how far, or why.
    const pulling = error instanceof ImageMissingError ? app.toolboxImages.refusal(error.engine) : undefined;
    if (pulling) return reply.code(pulling.statusCode).send(pulling.toBody());
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
  // A library's own routes (the API reference's files) cannot carry our config: the context
  // that registers the library declares their access for it, once (pluginRouteAccess).
  const routeAccess = new Map<string, RouteAccess>();
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    const access = route.config?.access ?? this.pluginRouteAccess;
    if (!access) throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`);
    route.config = { ...route.config, access };
    for (const method of [route.method].flat()) routeAccess.set(`${method} ${route.url}`, access);
  });
  app.decorate('routeAccess', routeAccess);

  // Services, in dependency order (each plugin names its dependencies; Fastify checks them).
  // Metrics first: the engines and the workloads report to it as they are built.
  await app.register(metricsPlugin);
  await app.register(storePlugin, { dataDir: config.dataDir });
  await app.register(auditPlugin);
  await app.register(accessPlugin);
  const given = engine ? [engine] : engines;
  await app.register(enginePlugin, { ...(given ? { engines: given } : {}), ...(consoleContainer ? { consoleContainer } : {}) });
  await app.register(toolboxImagesPlugin, print ? { print } : {});
  await app.register(workloadsPlugin);
  await app.register(recordingsPlugin);
  await app.register(netstatePlugin);

  // HTTP: headers, cookies, WebSockets, authentication, then the routes.
  await app.register(securityHeaders, { hsts, embedOrigins: config.embedOrigins });
  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: MAX_WS_MESSAGE_BYTES,
      // A browser embed offers `sonde` and `sonde.embed.<token>` (its credential: see the auth
      // plugin); the answer selects `sonde`, never echoing the token back.
      handleProtocols: (protocols: Set<string>) => (protocols.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false),
    },
    // Runs after the workloads plugin's preClose ended every session and run (their clients got
    // the exit message and 4001); whatever socket is left is told the server is going away.
    preClose: async function (this: FastifyInstance) {
      for (const client of this.websocketServer.clients) client.close(CloseCode.GoingAway, 'server shutting down');
    },
  });
  await app.register(authPlugin, {
    authenticator: app.authenticator,
    identities: app.identities,
    secretLimiter: app.secretLimiter,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
    secureCookie: config.tls !== undefined || config.behindTlsProxy,
  });
  // Before the routes: it reads every route as it is declared.
  await app.register(openapi);
  await app.register(loginRoutes);
  await app.register(inventoryRoutes);
  await app.register(eventRoutes);
  await app.register(sessionRoutes);
  await app.register(identityRoutes);
  await app.register(auditRoutes);
  await app.register(runRoutes);
  await app.register(captureRoutes);
  await app.register(recordingRoutes);
  await app.register(netstateRoutes);
  await app.register(embedRoutes);
  await app.register(metricsRoutes);
  await app.register(diagnosisRoutes);
  await app.register(topologyRoutes);
  await app.register(webUi, { webDir: config.webDir });
  return app;
}
