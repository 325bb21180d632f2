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
  Type.Literal('embed-created'),
  Type.Literal('embed-revoked'),
  Type.Literal('tool-run'),
  Type.Literal('doctor-run'),
  Type.Literal('matrix-run'),
  Type.Literal('capture-started'),
  Type.Literal('capture-removed'),
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
/** Every action, for pickers (kept equal to AuditAction by a unit test). */
export const AUDIT_ACTIONS: readonly AuditAction[] = AuditAction.anyOf.map((literal) => literal.const);

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  /** Principal id (`user:…`, `token:…`, `share:…`) or `system`. */
  actor: Type.String(),
  actorName: Type.String(),
  action: AuditAction,
  /** The session an entry is about (sessions, shares, keyboard, netstate entries). */
  sessionId: Type.Optional(Type.String()),
  /** The tool run a `tool-run` entry is about. */
  runId: Type.Optional(Type.String()),
  /** The capture a `capture-*` entry is about. */
  captureId: Type.Optional(Type.String()),
  /** The engine the target is on, for entries about a target. */
  engine: Type.Optional(Type.String()),
  /** Human-readable target, e.g. `container web-1` or `host`. */
  target: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditList = Type.Array(AuditEntry);

/** An instant in UTC as toISOString() writes it (`2026-12-06T11:00:00.000Z`; milliseconds optional). */
const UTC_INSTANT = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?Z$';

export const AuditQuery = Type.Object(
  {
    /** A session, run or capture id: the entries about that object. */
    sessionId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{32}$' })),
    /** Who: a principal id (`user:…`, `token:…`, `share:…`, `system`) or a name (any case). */
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(AuditAction),
    /** Part of the target's description (`web`, `container web-1`), any case. */
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** From this instant on (inclusive). */
    since: Type.Optional(Type.String({ pattern: UTC_INSTANT })),
    /** Up to this instant (inclusive). */
    until: Type.Optional(Type.String({ pattern: UTC_INSTANT })),
    /** Entries after this sequence number (for paging and live tails). */
    after: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl')])),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;
