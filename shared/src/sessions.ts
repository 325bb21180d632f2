import Type, { type Static } from 'typebox';
import { Participant } from './shares.js';

/** Docker ids and names: no spaces, no control characters, bounded. */
const Ref = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' });

export const ContainerTargetRequest = Type.Object(
  {
    kind: Type.Literal('container'),
    container: Ref,
    sharePid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const NetworkTargetRequest = Type.Object(
  {
    kind: Type.Literal('network'),
    network: Ref,
  },
  { additionalProperties: false },
);
export const HostTargetRequest = Type.Object(
  { kind: Type.Literal('host') },
  { additionalProperties: false },
);
export const TargetRequest = Type.Union([ContainerTargetRequest, NetworkTargetRequest, HostTargetRequest]);
export type TargetRequest = Static<typeof TargetRequest>;

export const CreateSessionRequest = Type.Object(
  { target: TargetRequest },
  { additionalProperties: false },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

/** A target after the server resolved it: full ids and names, never a prefix. */
export const ResolvedTarget = Type.Union([
  Type.Object({
    kind: Type.Literal('container'),
    containerId: Type.String(),
    containerName: Type.String(),
    sharePid: Type.Boolean(),
  }),
  Type.Object({
    kind: Type.Literal('network'),
    networkId: Type.String(),
    networkName: Type.String(),
  }),
  Type.Object({ kind: Type.Literal('host') }),
]);
export type ResolvedTarget = Static<typeof ResolvedTarget>;

export const SessionState = Type.Union([
  Type.Literal('starting'),
  Type.Literal('running'),
  Type.Literal('exited'),
]);
export type SessionState = Static<typeof SessionState>;

export const SessionInfo = Type.Object({
  id: Type.String(),
  target: ResolvedTarget,
  state: SessionState,
  createdAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Optional(Type.String()),
  exitCode: Type.Optional(Type.Integer()),
  endReason: Type.Optional(Type.String()),
  toolbox: Type.Object({
    containerId: Type.String(),
    image: Type.String(),
  }),
  clients: Type.Integer(),
  /** Who opened it: the one who may hand the keyboard around and create share links. */
  owner: Type.Object({ id: Type.String(), name: Type.String() }),
  /** Everyone attached now, with their role (see docs/protocol.md, presence). */
  participants: Type.Array(Participant),
  /** Path of the terminal WebSocket for this session. */
  ttyPath: Type.String(),
});
export type SessionInfo = Static<typeof SessionInfo>;
export const SessionList = Type.Array(SessionInfo);

/** Server-sent event `session` on GET /api/events: a session started or ended. */
export const SessionChangeEvent = Type.Object({
  id: Type.String(),
  state: SessionState,
});
export type SessionChangeEvent = Static<typeof SessionChangeEvent>;
