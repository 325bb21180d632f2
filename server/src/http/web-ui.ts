import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@sonde/shared';
import { ApiError } from './api-error.js';

/**
 * The URL space outside the API's routes. The built web UI from one public route, `GET /*`: a
 * file of the build when there is one, otherwise index.html, so deep links (/containers/<id>,
 * /sessions/<id>) survive a reload; and `/api/*`, never public, for API paths no route serves.
 * Ordinary routes declaring their access, like every other: the auth hook decides on them, not
 * on the URL's text.
 */
/** `assets/index-CVatVcAp.js`: Vite's hashed output (the hash is 8 URL-safe base64 characters). */
const HASHED_ASSET = /^assets\/.+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

async function webUi(app: FastifyInstance, options: { webDir: string }): Promise<void> {
  const root = path.resolve(options.webDir);
  const built = existsSync(path.join(root, 'index.html'));
  // preCompressed: the build writes .br and .gz beside each asset (web/vite.config.ts); the
  // one the browser accepts is sent, with Vary: Accept-Encoding.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  // The embed pages (embed.html): only the terminal or the result card, opened with an embed
  // token from the URL's fragment. Framable by SONDE_EMBED_ORIGINS (security-headers.ts), and
  // never a place where a query-string credential becomes a login cookie (no `page` flag).
  app.get(
    '/embed/*',
    { config: { access: 'public', embedPage: true }, schema: { hide: true } },
    async (request, reply) => {
      const wanted = (request.params as { '*'?: string })['*'] ?? '';
      if (!/^(sessions\/[a-f0-9]{32}|containers\/[^/]+\/shell|runs\/[a-f0-9]{32})$/.test(wanted)) throw new ApiError(404, ErrorCode.NotFound, `No embed view /embed/${wanted}.`);
      if (!existsSync(path.join(root, 'embed.html'))) return reply.code(503).type('text/plain').send('The web UI is not built. Run: npm run build\n');
      reply.header('cache-control', 'no-store');
      return reply.sendFile('embed.html');
    },
  );

  app.get('/*', { config: { access: 'public', page: true }, schema: { hide: true } }, async (request, reply) => {
    // Paths under /api never reach this route: the /api/* route below answers them.
    const wanted = (request.params as { '*'?: string })['*'] ?? '';
    if (wanted !== '' && built) {
      const file = path.join(root, wanted);
      // The canonical-path check already refused `..`; this keeps the file under the root regardless.
      if (file.startsWith(root + path.sep)) {
        const info = await stat(file).catch(() => undefined);
        if (info?.isFile()) {
          // Vite names what it builds under assets/ by content hash: a changed file is a new URL,
          // so browsers may keep these for a year without asking. Anything else is revalidated.
          return HASHED_ASSET.test(wanted)
            ? reply.sendFile(wanted, { maxAge: ONE_YEAR_MS, immutable: true })
            : reply.sendFile(wanted, { maxAge: 0 });
        }
      }
    }
    // A missing asset is a 404, not the app: a page must not run HTML as a script.
    if (/\.[a-z0-9]+$/i.test(wanted)) throw new ApiError(404, ErrorCode.NotFound, `No file /${wanted}.`);
    if (!built) return reply.code(503).type('text/plain').send('The web UI is not built. Run: npm run build\n');
    // no-cache: kept, but revalidated on every load, so a new build's asset names are seen at once.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });

  // The API's namespace is never public: a path under /api that no route serves is a 401 to
  // anonymous callers (the route table is not theirs to map) and a 404 to everyone else.
  app.all('/api/*', { config: { access: 'any' }, schema: { hide: true } }, async (request) => {
    throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });

  app.setNotFoundHandler(async (request) => {
    throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });
}

export default fp(webUi, { name: 'sonde-web-ui' });
