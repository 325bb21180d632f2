import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ContainerList, ErrorBody, Health, LoginRequest, Me, NetworkList } from '@sonde/shared';
import Type from 'typebox';
import { ErrorCode } from '@sonde/shared';
import { AUTH_COOKIE } from '../auth/access-control.js';
import { DECOY_HASH, verifyPassword } from '../auth/passwords.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { atLeast } from '../auth/authenticator.js';
import { mayReadTarget } from '../auth/object-access.js';
import { ApiError } from '../http/api-error.js';
import type { AppServices } from '../app.js';

/** Health, login and the Docker inventory. */
export const systemRoutes: FastifyPluginAsyncTypebox<AppServices> = async (app, services) => {
  const { engine, monitor } = services;

  const { identities, authenticator, limiter, live, audit } = services;

  app.get('/api/health', { config: { access: 'public' }, schema: { response: { 200: Health } } }, async () => monitor.probe());

  // The API's namespace is never public: a path under /api that no route serves is a 401 to
  // anonymous callers (the route table is not theirs to map) and a 404 to everyone else.
  app.all('/api/*', { config: { access: 'any' } }, async (request) => {
    throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });

  app.post(
    '/api/login',
    { config: { access: 'public' }, schema: { body: LoginRequest, response: { 204: Type.Null(), '4xx': ErrorBody } } },
    async (request, reply) => {
      const body = request.body;
      const username = 'username' in body ? body.username : undefined;
      const wait = limiter.retryAfter(username, request.ip);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new ApiError(429, ErrorCode.TooManyAttempts, `Too many failed logins; try again in ${wait} s.`);
      }
      let principal: Principal | undefined;
      if ('token' in body) {
        const found = authenticator.fromSecret(body.token);
        // Share tokens open their session through the share URL, not a console login.
        principal = found?.kind === 'token' ? found : undefined;
      } else {
        const stored = identities.credentials(body.username);
        // Unknown users cost one scrypt too, so timing does not tell which user names exist.
        const ok = await verifyPassword(body.password, stored?.passwordHash ?? DECOY_HASH);
        if (ok && stored && !stored.user.disabled) principal = authenticator.byId(`user:${stored.user.id}`);
      }
      if (!principal) {
        limiter.failed(username, request.ip);
        audit.record({ actor: { id: username ? `user-name:${username}` : 'anonymous', name: username ?? 'token login' }, action: 'login-failed', detail: { address: request.ip } });
        throw new ApiError(401, ErrorCode.Unauthorized, 'token' in body ? 'That access token is not valid.' : 'Wrong user name or password.');
      }
      limiter.succeeded(username);
      reply.setLoginCookie(identities.createBrowserSession(principal.id));
      audit.record({ actor: principal, action: 'login', detail: { address: request.ip } });
      return reply.code(204).send(null);
    },
  );

  app.post('/api/logout', { config: { access: 'public' } }, async (request, reply) => {
    const principal = request.principal;
    if (principal?.browserSessionId) {
      identities.deleteBrowserSession(principal.browserSessionId);
      live.closeWhere((p) => p.browserSessionId === principal.browserSessionId, 'you logged out');
      audit.record({ actor: principal, action: 'logout' });
    }
    reply.clearCookie(AUTH_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/me', { config: { access: 'any' }, schema: { response: { 200: Me } } }, async (request) => {
    const p = principalOf(request);
    return {
      authenticated: true,
      kind: p.kind,
      id: p.id,
      name: p.name,
      role: p.role,
      // Only browser logins carry a browser session: that is the cookie.
      via: p.browserSessionId ? ('cookie' as const) : ('bearer' as const),
      ...(p.share ? { share: { sessionId: p.share.sessionId, role: p.share.role, expiresAt: p.share.expiresAt.toISOString() } } : {}),
    };
  });

  app.get('/api/containers', { config: { access: 'viewer' }, schema: { response: { 200: ContainerList } } }, async () => engine.listContainers());

  app.get('/api/networks', { config: { access: 'viewer' }, schema: { response: { 200: NetworkList } } }, async () => engine.listNetworks());

  /** Server-sent events: Docker changes (`docker`) and engine reachability (`status`). */
  app.get('/api/events', { config: { access: 'viewer' } }, async (request, reply) => {
    const principal = principalOf(request);
    // Taken before the response starts, so a refusal is still an ordinary 429.
    let end: () => void = () => {};
    const offLive = live.addStream(principal, () => end(), services.config.perUser.streams);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('status', monitor.current);
    const offEvent = monitor.onEvent((e) => send('docker', { kind: e.kind, action: e.action, id: e.id }));
    const offHealth = monitor.onHealth((h) => send('status', h));
    const offSession = services.registry.onChange((change) => send('session', change));
    const offAudit = atLeast(principal, 'admin') ? audit.onEntry((entry) => send('audit', entry)) : () => undefined;
    // Like GET /api/netstate: admins see every change; others the changes on targets their role
    // may open (decided on what the policy read when the session started), never the host's.
    const offNetstate = services.netstate.onChange((change) => {
      const scope = services.registry.get(change.sessionId)?.scope;
      const visible = atLeast(principal, 'admin') || (scope !== undefined && mayReadTarget(principal, change.target) && services.policy.why(principal.role, change.target, scope) === undefined);
      if (visible) send('netstate', change);
    });
    // Comments keep proxies from timing the stream out and reveal dead peers.
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15000);
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(keepAlive);
      offEvent();
      offHealth();
      offSession();
      offAudit();
      offNetstate();
      offLive();
      offShutdown();
    };
    // A logged-out or disabled principal's stream ends like its terminals do.
    end = () => {
      stop();
      raw.end();
    };
    // Each stream forgets its shutdown hook when it closes, so closed streams leave nothing behind.
    const offShutdown = services.onShutdown(end);
    request.raw.once('close', stop);
  });
};
