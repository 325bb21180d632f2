import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EMBED_PROTOCOL_PREFIX, ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { nonCanonicalReason } from '../http/request-target.js';
import { AUTH_COOKIE, CSRF_HEADER, bearerToken, hostName } from './access-control.js';
import { atLeast, type Authenticator } from './authenticator.js';
import type { IdentityStore } from './identity-store.js';
import type { LoginLimiter } from './login-limiter.js';
import type { Principal, RouteAccess } from './principal.js';

export interface AuthOptions {
  authenticator: Authenticator;
  identities: IdentityStore;
  /** Counts wrong bearer tokens and query-string credentials per client address. */
  secretLimiter: LoginLimiter;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** Set the Secure attribute on the cookie (served over TLS, or behind a TLS proxy). */
  secureCookie: boolean;
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * An embed token offered as the WebSocket subprotocol `sonde.embed.<token>`: a browser cannot
 * set Authorization on an upgrade, and a query string would end up in logs and histories.
 * Only upgrades read it, and only embed tokens are taken from it (checked by the caller).
 */
function embedProtocolToken(request: FastifyRequest): string | undefined {
  if (!isWebSocketUpgrade(request)) return undefined;
  const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',');
  for (const protocol of offered) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith(EMBED_PROTOCOL_PREFIX)) return trimmed.slice(EMBED_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

function sameOrigin(origin: string, request: FastifyRequest, allowed: string[]): boolean {
  if (allowed.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.host.toLowerCase() === request.host.toLowerCase();
}

const ROLE_NAMES = { viewer: 'viewer', operator: 'operator', admin: 'admin' } as const;

/**
 * An embed token reaches its one object through the routes that declare `embed`, and the
 * embed-only routes; nothing else. A container embed's sessions are its own: the session
 * routes' visibility check confines it to them.
 */
function authorizeEmbed(principal: Principal, access: Exclude<RouteAccess, 'public'>, request: FastifyRequest): void {
  const scope = principal.embed?.scope;
  const declared = request.routeOptions.config?.embed;
  const id = (request.params as { id?: unknown } | undefined)?.id;
  const admitted =
    access === 'embed' ||
    (declared === 'session' && ((scope?.kind === 'session' && id === scope.sessionId) || scope?.kind === 'container')) ||
    (declared === 'run' && scope?.kind === 'run' && id === scope.runId);
  if (!admitted) throw new ApiError(403, ErrorCode.Forbidden, 'An embed token opens the one view it was made for, nothing else.');
}

/** Whether `principal` may call a route declaring `access`; throws the refusal a client can show. */
function authorize(principal: Principal, access: Exclude<RouteAccess, 'public'>, request: FastifyRequest): void {
  if (principal.kind === 'embed') return authorizeEmbed(principal, access, request);
  if (access === 'embed') throw new ApiError(403, ErrorCode.Forbidden, 'Only an embed token uses this route (the embed pages call it).');
  if (principal.kind === 'share') {
    const params = request.params as { id?: unknown } | undefined;
    if (access === 'any' || (access === 'session' && params?.id === principal.share?.sessionId)) return;
    throw new ApiError(403, ErrorCode.Forbidden, 'A share link opens its own session only.');
  }
  const needed = access === 'session' ? 'operator' : access === 'any' ? 'viewer' : access;
  if (!atLeast(principal, needed)) {
    throw new ApiError(403, ErrorCode.RoleRequired, `This needs the ${ROLE_NAMES[needed]} role; you are ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}.`);
  }
}

/**
 * What the route that will run requires. Decided on the route the router matched, never on the
 * URL's text: every route declares `config.access` (app.ts refuses to start otherwise), and a
 * request that matched none runs only the not-found handler, which serves nothing private.
 */
function accessOf(request: FastifyRequest): RouteAccess {
  if (request.is404) return 'public';
  const access = request.routeOptions.config?.access;
  // Unreachable while app.ts checks every route; if it ever is reached, the door stays shut.
  if (!access) throw new ApiError(403, ErrorCode.Forbidden, 'This route declares no access and is closed.');
  return access;
}

/**
 * Authentication, authorization, request-target, DNS-rebinding, CSRF and WebSocket origin
 * checks. They run in onRequest, so they guard WebSocket upgrades exactly like HTTP routes: a
 * refused upgrade never reaches a handler.
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { authenticator, identities, secretLimiter } = options;
  const allowedHosts = new Set(options.allowedHosts);
  app.decorateRequest('principal', undefined);

  /** Refuses a client address that guessed too many secrets; call before looking a secret up. */
  function throttleSecrets(request: FastifyRequest, reply: FastifyReply): void {
    const wait = secretLimiter.retryAfter(undefined, request.ip);
    if (wait <= 0) return;
    reply.header('retry-after', String(wait));
    throw new ApiError(429, ErrorCode.TooManyAttempts, `Too many wrong access tokens from your address; try again in ${wait} s.`);
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const spelling = nonCanonicalReason(request.raw.url ?? '');
    if (spelling) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${spelling}.`);

    const host = hostName(request.host);
    if (!host || !allowedHosts.has(host)) {
      throw new ApiError(403, ErrorCode.ForbiddenHost, 'This console does not answer to that host name. Add it to SONDE_ALLOWED_HOSTS if it is yours.');
    }

    // A bearer token in Authorization, or (upgrades only) an embed token in the subprotocol.
    // Either one takes precedence over a cookie: a framed embed never borrows the user's login.
    const fromHeader = bearerToken(request.headers.authorization);
    const bearer = fromHeader ?? embedProtocolToken(request);
    let via: 'bearer' | 'cookie' | undefined;
    if (bearer !== undefined) {
      throttleSecrets(request, reply);
      const principal = authenticator.fromSecret(bearer);
      if (!principal || (fromHeader === undefined && principal.kind !== 'embed')) {
        const share = authenticator.shareByToken(bearer);
        if ('refused' in share && share.refused !== 'unknown') {
          throw new ApiError(403, share.refused === 'expired' ? ErrorCode.ShareExpired : ErrorCode.ShareRevoked, `This share link ${share.refused === 'expired' ? 'has expired' : 'was revoked'}; ask the session owner for a new one.`);
        }
        const embed = authenticator.embedByToken(bearer);
        if ('refused' in embed && embed.refused !== 'unknown') {
          throw new ApiError(403, embed.refused === 'expired' ? ErrorCode.EmbedExpired : ErrorCode.EmbedRevoked, `This embed ${embed.refused === 'expired' ? 'has expired' : 'was revoked, or whoever made it lost access'}; the dashboard needs a new one.`);
        }
        secretLimiter.failed(undefined, request.ip);
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

    // A browser (cookie) request that changes state must prove it comes from the console's own page.
    const changesState = request.method !== 'GET' && request.method !== 'HEAD';
    if (via === 'cookie' && changesState && request.headers[CSRF_HEADER] !== '1') {
      throw new ApiError(403, ErrorCode.Forbidden, `Browser requests that change state must carry the ${CSRF_HEADER} header.`);
    }

    const access = accessOf(request);
    if (access === 'public') {
      if (request.routeOptions.config?.page) await exchangeQueryCredential(request, reply);
      return;
    }
    const principal = request.principal;
    if (!principal) throw new ApiError(401, ErrorCode.Unauthorized, 'Log in first: send Authorization: Bearer <token>, or open the console and log in.');
    authorize(principal, access, request);

    if (via === 'cookie' && isWebSocketUpgrade(request)) {
      // Cross-site WebSocket hijacking: browsers send cookies on cross-site upgrades (and
      // SameSite does not separate ports of one host), so the origin is what tells our page
      // from someone else's.
      const origin = request.headers.origin;
      if (!origin || !sameOrigin(origin, request, options.allowedOrigins)) {
        throw new ApiError(403, ErrorCode.ForbiddenOrigin, 'WebSocket connections from this origin are not allowed.');
      }
    }
  });

  /**
   * `/?token=…` logs a browser in; `/?share=…` exchanges a share link for a browser login to
   * that one session. Both redirect at once, so the secret leaves the address bar (and the
   * history, and the Referer of anything the page loads). Only on the web UI's page route.
   */
  async function exchangeQueryCredential(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const query = request.query as Record<string, unknown> | undefined;
    const token = typeof query?.token === 'string' ? query.token : undefined;
    const share = typeof query?.share === 'string' ? query.share : undefined;
    if (token === undefined && share === undefined) return;
    throttleSecrets(request, reply);
    const url = new URL(request.url, 'http://placeholder');
    url.searchParams.delete('token');
    url.searchParams.delete('share');
    let location = url.pathname + (url.search || '');
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (share !== undefined) {
      const found = authenticator.shareByToken(share);
      if ('share' in found) {
        const lifetime = found.share.expiresAt.getTime() - Date.now();
        setLoginCookie(reply, identities.createBrowserSession(`share:${found.share.id}`, lifetime));
        location = `/sessions/${found.share.sessionId}`;
      } else {
        if (found.refused === 'unknown') secretLimiter.failed(undefined, request.ip);
        location = `/?share-error=${found.refused === 'unknown' ? 'invalid' : found.refused}`;
      }
    } else if (token !== undefined) {
      const principal = authenticator.fromSecret(token);
      if (principal && principal.kind === 'token') {
        setLoginCookie(reply, identities.createBrowserSession(principal.id));
      } else {
        if (!principal) secretLimiter.failed(undefined, request.ip);
        url.searchParams.set('token-error', 'invalid');
        location = url.pathname + url.search;
      }
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
