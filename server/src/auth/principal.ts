import { ErrorCode, type ParticipantRole, type Role } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';

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
    /** The web UI's page route: where `/?token=` and `/?share=` log a browser in. */
    page?: boolean;
  }
  interface FastifyRequest {
    /** Set by the auth plugin before any handler runs; undefined only on public routes. */
    principal: Principal | undefined;
  }
}

/**
 * The principal of a request that passed the auth hook. The hook already answered 401 to any
 * non-public route without one; this refuses again rather than run a handler anonymously.
 */
export function principalOf(request: { principal: Principal | undefined }): Principal {
  if (!request.principal) throw new ApiError(401, ErrorCode.Unauthorized, 'Log in first.');
  return request.principal;
}
