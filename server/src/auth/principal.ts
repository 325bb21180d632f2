import type { ParticipantRole, Role } from '@sonde/shared';

/**
 * Who a request is, once authenticated. Every route and socket decides on this, never on how
 * the credential arrived.
 */
export interface Principal {
  kind: 'user' | 'token' | 'share';
  /** `user:<id>`, `token:<id>` (`token:bootstrap` for SONDE_TOKEN), `share:<id>`. */
  id: string;
  name: string;
  role: Role;
  /** A share link reaches one session with one role, until it expires or is revoked. */
  share?: { id: string; sessionId: string; role: ParticipantRole; expiresAt: Date };
  /** The browser login this request came with (absent for bearer credentials). */
  browserSessionId?: string;
}

/**
 * What a route requires. Every route declares one in `config.access` (a test enumerates the
 * route table): `public` needs nothing; `any` any principal, share links included; a role needs that role or more; `session` also admits
 * a share principal, for the session named in the `:id` parameter only.
 */
export type RouteAccess = 'public' | 'any' | 'viewer' | 'operator' | 'admin' | 'session';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by the auth plugin before any handler runs; undefined only on public routes. */
    principal: Principal | undefined;
  }
}

/** The principal of a request that passed the auth hook (public routes excepted). */
export function principalOf(request: { principal: Principal | undefined }): Principal {
  if (!request.principal) throw new Error('route reached without a principal: its access declaration is wrong');
  return request.principal;
}
