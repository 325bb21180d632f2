import Type, { type Static } from 'typebox';
import { ContainerTargetRequest, SessionInfo } from './sessions.js';
import { ParticipantRole } from './shares.js';
import { RunInfo } from './tools/runs.js';

/**
 * Embed tokens (docs/api.md, "Embeds"): what a dashboard page frames. A token reaches one
 * object, a session, a container's shell or a run, with one role, until it expires; it is
 * minted through the API by someone who may do that on that object, and it does nothing else.
 */

/** Embeds are short-lived: a dashboard mints a new one when it renders. */
export const MAX_EMBED_SECONDS = 12 * 3600;

const ObjectId = Type.String({ pattern: '^[a-f0-9]{32}$' });

/** Watch (viewer) or type into (driver) one live session. */
export const SessionEmbedScope = Type.Object({ kind: Type.Literal('session'), sessionId: ObjectId }, { additionalProperties: false });
/** Open a shell in one container's namespaces, held by the token (each page load opens its own session). */
export const ContainerEmbedScope = ContainerTargetRequest;
/** Follow one tool run: its output and its result card (read-only). */
export const RunEmbedScope = Type.Object({ kind: Type.Literal('run'), runId: ObjectId }, { additionalProperties: false });
export const EmbedScope = Type.Union([SessionEmbedScope, ContainerEmbedScope, RunEmbedScope]);
export type EmbedScope = Static<typeof EmbedScope>;

export const CreateEmbedRequest = Type.Object(
  {
    scope: EmbedScope,
    /** `driver` types, `viewer` watches. A container shell needs `driver`; a run is `viewer` only. */
    role: ParticipantRole,
    expiresInSeconds: Type.Integer({ minimum: 60, maximum: MAX_EMBED_SECONDS }),
  },
  { additionalProperties: false },
);
export type CreateEmbedRequest = Static<typeof CreateEmbedRequest>;

export const CreatedEmbed = Type.Object({
  id: Type.String(),
  /** The secret: shown once. The page URL carries it in its fragment, which browsers never send. */
  token: Type.String(),
  /** The page to frame: `/embed/sessions/<id>`, `/embed/containers/<id>/shell` or `/embed/runs/<id>`, `#token=…`. */
  url: Type.String(),
  scope: EmbedScope,
  role: ParticipantRole,
  expiresAt: Type.String({ format: 'date-time' }),
});
export type CreatedEmbed = Static<typeof CreatedEmbed>;

/** GET /api/embed: what the presented embed token opens, as the embed page needs it. */
export const EmbedInfo = Type.Object({
  id: Type.String(),
  scope: EmbedScope,
  role: ParticipantRole,
  expiresAt: Type.String({ format: 'date-time' }),
  /** The minter, as the page may show it ("shared by alice"). */
  createdBy: Type.String(),
  /** Session scope: the session now. */
  session: Type.Optional(SessionInfo),
  /** Run scope: the run now (its result once it ended). */
  run: Type.Optional(RunInfo),
});
export type EmbedInfo = Static<typeof EmbedInfo>;

/** The WebSocket subprotocol that carries an embed token (browsers cannot send Authorization on an upgrade). */
export const EMBED_PROTOCOL_PREFIX = 'sonde.embed.';
/** The subprotocol the server selects; the one carrying the token is never echoed back. */
export const TERMINAL_PROTOCOL = 'sonde';
