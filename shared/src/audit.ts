import Type, { type Static } from 'typebox';

/** Everything the audit trail records. Append-only: entries are never changed or deleted by the API. */
export const AuditAction = Type.Union([
  Type.Literal('login'),
  Type.Literal('login-failed'),
  Type.Literal('logout'),
  Type.Literal('session-opened'),
  Type.Literal('session-joined'),
  Type.Literal('session-left'),
  Type.Literal('session-ended'),
  Type.Literal('keyboard-given'),
  Type.Literal('viewer-input-dropped'),
  Type.Literal('share-created'),
  Type.Literal('share-revoked'),
  Type.Literal('tool-run'),
  Type.Literal('doctor-run'),
  Type.Literal('matrix-run'),
  Type.Literal('capture-started'),
  Type.Literal('user-created'),
  Type.Literal('user-updated'),
  Type.Literal('token-created'),
  Type.Literal('token-revoked'),
  Type.Literal('policy-changed'),
  Type.Literal('netstate-changed'),
  Type.Literal('netstate-reverted'),
  Type.Literal('recording-failed'),
]);
export type AuditAction = Static<typeof AuditAction>;

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  /** Principal id (`user:…`, `token:…`, `share:…`) or `system`. */
  actor: Type.String(),
  actorName: Type.String(),
  action: AuditAction,
  sessionId: Type.Optional(Type.String()),
  /** The engine the target is on, for entries about a target. */
  engine: Type.Optional(Type.String()),
  /** Human-readable target, e.g. `container web-1` or `host`. */
  target: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditList = Type.Array(AuditEntry);

export const AuditQuery = Type.Object(
  {
    sessionId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{32}$' })),
    /** Entries after this sequence number (for paging and live tails). */
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl')])),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;
