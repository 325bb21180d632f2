import { ErrorCode, type EmbedScope, type ParticipantRole, type Role } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';

/**
 * Who a request is, once authenticated. Every route and socket decides on this, never on how
 * the credential arrived.
 */
export interface Principal {
  kind: 'user' | 'token' | 'share' | 'embed';
  /** `user:<id>`, `token:<id>` (`token:bootstrap` for SONDE_TOKEN), `share:<id>`, `embed:<id>`. */
  id: string;
  name: string;
  /**
   * The console role. Share and embed principals have none of their own (atLeast() is false for
   * them); an embed's is its minter's, which the target policy reads when it opens a shell.
   */
  role: Role;
  /** A share link reaches one session with one role, until it expires or is revoked. */
  share?: { id: string; sessionId: string; role: ParticipantRole; expiresAt: Date };
  /** An embed token reaches the one object it was minted for, from the routes that declare `embed`. */
  embed?: { id: string; scope: EmbedScope; role: ParticipantRole; expiresAt: Date };
  /** The browser login this request came with (absent for bearer credentials). */
  browserSessionId?: string;
}

/**
 * What a route requires. Every route declares one in `config.access` (a test enumerates the
 * route table): `public` needs nothing; `any` any principal, share links included; a role needs that role or more; `session` also admits
 * a share principal, for the session named in the `:id` parameter only; `embed` only an embed principal.
 */
export type RouteAccess = 'public' | 'any' | 'viewer' | 'operator' | 'admin' | 'session' | 'embed';

/**
 * Which embed tokens a route also admits, on top of its `access`: `session` a token for the
 * session in `:id` (or, for a container token, a session it opened itself: the handler checks
 * that), `run` a token for the run in `:id`. Routes declaring `access: 'embed'` admit embed
 * tokens only. Nothing else admits an embed token.
 */
export type EmbedAccess = 'session' | 'run';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    embed?: EmbedAccess;
    /** The web UI's page route: where `/?token=` and `/?share=` log a browser in. */
    page?: boolean;
    /** The embed pages' route: framable by SONDE_EMBED_ORIGINS, and no credential exchange. */
    embedPage?: boolean;
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
