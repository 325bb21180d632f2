import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  ApiTokenList,
  CreateApiTokenRequest,
  CreateUserRequest,
  CreatedApiToken,
  ErrorBody,
  ErrorCode,
  TargetPolicy,
  UpdateUserRequest,
  User,
  UserList,
  roleAtLeast,
} from '@sonde/shared';
import { hashPassword } from '../auth/passwords.js';
import { principalOf } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });

/**
 * Users, named API tokens and the target policy: admin only (docs/api.md, "Users and access").
 * Every handler reads its principal before it writes anything.
 */
export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identities, live, audit, policy, shares, embeds } = app;
  const admin = { access: 'admin' as const };

  /**
   * A principal lost (some of) its access: its sockets and streams close, the sessions, runs and
   * captures it owns end (they are held for it), and the share links and embeds it made stop
   * admitting anyone. Browser logins go too unless the principal keeps logging in (a role change).
   */
  function endAccess(principalId: string, reason: string, options: { keepLogins: boolean }): void {
    // Guests first: they lost their link (4003), which says more than the session ending under them.
    for (const shareId of shares.revokeCreatedBy(principalId)) {
      identities.deleteBrowserSessionsOf(`share:${shareId}`);
      live.closeWhere((p) => p.id === `share:${shareId}`, 'the share link was revoked');
    }
    for (const embedId of embeds.revokeCreatedBy(principalId)) live.closeWhere((p) => p.id === `embed:${embedId}`, 'the embed was revoked');
    if (!options.keepLogins) identities.deleteBrowserSessionsOf(principalId);
    live.closeWhere((p) => p.id === principalId, reason);
  }

  app.get('/api/users', { config: admin, schema: { response: { 200: UserList } } }, async () => identities.users());

  app.post(
    '/api/users',
    { config: admin, schema: { body: CreateUserRequest, response: { 201: User, '4xx': ErrorBody } } },
    async (request, reply) => {
      const actor = principalOf(request);
      const { username, password, role } = request.body;
      const user = identities.createUser(username, role, await hashPassword(password));
      if (!user) throw new ApiError(409, ErrorCode.UserExists, `There is already a user named "${username}".`);
      audit.record({ actor, action: 'user-created', detail: { username, role } });
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/api/users/:id',
    { config: admin, schema: { params: IdParams, body: UpdateUserRequest, response: { 200: User, '4xx': ErrorBody } } },
    async (request) => {
      const actor = principalOf(request);
      const { role, disabled, password } = request.body;
      const before = identities.user(request.params.id);
      if (!before) throw new ApiError(404, ErrorCode.UserNotFound, 'There is no such user.');
      const user = identities.updateUser(request.params.id, {
        ...(role ? { role } : {}),
        ...(disabled !== undefined ? { disabled } : {}),
        ...(password ? { passwordHash: await hashPassword(password) } : {}),
      })!;
      const principalId = `user:${user.id}`;
      if (user.disabled && !before.disabled) {
        endAccess(principalId, 'your account was disabled', { keepLogins: false });
      } else if (role && !roleAtLeast(role, before.role)) {
        // A demotion: what was opened with the old role ends; logins continue with the new one.
        endAccess(principalId, `your role changed to ${role}`, { keepLogins: true });
      }
      if (password) {
        // A new password logs out every browser that knew the old one.
        identities.deleteBrowserSessionsOf(principalId);
        live.closeWhere((p) => p.id === principalId && p.browserSessionId !== undefined, 'your password was changed');
      }
      audit.record({
        actor,
        action: 'user-updated',
        detail: { username: user.username, ...(role ? { role } : {}), ...(disabled !== undefined ? { disabled } : {}), ...(password ? { password: 'changed' } : {}) },
      });
      return user;
    },
  );

  app.get('/api/tokens', { config: admin, schema: { response: { 200: ApiTokenList } } }, async () => identities.tokens());

  app.post(
    '/api/tokens',
    { config: admin, schema: { body: CreateApiTokenRequest, response: { 201: CreatedApiToken, '4xx': ErrorBody } } },
    async (request, reply) => {
      const actor = principalOf(request);
      const { info, secret } = identities.createToken(request.body.name, request.body.role, actor.name);
      audit.record({ actor, action: 'token-created', detail: { name: info.name, role: info.role, id: info.id } });
      return reply.code(201).send({ ...info, token: secret });
    },
  );

  app.delete('/api/tokens/:id', { config: admin, schema: { params: IdParams } }, async (request, reply) => {
    const actor = principalOf(request);
    const info = identities.tokenById(request.params.id);
    if (!info || !identities.deleteToken(request.params.id)) throw new ApiError(404, ErrorCode.TokenNotFound, 'There is no such API token.');
    endAccess(`token:${info.id}`, 'the API token was revoked', { keepLogins: false });
    audit.record({ actor, action: 'token-revoked', detail: { name: info.name, id: info.id } });
    return reply.code(204).send();
  });

  app.get('/api/policy', { config: admin, schema: { response: { 200: TargetPolicy } } }, async () => policy.get());

  app.put('/api/policy', { config: admin, schema: { body: TargetPolicy, response: { 200: TargetPolicy } } }, async (request) => {
    const actor = principalOf(request);
    for (const rules of [request.body.operator, request.body.admin]) {
      for (const label of rules.denyLabels) {
        if (label.startsWith('=')) throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: "${label}" is not a label (use key or key=value).`);
      }
    }
    // Saving tells the enforcer, which ends live sessions, runs and captures the new policy refuses.
    const saved = policy.set(request.body);
    audit.record({ actor, action: 'policy-changed', detail: saved as unknown as Record<string, unknown> });
    return saved;
  });
};
