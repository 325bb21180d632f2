import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateSessionRequest, ErrorBody, ErrorCode, SessionInfo, SessionList } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { AppServices } from '../app.js';
import { serveTerminalSocket } from './terminal-socket.js';

const SessionParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

export const sessionRoutes: FastifyPluginAsyncTypebox<AppServices> = async (app, services) => {
  const { registry } = services;

  const notFound = (id: string) => new ApiError(404, ErrorCode.SessionNotFound, `There is no session ${id}.`);

  app.post(
    '/api/sessions',
    { schema: { body: CreateSessionRequest, response: { 201: SessionInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const session = await registry.create(request.body.target);
      return reply.code(201).send(session.info());
    },
  );

  app.get('/api/sessions', { schema: { response: { 200: SessionList } } }, async () => registry.list().map((s) => s.info()));

  app.get('/api/sessions/:id', { schema: { params: SessionParams, response: { 200: SessionInfo } } }, async (request) => {
    const session = registry.get(request.params.id);
    if (!session) throw notFound(request.params.id);
    return session.info();
  });

  app.delete('/api/sessions/:id', { schema: { params: SessionParams } }, async (request, reply) => {
    const existed = await registry.end(request.params.id, 'deleted');
    if (!existed) throw notFound(request.params.id);
    return reply.code(204).send();
  });

  app.get(
    '/api/sessions/:id/tty',
    {
      websocket: true,
      schema: { params: SessionParams, querystring: TtyQuery },
    },
    (socket, request) => {
      const { id } = request.params as { id: string };
      const { offset: offsetText } = request.query as { offset?: string };
      const offset = offsetText === undefined ? undefined : Number(offsetText);
      serveTerminalSocket(socket, {
        session: registry.get(id),
        offset,
        interactive: true,
        notFound: { code: ErrorCode.SessionNotFound, message: `There is no session ${id}.` },
      });
    },
  );
};
