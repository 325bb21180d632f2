import Type, { type Static } from 'typebox';

/** What a participant may do on a shared terminal: type and resize, or only watch. */
export const ParticipantRole = Type.Union([Type.Literal('driver'), Type.Literal('viewer')]);
export type ParticipantRole = Static<typeof ParticipantRole>;

/** Share links are at most this long-lived; incidents are measured in hours. */
export const MAX_SHARE_SECONDS = 7 * 24 * 3600;

export const CreateShareRequest = Type.Object(
  {
    role: ParticipantRole,
    expiresInSeconds: Type.Integer({ minimum: 60, maximum: MAX_SHARE_SECONDS }),
  },
  { additionalProperties: false },
);
export type CreateShareRequest = Static<typeof CreateShareRequest>;

export const ShareInfo = Type.Object({
  id: Type.String(),
  sessionId: Type.String(),
  role: ParticipantRole,
  createdAt: Type.String(),
  createdBy: Type.String(),
  expiresAt: Type.String(),
  revokedAt: Type.Optional(Type.String()),
  /** Participants currently attached through this link. */
  participants: Type.Integer(),
});
export type ShareInfo = Static<typeof ShareInfo>;
export const ShareList = Type.Array(ShareInfo);

/** The token and URL are in the creation reply only; the server keeps a hash. */
export const CreatedShare = Type.Object({
  id: Type.String(),
  token: Type.String(),
  url: Type.String(),
  role: ParticipantRole,
  expiresAt: Type.String(),
});
export type CreatedShare = Static<typeof CreatedShare>;

/** One person (principal) attached to a session, with any number of tabs. */
export const Participant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: ParticipantRole,
  owner: Type.Boolean(),
  clients: Type.Integer(),
  /** Set when they joined through a share link. */
  shareId: Type.Optional(Type.String()),
});
export type Participant = Static<typeof Participant>;
