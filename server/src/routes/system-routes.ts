import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ContainerList, ErrorBody, Health, LoginRequest, Me, NetworkList } from '@sonde/shared';
import Type from 'typebox';
import { ErrorCode } from '@sonde/shared';
import { AUTH_COOKIE } from '../auth/access-control.js';
import { ApiError } from '../http/api-error.js';
import type { AppServices } from '../app.js';

/** Health, login and the Docker inventory. */
export const systemRoutes: FastifyPluginAsyncTypebox<AppServices> = async (app, services) => {
  const { engine, monitor, access } = services;

  app.get('/api/health', { schema: { response: { 200: Health } } }, async () => monitor.probe());

  app.post(
    '/api/login',
    { schema: { body: LoginRequest, response: { 204: Type.Null(), 401: ErrorBody } } },
    async (request, reply) => {
      if (!access.checkToken(request.body.token)) {
        throw new ApiError(401, ErrorCode.Unauthorized, 'That access token is not valid.');
      }
      reply.setLoginCookie();
      return reply.code(204).send(null);
    },
  );

  app.post('/api/logout', async (_request, reply) => {
    reply.clearCookie(AUTH_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  app.get('/api/me', { schema: { response: { 200: Me } } }, async (request) => ({
    authenticated: true,
    via: request.authVia ?? 'none',
  }));

  app.get('/api/containers', { schema: { response: { 200: ContainerList } } }, async () => engine.listContainers());

  app.get('/api/networks', { schema: { response: { 200: NetworkList } } }, async () => engine.listNetworks());

  /** Server-sent events: Docker changes (`docker`) and engine reachability (`status`). */
  app.get('/api/events', async (request, reply) => {
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
    // Comments keep proxies from timing the stream out and reveal dead peers.
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15000);
    const stop = () => {
      clearInterval(keepAlive);
      offEvent();
      offHealth();
      offSession();
    };
    request.raw.once('close', stop);
    services.onShutdown(() => {
      stop();
      raw.end();
    });
  });
};
