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
async function webUi(app: FastifyInstance, options: { webDir: string }): Promise<void> {
  const root = path.resolve(options.webDir);
  const built = existsSync(path.join(root, 'index.html'));
  await app.register(fastifyStatic, { root, serve: false });

  app.get('/*', { config: { access: 'public', page: true } }, async (request, reply) => {
    // Paths under /api never reach this route: the /api/* route below answers them.
    const wanted = (request.params as { '*'?: string })['*'] ?? '';
    if (wanted !== '' && built) {
      const file = path.join(root, wanted);
      // The canonical-path check already refused `..`; this keeps the file under the root regardless.
      if (file.startsWith(root + path.sep)) {
        const info = await stat(file).catch(() => undefined);
        if (info?.isFile()) return reply.sendFile(wanted);
      }
    }
    // A missing asset is a 404, not the app: a page must not run HTML as a script.
    if (/\.[a-z0-9]+$/i.test(wanted)) throw new ApiError(404, ErrorCode.NotFound, `No file /${wanted}.`);
    if (!built) return reply.code(503).type('text/plain').send('The web UI is not built. Run: npm run build\n');
    reply.header('cache-control', 'no-store');
    return reply.sendFile('index.html');
  });

  // The API's namespace is never public: a path under /api that no route serves is a 401 to
  // anonymous callers (the route table is not theirs to map) and a 404 to everyone else.
  app.all('/api/*', { config: { access: 'any' } }, async (request) => {
    throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });

  app.setNotFoundHandler(async (request) => {
    throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });
}

export default fp(webUi, { name: 'sonde-web-ui' });
