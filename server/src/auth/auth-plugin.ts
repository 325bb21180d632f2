import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { ShareStore } from '../shares/share-store.js';
import { AUTH_COOKIE, CSRF_HEADER, bearerToken, hostName } from './access-control.js';
import { atLeast, type Authenticator } from './authenticator.js';
import type { IdentityStore } from './identity-store.js';
import type { Principal, RouteAccess } from './principal.js';

export interface AuthOptions {
  authenticator: Authenticator;
  identities: IdentityStore;
  shares: ShareStore;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** Set the Secure attribute on the cookie (served over TLS, or behind a TLS proxy). */
  secureCookie: boolean;
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function sameOrigin(origin: string, request: FastifyRequest, allowed: string[]): boolean {
  if (allowed.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
}

const ROLE_NAMES = { viewer: 'viewer', operator: 'operator', admin: 'admin' } as const;

/** Whether `principal` may call a route declaring `access`; throws the refusal a client can show. */
function authorize(principal: Principal, access: Exclude<RouteAccess, 'public'> | 'any', request: FastifyRequest): void {
  if (principal.kind === 'share') {
    const params = request.params as { id?: unknown } | undefined;
    if ((access === 'session' || access === 'any') && (access === 'any' || params?.id === principal.share?.sessionId)) return;
    throw new ApiError(403, ErrorCode.Forbidden, 'A share link opens its own session only.');
  }
  const needed = access === 'session' ? 'operator' : access === 'any' ? 'viewer' : access;
  if (!atLeast(principal, needed)) {
    throw new ApiError(403, ErrorCode.RoleRequired, `This needs the ${ROLE_NAMES[needed]} role; you are ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}.`);
  }
}

/**
 * Authentication, authorization, DNS-rebinding, CSRF and WebSocket origin checks. They run in
 * onRequest, so they guard WebSocket upgrades exactly like HTTP routes: a refused upgrade
 * never reaches a handler. Every route declares its access in `config.access`; a route that
 * does not is treated as admin-only (and a test refuses it).
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { authenticator, identities, shares } = options;
  const allowedHosts = new Set(options.allowedHosts);
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const host = hostName(request.headers.host);
    if (!host || !allowedHosts.has(host)) {
      throw new ApiError(403, ErrorCode.ForbiddenHost, 'This console does not answer to that host name. Add it to SONDE_ALLOWED_HOSTS if it is yours.');
    }

    const bearer = bearerToken(request.headers.authorization);
    let via: 'bearer' | 'cookie' | undefined;
    if (bearer !== undefined) {
      const principal = authenticator.fromSecret(bearer);
      if (!principal) {
        const share = shares.byToken(bearer);
        if ('refused' in share && share.refused !== 'unknown') {
          throw new ApiError(403, share.refused === 'expired' ? ErrorCode.ShareExpired : ErrorCode.ShareRevoked, `This share link ${share.refused === 'expired' ? 'has expired' : 'was revoked'}; ask the session owner for a new one.`);
        }
        throw new ApiError(401, ErrorCode.Unauthorized, 'The access token is not valid.');
      }
      request.principal = principal;
      via = 'bearer';
    } else {
      const cookie = request.cookies[AUTH_COOKIE];
      const principal = cookie ? authenticator.fromCookie(cookie) : undefined;
      if (principal) {
        request.principal = principal;
        via = 'cookie';
      }
    }

    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/')) {
      await exchangeQueryCredential(request, reply);
      return;
    }
    const access: RouteAccess | 'any' = request.routeOptions.config?.access ?? 'admin';
    if (access === 'public') return;
    const principal = request.principal;
    if (!principal) throw new ApiError(401, ErrorCode.Unauthorized, 'Log in first: send Authorization: Bearer <token>, or open the console and log in.');
    authorize(principal, access, request);

    if (via === 'cookie') {
      if (isWebSocketUpgrade(request)) {
        // Cross-site WebSocket hijacking: browsers send cookies on cross-site upgrades (and
        // SameSite does not separate ports of one host), so the origin is what tells our page
        // from someone else's.
        const origin = request.headers.origin;
        if (!origin || !sameOrigin(origin, request, options.allowedOrigins)) {
          throw new ApiError(403, ErrorCode.ForbiddenOrigin, 'WebSocket connections from this origin are not allowed.');
        }
      } else if (request.method !== 'GET' && request.method !== 'HEAD' && request.headers[CSRF_HEADER] !== '1') {
        throw new ApiError(403, ErrorCode.Forbidden, `Browser requests that change state must carry the ${CSRF_HEADER} header.`);
      }
    }
  });

  /**
   * `/?token=…` logs a browser in; `/?share=…` exchanges a share link for a browser login to
   * that one session. Both redirect at once, so the secret leaves the address bar (and the
   * history, and the Referer of anything the page loads).
   */
  async function exchangeQueryCredential(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const query = request.query as Record<string, unknown> | undefined;
    const token = typeof query?.token === 'string' ? query.token : undefined;
    const share = typeof query?.share === 'string' ? query.share : undefined;
    if (token === undefined && share === undefined) return;
    const url = new URL(request.url, 'http://placeholder');
    url.searchParams.delete('token');
    url.searchParams.delete('share');
    let location = url.pathname + (url.search || '');
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (share !== undefined) {
      const found = shares.byToken(share);
      if ('share' in found) {
        const lifetime = found.share.expiresAt.getTime() - Date.now();
        setLoginCookie(reply, identities.createBrowserSession(`share:${found.share.id}`, lifetime));
        location = `/sessions/${found.share.sessionId}`;
      } else {
        location = `/?share-error=${found.refused === 'unknown' ? 'invalid' : found.refused}`;
      }
    } else if (token !== undefined) {
      const principal = authenticator.fromSecret(token);
      if (principal && principal.kind === 'token') setLoginCookie(reply, identities.createBrowserSession(principal.id));
    }
    await reply.redirect(location, 303);
  }

  function setLoginCookie(reply: FastifyReply, value: string): void {
    reply.setCookie(AUTH_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: options.secureCookie,
      path: '/',
    });
  }

  app.decorateReply('setLoginCookie', function (this: FastifyReply, value: string) {
    setLoginCookie(this, value);
  });
}

declare module 'fastify' {
  interface FastifyReply {
    setLoginCookie(browserSession: string): void;
  }
}

export default fp(authPlugin, { name: 'sonde-auth', dependencies: ['@fastify/cookie'] });
