import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateSessionRequest, CreateShareRequest, CreatedShare, ErrorBody, ErrorCode, SessionInfo, SessionList, ShareList } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { atLeast } from '../auth/authenticator.js';
import { principalOf, type Principal } from '../auth/principal.js';
import type { Session } from '../sessions/session.js';
import { describeTarget } from '../audit/audit-log.js';
import type { AppServices } from '../app.js';
import { serveTerminalSocket } from './terminal-socket.js';

const SessionParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const ShareParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }), shareId: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/** The owner and admins manage a session: end it, share it, hand its keyboard around. */
function manages(principal: Principal, session: Session): boolean {
  return principal.id === session.owner.id || atLeast(principal, 'admin');
}

export const sessionRoutes: FastifyPluginAsyncTypebox<AppServices> = async (app, services) => {
  const { registry, policy, shares, live, audit, config } = services;

  const notFound = (id: string) => new ApiError(404, ErrorCode.SessionNotFound, `There is no session ${id}.`);

  function managed(request: { params: { id: string }; principal: Principal | undefined }): Session {
    const session = registry.get(request.params.id);
    if (!session) throw notFound(request.params.id);
    if (!manages(principalOf(request), session)) throw new ApiError(403, ErrorCode.Forbidden, `Only ${session.owner.name} (who opened this session) or an admin can do that.`);
    return session;
  }

  app.post(
    '/api/sessions',
    { config: { access: 'operator' }, schema: { body: CreateSessionRequest, response: { 201: SessionInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      services.beforeSessionStart?.();
      const session = await registry.create(request.body.target, { id: principal.id, name: principal.name }, (target, containers) =>
        policy.check(principal.role, target, containers),
      );
      return reply.code(201).send(session.info());
    },
  );

  app.get('/api/sessions', { config: { access: 'viewer' }, schema: { response: { 200: SessionList } } }, async (request) =>
    // Viewers watch what is shared with them (through links); they do not browse sessions.
    atLeast(principalOf(request), 'operator') ? registry.list().map((s) => s.info()) : [],
  );

  app.get('/api/sessions/:id', { config: { access: 'session' }, schema: { params: SessionParams, response: { 200: SessionInfo } } }, async (request) => {
    const session = registry.get(request.params.id);
    if (!session) throw notFound(request.params.id);
    return session.info();
  });

  app.delete('/api/sessions/:id', { config: { access: 'operator' }, schema: { params: SessionParams } }, async (request, reply) => {
    managed(request);
    await registry.end(request.params.id, 'deleted', principalOf(request));
    return reply.code(204).send();
  });

  app.post(
    '/api/sessions/:id/shares',
    { config: { access: 'operator' }, schema: { params: SessionParams, body: CreateShareRequest, response: { 201: CreatedShare, '4xx': ErrorBody } } },
    async (request, reply) => {
      const session = managed(request);
      if (session.state !== 'running') throw new ApiError(410, ErrorCode.SessionEnded, 'This session has ended; there is nothing left to share.');
      const principal = principalOf(request);
      const { share, token } = shares.create(session.id, request.body.role, request.body.expiresInSeconds, principal.name);
      const origin = config.publicUrl ?? `${request.protocol}://${request.headers.host ?? `${config.host}:${config.port}`}`;
      audit.record({
        actor: principal,
        action: 'share-created',
        sessionId: session.id,
        target: describeTarget(session.target),
        detail: { share: share.id, role: share.role, expiresAt: share.expiresAt.toISOString() },
      });
      return reply.code(201).send({ id: share.id, token, url: `${origin}/?share=${token}`, role: share.role, expiresAt: share.expiresAt.toISOString() });
    },
  );

  app.get('/api/sessions/:id/shares', { config: { access: 'operator' }, schema: { params: SessionParams, response: { 200: ShareList } } }, async (request) => {
    const session = managed(request);
    const counts = new Map<string, number>();
    for (const p of session.participants()) if (p.shareId) counts.set(p.shareId, (counts.get(p.shareId) ?? 0) + 1);
    return shares.forSession(session.id).map((s) => ({
      id: s.id,
      sessionId: s.sessionId,
      role: s.role,
      createdAt: s.createdAt.toISOString(),
      createdBy: s.createdBy,
      expiresAt: s.expiresAt.toISOString(),
      ...(s.revokedAt ? { revokedAt: s.revokedAt.toISOString() } : {}),
      participants: counts.get(s.id) ?? 0,
    }));
  });

  app.delete('/api/sessions/:id/shares/:shareId', { config: { access: 'operator' }, schema: { params: ShareParams } }, async (request, reply) => {
    const session = managed(request);
    const share = shares.get(request.params.shareId);
    if (!share || share.sessionId !== session.id) throw new ApiError(404, ErrorCode.ShareNotFound, 'This session has no such share link.');
    shares.revoke(share.id);
    const principalId = `share:${share.id}`;
    services.identities.deleteBrowserSessionsOf(principalId);
    const closed = live.closeWhere((p) => p.id === principalId, 'the share link was revoked');
    audit.record({ actor: principalOf(request), action: 'share-revoked', sessionId: session.id, target: describeTarget(session.target), detail: { share: share.id, disconnected: closed } });
    return reply.code(204).send();
  });

  app.get(
    '/api/sessions/:id/tty',
    {
      websocket: true,
      config: { access: 'session' },
      schema: { params: SessionParams, querystring: TtyQuery },
    },
    (socket, request) => {
      const { id } = request.params as { id: string };
      const { offset: offsetText } = request.query as { offset?: string };
      const offset = offsetText === undefined ? undefined : Number(offsetText);
      const principal = principalOf(request);
      const session = registry.get(id);
      serveTerminalSocket(socket, {
        session,
        offset,
        interactive: true,
        participant: {
          id: principal.id,
          name: principal.name,
          ...(principal.share ? { shareId: principal.share.id } : {}),
          canManage: session ? manages(principal, session) : false,
        },
        // Share links bring their role; everyone else who is not the owner starts by watching.
        initialRole: principal.share?.role ?? 'viewer',
        live: (close) => live.add(principal, close),
        notFound: { code: ErrorCode.SessionNotFound, message: `There is no session ${id}.` },
      });
    },
  );
};
