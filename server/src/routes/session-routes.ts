import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import Type from 'typebox';
import {
  CloseCode,
  CreateSessionRequest,
  ErrorBody,
  ErrorCode,
  MAX_CONTROL_FRAME_BYTES,
  SessionInfo,
  SessionList,
  decodeClientControl,
  encodeControl,
} from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { Attachment, ClientChannel } from '../sessions/session.js';
import type { AppServices } from '../app.js';

const SessionParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/** How often the server pings each terminal socket; a peer that misses one ping is dropped. */
const HEARTBEAT_MS = 20_000;

function channelFor(socket: WebSocket): ClientChannel {
  return {
    sendOutput(data, written) {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(data, { binary: true }, () => written());
    },
    sendControl(message) {
      if (socket.readyState === socket.OPEN) socket.send(encodeControl(message), { binary: false });
    },
    close(code, reason) {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
    },
  };
}

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
      const session = registry.get(id);
      if (!session) {
        // Accept, then close with 4004: a browser cannot read an HTTP status from a refused
        // upgrade, and must know not to retry.
        socket.send(encodeControl({ type: 'error', code: ErrorCode.SessionNotFound, message: `There is no session ${id}.` }));
        socket.close(CloseCode.SessionNotFound, 'session not found');
        return;
      }
      let attachment: Attachment | undefined;
      let alive = true;
      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, HEARTBEAT_MS);
      socket.on('pong', () => {
        alive = true;
      });
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (!attachment) return;
        if (isBinary) {
          attachment.input(data);
          return;
        }
        if (data.length > MAX_CONTROL_FRAME_BYTES) {
          attachment.violations.oversizedFrames++;
          socket.send(encodeControl({ type: 'error', code: 'BAD_CONTROL_MESSAGE', message: 'control frame too large' }));
          return;
        }
        const decoded = decodeClientControl(data.toString('utf8'));
        if (!decoded.ok) {
          attachment.violations.malformedControl++;
          socket.send(encodeControl({ type: 'error', code: 'BAD_CONTROL_MESSAGE', message: decoded.reason }));
          return;
        }
        const message = decoded.message;
        if (message.type === 'ack') attachment.ack(message.bytes);
        else attachment.resize(message.cols, message.rows);
      });
      socket.once('close', () => {
        clearInterval(heartbeat);
        attachment?.close(CloseCode.Normal, 'client left');
      });
      socket.on('error', () => socket.terminate());
      attachment = session.attach(channelFor(socket), offset);
    },
  );
};
