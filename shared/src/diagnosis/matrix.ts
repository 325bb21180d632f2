import Type, { type Static } from 'typebox';
import { EngineName } from '../sessions.js';
import { DiagnosisEndReason, DiagnosisOwner, DiagnosisRevision, DiagnosisState, DiagnosisStateEvent } from './doctor.js';

/**
 * Wire shapes of /api/matrix (docs/api.md, "Connectivity matrix"): from each member's network
 * namespace to every other member, by ICMP, TCP and DNS.
 */

export const MATRIX_CHECKS = ['icmp', 'tcp', 'dns'] as const;
export const MatrixCheck = Type.Enum(MATRIX_CHECKS);
export type MatrixCheck = (typeof MATRIX_CHECKS)[number];

/** Members a matrix covers at most unless the request names fewer (cells grow with the square). */
export const MAX_MATRIX_MEMBERS = 50;

/** Docker ids and names, as in target requests. */
const Ref = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' });

export const CreateMatrixRequest = Type.Object(
  {
    /** The engine the network is on; required when the console has several (like a target's). */
    engine: Type.Optional(EngineName),
    network: Ref,
    /** A chosen set of the network's containers instead of all of them (names or ids). */
    members: Type.Optional(Type.Array(Ref, { minItems: 2, maxItems: MAX_MATRIX_MEMBERS })),
    checks: Type.Array(MatrixCheck, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type CreateMatrixRequest = Static<typeof CreateMatrixRequest>;

/**
 * `probing`: its toolbox is starting and its listening ports are being read. `ready`: cells from
 * and to it run. `stopped`: the container stopped during the run. `failed`: its toolbox could not
 * be started (`reason`).
 */
export const MatrixMemberState = Type.Enum(['probing', 'ready', 'stopped', 'failed']);
export type MatrixMemberState = Static<typeof MatrixMemberState>;

export const MatrixMember = Type.Object({
  id: Type.String(),
  /** The engine its container runs on (the matrix's). */
  engine: Type.String(),
  name: Type.String(),
  ipv4: Type.Optional(Type.String()),
  /** TCP ports probed on it: what it listens on (ss, loopback excluded) or exposes/publishes. */
  ports: Type.Array(Type.Integer()),
  state: MatrixMemberState,
  reason: Type.Optional(Type.String()),
});
export type MatrixMember = Static<typeof MatrixMember>;

/** A container of the network the matrix leaves out, and why (the policy, not running, Sonde's own). */
export const MatrixSkipped = Type.Object({ id: Type.String(), name: Type.String(), reason: Type.String() });
export type MatrixSkipped = Static<typeof MatrixSkipped>;

export const IcmpOutcome = Type.Object({
  ok: Type.Boolean(),
  ms: Type.Optional(Type.Number()),
  /** In words: `timeout`, `no route`, `unreachable`, …. */
  reason: Type.Optional(Type.String()),
});
export type IcmpOutcome = Static<typeof IcmpOutcome>;

export const TcpPortState = Type.Enum(['open', 'closed', 'filtered']);
export type TcpPortState = Static<typeof TcpPortState>;

export const TcpOutcome = Type.Object({
  port: Type.Integer(),
  state: TcpPortState,
  /** `refused` (closed), `timeout` or `no route` (filtered). */
  reason: Type.Optional(Type.String()),
});
export type TcpOutcome = Static<typeof TcpOutcome>;

export const DnsOutcome = Type.Object({
  ok: Type.Boolean(),
  /** What the name resolved to. */
  addresses: Type.Optional(Type.Array(Type.String())),
  /** `NXDOMAIN`, `timeout`, `resolves to another address`, …. */
  reason: Type.Optional(Type.String()),
});
export type DnsOutcome = Static<typeof DnsOutcome>;

export const MatrixCellState = Type.Enum(['pending', 'running', 'done']);
export type MatrixCellState = Static<typeof MatrixCellState>;

/** From one member's namespace to another member; only the checks the run asked for are present. */
export const MatrixCell = Type.Object({
  from: Type.String(),
  to: Type.String(),
  state: MatrixCellState,
  icmp: Type.Optional(IcmpOutcome),
  tcp: Type.Optional(Type.Array(TcpOutcome)),
  dns: Type.Optional(DnsOutcome),
  /** Why a cell ended without (all of) its results: a member stopped, the time limit, a cancel. */
  reason: Type.Optional(Type.String()),
  /** When its probes finished. */
  at: Type.Optional(Type.String()),
});
export type MatrixCell = Static<typeof MatrixCell>;

export const MatrixLimits = Type.Object({
  maxMembers: Type.Integer(),
  /** Probes in flight at once, over the whole run. */
  parallelism: Type.Integer(),
  timeLimitMs: Type.Integer(),
});
export type MatrixLimits = Static<typeof MatrixLimits>;

export const MatrixRun = Type.Object({
  id: Type.String(),
  engine: Type.String(),
  network: Type.Object({ id: Type.String(), name: Type.String() }),
  checks: Type.Array(MatrixCheck),
  owner: DiagnosisOwner,
  state: DiagnosisState,
  endReason: Type.Optional(DiagnosisEndReason),
  endDetail: Type.Optional(Type.String()),
  startedAt: Type.String(),
  endedAt: Type.Optional(Type.String()),
  elapsedMs: Type.Optional(Type.Integer()),
  limits: MatrixLimits,
  members: Type.Array(MatrixMember),
  skipped: Type.Array(MatrixSkipped),
  cells: Type.Array(MatrixCell),
  revision: DiagnosisRevision,
});
export type MatrixRun = Static<typeof MatrixRun>;
export const MatrixRunList = Type.Array(MatrixRun);

/** POST /api/matrix/:id/cells: probe one cell again (member ids as in `members`). */
export const RerunCellRequest = Type.Object(
  {
    from: Type.String({ pattern: '^[a-f0-9]{64}$' }),
    to: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  },
  { additionalProperties: false },
);
export type RerunCellRequest = Static<typeof RerunCellRequest>;

export const MatrixExportQuery = Type.Object(
  { format: Type.Union([Type.Literal('csv'), Type.Literal('json')]) },
  { additionalProperties: false },
);
export type MatrixExportQuery = Static<typeof MatrixExportQuery>;

/** Server-sent event `matrix` on GET /api/events (the run's owner and admins only): what changed. */
export const MatrixEvent = Type.Union([
  Type.Object({ id: Type.String(), revision: DiagnosisRevision, kind: Type.Literal('member'), member: MatrixMember }),
  Type.Object({ id: Type.String(), revision: DiagnosisRevision, kind: Type.Literal('cell'), cell: MatrixCell }),
  DiagnosisStateEvent,
]);
export type MatrixEvent = Static<typeof MatrixEvent>;
