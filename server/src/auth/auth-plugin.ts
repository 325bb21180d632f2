import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { AUTH_COOKIE, AccessControl, CSRF_HEADER, hostName, type AuthVia } from './access-control.js';

declare module 'fastify' {
  interface FastifyRequest {
    authVia: AuthVia | undefined;
  }
}

export interface AuthOptions {
  access: AccessControl;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** Set the Secure attribute on the cookie (served over TLS). */
  secureCookie: boolean;
}

/** Routes anyone may call. Every other /api route needs a token or the login cookie. */
const PUBLIC_API = new Set(['/api/health', '/api/login', '/api/logout']);

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

/**
 * Authentication, DNS-rebinding, CSRF and WebSocket origin checks. They run in onRequest, so
 * they guard WebSocket upgrades exactly like HTTP routes: a refused upgrade never reaches a
 * handler.
 */
async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { access } = options;
  const allowedHosts = new Set(options.allowedHosts);
  app.decorateRequest('authVia', undefined);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const host = hostName(request.headers.host);
    if (!host || !allowedHosts.has(host)) {
      throw new ApiError(403, ErrorCode.ForbiddenHost, 'This console does not answer to that host name. Add it to SONDE_ALLOWED_HOSTS if it is yours.');
    }

    const bearer = AccessControl.bearer(request.headers.authorization);
    if (bearer !== undefined) {
      if (!access.checkToken(bearer)) throw new ApiError(401, ErrorCode.Unauthorized, 'The access token is not valid.');
      request.authVia = 'token';
    } else if (access.checkCookie(request.cookies[AUTH_COOKIE])) {
      request.authVia = 'cookie';
    }

    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/')) {
      await loginFromQuery(request, reply);
      return;
    }
    if (PUBLIC_API.has(path)) return;
    if (!request.authVia) throw new ApiError(401, ErrorCode.Unauthorized, 'Log in first: send Authorization: Bearer <token>, or open the console with its login URL.');

    if (request.authVia === 'cookie') {
      if (isWebSocketUpgrade(request)) {
        // Cross-site WebSocket hijacking: browsers send cookies on cross-site upgrades, so the
        // origin is the only thing that tells our page from someone else's.
        const origin = request.headers.origin;
        if (!origin || !sameOrigin(origin, request, options.allowedOrigins)) {
          throw new ApiError(403, ErrorCode.ForbiddenOrigin, 'WebSocket connections from this origin are not allowed.');
        }
      } else if (request.method !== 'GET' && request.method !== 'HEAD' && request.headers[CSRF_HEADER] !== '1') {
        throw new ApiError(403, ErrorCode.Forbidden, `Browser requests that change state must carry the ${CSRF_HEADER} header.`);
      }
    }
  });

  /** `/?token=…` logs a browser in once, then redirects so the token leaves the address bar. */
  async function loginFromQuery(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = request.query as Record<string, unknown> | undefined;
    const token = typeof query?.token === 'string' ? query.token : undefined;
    if (token === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    const url = new URL(request.url, 'http://placeholder');
    url.searchParams.delete('token');
    const clean = url.pathname + (url.search || '');
    if (access.checkToken(token)) setLoginCookie(reply);
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    await reply.redirect(clean, 303);
  }

  function setLoginCookie(reply: FastifyReply): void {
    reply.setCookie(AUTH_COOKIE, access.browserCookie, {
      httpOnly: true,
      sameSite: 'strict',
      secure: options.secureCookie,
      path: '/',
    });
  }

  app.decorateReply('setLoginCookie', function (this: FastifyReply) {
    setLoginCookie(this);
  });
}

declare module 'fastify' {
  interface FastifyReply {
    setLoginCookie(): void;
  }
}

export default fp(authPlugin, { name: 'sonde-auth', dependencies: ['@fastify/cookie'] });
