import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@sonde/shared';
import { ApiError } from './api-error.js';

/**
 * Serves the built web UI. Every non-API GET that is not a file gets index.html, so deep
 * links (/containers/<id>, /sessions/<id>) survive a reload.
 */
async function webUi(app: FastifyInstance, options: { webDir: string }): Promise<void> {
  const index = path.join(options.webDir, 'index.html');
  const built = existsSync(index);
  if (built) {
    // wildcard: files are looked up per request, so a rebuilt UI is served without a restart.
    await app.register(fastifyStatic, { root: options.webDir, prefix: '/', wildcard: true, index: ['index.html'] });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    if (pathname.startsWith('/api/') || (request.method !== 'GET' && request.method !== 'HEAD')) {
      throw new ApiError(404, ErrorCode.NotFound, `No route ${request.method} ${pathname}.`);
    }
    // A missing asset is a 404, not the app: a page must not run HTML as a script.
    if (/\.[a-z0-9]+$/i.test(pathname)) {
      throw new ApiError(404, ErrorCode.NotFound, `No file ${pathname}.`);
    }
    if (!built) {
      return reply.code(503).type('text/plain').send('The web UI is not built. Run: npm run build\n');
    }
    reply.header('cache-control', 'no-store');
    return reply.sendFile('index.html');
  });
}

export default fp(webUi, { name: 'sonde-web-ui' });
