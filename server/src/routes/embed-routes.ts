import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateEmbedRequest, CreatedEmbed, EmbedInfo, ErrorBody, ErrorCode, SessionInfo, describeTarget, isHostData, type EmbedScope, type ResolvedTarget } from '@sonde/shared';
import { atLeast } from '../auth/authenticator.js';
import { mayReadTarget, ownsOrAdmin } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';
import { resolveOnEngines } from '../toolboxes/target-resolver.js';

const EmbedParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });

/** Where the embed page of a scope lives; the token rides in the fragment, which no browser sends. */
function embedPath(scope: EmbedScope): string {
  switch (scope.kind) {
    case 'session':
      return `/embed/sessions/${scope.sessionId}`;
    case 'container':
      return `/embed/containers/${encodeURIComponent(scope.container)}/shell`;
    case 'run':
      return `/embed/runs/${scope.runId}`;
    default: {
      const unexpected: never = scope;
      return unexpected;
    }
  }
}

/**
 * Embed tokens (docs/api.md, "Embeds"). Minting one is something its minter may do on that
 * object now: manage the session, open a shell on the container (the target policy for their
 * role), own the run. Never on host data: the token's holder has no console role. The embed
 * pages use the two embed-only routes (what the token opens; a container embed's shell) and
 * the terminal sockets that declare `embed`; every other route refuses the token.
 */
export const embedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { embeds, sessions, runs, policy, engines, audit, live, config, recordings, isConsole } = app;

  // What mayReadTarget keeps from anyone below admin: an embed's holder has no console role.
  const refuseHost = (target: ResolvedTarget) => {
    if (isHostData(target)) {
      throw new ApiError(403, ErrorCode.TargetNotAllowed, 'Host data (a host, a Kubernetes node, an overlay network\'s own namespace) cannot be embedded: an embed has no console role, and that output is for admins only.');
    }
  };

  /** Checks the minter may embed this object now; returns the scope to store (a container by its full id). */
  async function allowedScope(principal: Principal, request: CreateEmbedRequest): Promise<{ scope: EmbedScope; target: ResolvedTarget }> {
    const { scope, role } = request;
    switch (scope.kind) {
      case 'session': {
        const session = sessions.get(scope.sessionId);
        const visible = session && mayReadTarget(principal, session.target) && (principal.id === session.owner.id || atLeast(principal, 'admin'));
        if (!session || !visible) throw new ApiError(404, ErrorCode.SessionNotFound, `There is no session ${scope.sessionId} of yours.`);
        if (session.state !== 'running') throw new ApiError(410, ErrorCode.SessionEnded, 'This session has ended; there is nothing left to embed.');
        refuseHost(session.target);
        return { scope, target: session.target };
      }
      case 'container': {
        if (role !== 'driver') throw new ApiError(400, ErrorCode.InvalidRequest, 'Invalid request: a container shell embed opens a shell of its own, so its role is driver.');
        const { target, context } = await resolveOnEngines(engines, scope, { isConsole });
        policy.check(principal.role, target, context);
        refuseHost(target);
        if (target.kind !== 'container') throw new ApiError(400, ErrorCode.InvalidRequest, 'Invalid request: scope.container must name a container.');
        // Bound to this container, by id: a name reused later by another container opens nothing.
        return { scope: { kind: 'container', engine: target.engine, container: target.containerId, ...(target.sharePid ? { sharePid: true } : {}) }, target };
      }
      case 'run': {
        if (role !== 'viewer') throw new ApiError(400, ErrorCode.InvalidRequest, "Invalid request: a run's output is read-only, so its embed role is viewer.");
        const run = runs.get(scope.runId);
        if (!run || !ownsOrAdmin(principal, run)) throw new ApiError(404, ErrorCode.RunNotFound, `There is no run ${scope.runId}.`);
        refuseHost(run.target);
        return { scope, target: run.target };
      }
      default: {
        const unexpected: never = scope;
        return unexpected;
      }
    }
  }

  app.post(
    '/api/embeds',
    { config: { access: 'operator' }, schema: { summary: 'Mint an embed token', body: CreateEmbedRequest, response: { 201: CreatedEmbed, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { scope, target } = await allowedScope(principal, request.body);
      const { embed, token } = embeds.create(scope, request.body.role, request.body.expiresInSeconds, principal);
      const origin = config.publicUrl ?? `${request.protocol}://${request.host}`;
      audit.record({
        actor: principal,
        action: 'embed-created',
        ...(scope.kind === 'session' ? { sessionId: scope.sessionId } : scope.kind === 'run' ? { sessionId: scope.runId } : {}),
        target: describeTarget(target),
        detail: { embed: embed.id, scope: scope.kind, role: embed.role, expiresAt: embed.expiresAt.toISOString() },
      });
      return reply.code(201).send({ id: embed.id, token, url: `${origin}${embedPath(scope)}#token=${token}`, scope, role: embed.role, expiresAt: embed.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/api/embeds/:id',
    { config: { access: 'operator' }, schema: { summary: 'Revoke an embed token', params: EmbedParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const embed = embeds.get(request.params.id);
      if (!embed || (embed.creator.id !== principal.id && !atLeast(principal, 'admin'))) throw new ApiError(404, ErrorCode.EmbedNotFound, 'There is no such embed of yours.');
      embeds.revoke(embed.id);
      // Its sockets close (4003) and the shells a container embed opened end.
      const closed = live.closeWhere((p) => p.id === `embed:${embed.id}`, 'the embed was revoked');
      audit.record({ actor: principal, action: 'embed-revoked', detail: { embed: embed.id, disconnected: closed } });
      return reply.code(204).send(null);
    },
  );

  app.get('/api/embed', { config: { access: 'embed' }, schema: { summary: 'What this embed token opens', response: { 200: EmbedInfo } } }, async (request) => {
    const embed = principalOf(request).embed;
    const stored = embed ? embeds.get(embed.id) : undefined;
    if (!embed || !stored) throw new ApiError(403, ErrorCode.EmbedRevoked, 'This embed no longer exists.');
    const scope = embed.scope;
    const session = scope.kind === 'session' ? sessions.get(scope.sessionId) : undefined;
    const run = scope.kind === 'run' ? runs.get(scope.runId) : undefined;
    return {
      id: embed.id,
      scope,
      role: embed.role,
      expiresAt: embed.expiresAt.toISOString(),
      createdBy: stored.creator.name,
      ...(session ? { session: session.info() } : {}),
      ...(run ? { run: run.info() } : {}),
    };
  });

  app.post(
    '/api/embed/shell',
    { config: { access: 'embed' }, schema: { summary: "Open a container embed's shell", response: { 201: SessionInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const scope = principal.embed?.scope;
      if (scope?.kind !== 'container') throw new ApiError(403, ErrorCode.Forbidden, 'Only a container embed opens a shell.');
      recordings.assertCanRecord();
      // Held for the embed (its caps, its revocation), allowed by the policy for its minter's role.
      const session = await sessions.start(scope, principal, (target, context) => policy.check(principal.role, target, context));
      return reply.code(201).send(session.info());
    },
  );
};
