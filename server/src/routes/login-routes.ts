import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ErrorBody, ErrorCode, Health, LoginRequest, Me } from '@sonde/shared';
import { AUTH_COOKIE } from '../auth/access-control.js';
import { DECOY_HASH, verifyPassword } from '../auth/passwords.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';

/** Health, logging in and out, and who the caller is (docs/api.md, "Authentication"). */
export const loginRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identities, authenticator, loginLimiter, live, audit, engines } = app;

  app.get('/api/health', { config: { access: 'public' }, schema: { response: { 200: Health } } }, async () => engines.health());

  app.post(
    '/api/login',
    { config: { access: 'public' }, schema: { body: LoginRequest, response: { 204: Type.Null(), '4xx': ErrorBody } } },
    async (request, reply) => {
      const body = request.body;
      const username = 'username' in body ? body.username : undefined;
      const wait = loginLimiter.retryAfter(username, request.ip);
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
        loginLimiter.failed(username, request.ip);
        audit.record({ actor: { id: username ? `user-name:${username}` : 'anonymous', name: username ?? 'token login' }, action: 'login-failed', detail: { address: request.ip } });
        throw new ApiError(401, ErrorCode.Unauthorized, 'token' in body ? 'That access token is not valid.' : 'Wrong user name or password.');
      }
      loginLimiter.succeeded(username);
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
};
