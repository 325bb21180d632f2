import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * No inline scripts, no framing (but embed pages for SONDE_EMBED_ORIGINS), no referrer. Styles allow 'unsafe-inline' because xterm.js
 * sizes its rows with inline style attributes; scripts never do.
 */
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
];
const CSP = [...POLICY, "frame-ancestors 'none'"].join('; ');

export interface SecurityHeaderOptions {
  /** The console is reached over HTTPS (its own TLS, or a TLS proxy it was told about). */
  hsts: boolean;
  /** SONDE_EMBED_ORIGINS: who may frame the embed pages (and only those). */
  embedOrigins: readonly string[];
}

/** A year, the usual HSTS lifetime; subdomains are not the console's to speak for. */
const HSTS = 'max-age=31536000';

/**
 * The same headers on every response. The one exception is the embed pages' route: its
 * `frame-ancestors` lists SONDE_EMBED_ORIGINS (and X-Frame-Options, which cannot name an
 * origin, is left off), so a dashboard on those origins can frame the terminal; with none
 * configured, embed pages refuse framing like everything else. Decided on the matched route.
 */
async function securityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): Promise<void> {
  const embedCsp = [...POLICY, `frame-ancestors ${options.embedOrigins.join(' ')}`].join('; ');
  const framable = options.embedOrigins.length > 0;
  app.addHook('onSend', async (request, reply, payload) => {
    const embedPage = framable && request.routeOptions.config?.embedPage === true && !request.is404;
    setSecurityHeaders(reply, options.hsts, embedPage ? embedCsp : undefined);
    return payload;
  });
}

/**
 * The headers themselves; `embedCsp` for an embed page. Also for the replies no hook sees (what
 * the router refuses before routing: app.ts, frameworkErrors), which are never embed pages.
 */
export function setSecurityHeaders(reply: FastifyReply, hsts: boolean, embedCsp?: string): void {
  if (hsts) reply.header('strict-transport-security', HSTS);
  reply.header('content-security-policy', embedCsp ?? CSP);
  reply.header('x-content-type-options', 'nosniff');
  if (!embedCsp) reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

export default fp(securityHeaders, { name: 'sonde-security-headers' });
