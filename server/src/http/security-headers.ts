import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/**
 * No inline scripts, no framing, no referrer. Styles allow 'unsafe-inline' because xterm.js
 * sizes its rows with inline style attributes; scripts never do.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A year, the usual HSTS lifetime; subdomains are not the console's to speak for. */
const HSTS = 'max-age=31536000';

/** `hsts`: the console is reached over HTTPS (its own TLS, or a TLS proxy it was told about). */
async function securityHeaders(app: FastifyInstance, options: { hsts: boolean }): Promise<void> {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (options.hsts) reply.header('strict-transport-security', HSTS);
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    return payload;
  });
}

export default fp(securityHeaders, { name: 'sonde-security-headers' });
