import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateSessionRequest, CreateShareRequest, CreatedShare, ErrorBody, ErrorCode, NetstatePending, SessionInfo, SessionList, ShareList, describeTarget, isHostData } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { atLeast } from '../auth/authenticator.js';
import { maySeeSession } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import type { Session } from '../sessions/session.js';
import { requireUpgrade, serveTerminalSocket } from './terminal-socket.js';

const SessionParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const ShareParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }), shareId: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/** The owner and admins manage a session: end it, share it, hand its keyboard around. */
function manages(principal: Principal, session: Session): boolean {
  return principal.id === session.owner.id || atLeast(principal, 'admin');
}

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, policy, shares, live, audit, config, recordings, identities, netstate } = app;

  const sees = (principal: Principal, session: Session) => maySeeSession(principal, session, policy);

  const notFound = (id: string) => new ApiError(404, ErrorCode.SessionNotFound, `There is no session ${id}.`);

  /** The session as this principal may see it; unknown and invisible sessions are the same 404. */
  function visible(principal: Principal, id: string): Session {
    const session = sessions.get(id);
    if (!session || !sees(principal, session)) throw notFound(id);
    return session;
  }

  function managed(principal: Principal, id: string): Session {
    const session = visible(principal, id);
    if (!manages(principal, session)) throw new ApiError(403, ErrorCode.Forbidden, `Only ${session.owner.name} (who opened this session) or an admin can do that.`);
    return session;
  }

  app.post(
    '/api/sessions',
    { config: { access: 'operator' }, schema: { body: CreateSessionRequest, response: { 201: SessionInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      recordings.assertCanRecord();
      const session = await sessions.start(request.body.target, principal, (target, context) => policy.check(principal.role, target, context));
      return reply.code(201).send(session.info());
    },
  );

  app.get('/api/sessions', { config: { access: 'viewer' }, schema: { response: { 200: SessionList } } }, async (request) => {
    const principal = principalOf(request);
    // Viewers watch what is shared with them (through links); they do not browse sessions.
    return sessions
      .list()
      .filter((s) => sees(principal, s))
      .map((s) => s.info());
  });

  app.get('/api/sessions/:id', { config: { access: 'session' }, schema: { params: SessionParams, response: { 200: SessionInfo } } }, async (request) =>
    visible(principalOf(request), request.params.id).info(),
  );

  app.delete('/api/sessions/:id', { config: { access: 'operator' }, schema: { params: SessionParams } }, async (request, reply) => {
    const principal = principalOf(request);
    managed(principal, request.params.id);
    await sessions.endBy(request.params.id, principal);
    return reply.code(204).send();
  });

  // "Check now": what this open session changed so far in its target's namespace (docs/api.md,
  // "Changes left behind"). Whoever may see the session may ask; it only reads the namespace.
  app.post(
    '/api/sessions/:id/netstate-check',
    { config: { access: 'operator' }, schema: { params: SessionParams, response: { 200: NetstatePending, '4xx': ErrorBody } } },
    async (request) => {
      const session = visible(principalOf(request), request.params.id);
      return (await netstate.check(session.id)) ?? { sessionId: session.id, checkedAt: new Date().toISOString(), sections: [] };
    },
  );

  app.post(
    '/api/sessions/:id/shares',
    { config: { access: 'operator' }, schema: { params: SessionParams, body: CreateShareRequest, response: { 201: CreatedShare, '4xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const session = managed(principal, request.params.id);
      if (session.state !== 'running') throw new ApiError(410, ErrorCode.SessionEnded, 'This session has ended; there is nothing left to share.');
      // A link admits someone with no console role; a host shell's screen is for admins only.
      if (isHostData(session.target)) throw new ApiError(403, ErrorCode.TargetNotAllowed, 'Host sessions (and node and overlay-namespace sessions) cannot be shared by link: their output is for admins only. Other admins can join the session from the console.');
      const { share, token } = shares.create(session.id, request.body.role, request.body.expiresInSeconds, principal);
      const origin = config.publicUrl ?? `${request.protocol}://${request.host}`;
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
    const session = managed(principalOf(request), request.params.id);
    const counts = new Map<string, number>();
    for (const p of session.participantList()) if (p.shareId) counts.set(p.shareId, (counts.get(p.shareId) ?? 0) + 1);
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
    const principal = principalOf(request);
    const session = managed(principal, request.params.id);
    const share = shares.get(request.params.shareId);
    if (!share || share.sessionId !== session.id) throw new ApiError(404, ErrorCode.ShareNotFound, 'This session has no such share link.');
    shares.revoke(share.id);
    const principalId = `share:${share.id}`;
    identities.deleteBrowserSessionsOf(principalId);
    const closed = live.closeWhere((p) => p.id === principalId, 'the share link was revoked');
    audit.record({ actor: principal, action: 'share-revoked', sessionId: session.id, target: describeTarget(session.target), detail: { share: share.id, disconnected: closed } });
    return reply.code(204).send();
  });

  app.get(
    '/api/sessions/:id/tty',
    {
      websocket: true,
      config: { access: 'session', embed: 'session' },
      schema: { params: SessionParams, querystring: TtyQuery },
      preHandler: requireUpgrade,
    },
    (socket, request) => {
      const { id } = request.params as { id: string };
      const { offset: offsetText } = request.query as { offset?: string };
      const offset = offsetText === undefined ? undefined : Number(offsetText);
      const principal = principalOf(request);
      const found = sessions.get(id);
      // A session this principal may not see is answered exactly like one that does not exist.
      const session = found && sees(principal, found) ? found : undefined;
      serveTerminalSocket(socket, {
        session,
        offset,
        interactive: true,
        maxClients: config.maxSocketsPerSession,
        participant: {
          id: principal.id,
          name: principal.name,
          ...(principal.share ? { shareId: principal.share.id } : {}),
          canManage: session ? manages(principal, session) : false,
        },
        // Share links and embeds bring their role; everyone else who is not the owner starts by watching.
        initialRole: principal.share?.role ?? principal.embed?.role ?? 'viewer',
        // A watcher's view follows the policy: once it no longer lets them see the session (on
        // what it read when the session started), their socket closes. The owner's session is
        // the enforcer's to end, for everyone at once.
        live: (close) => live.add(principal, close, 'socket', () => (session && principal.id !== session.owner.id && !sees(principal, session) ? 'you may no longer see this session (the target policy changed)' : undefined)),
        notFound: { code: ErrorCode.SessionNotFound, message: `There is no session ${id}.` },
      });
    },
  );
};
