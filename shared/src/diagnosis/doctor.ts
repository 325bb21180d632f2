import Type, { type Static } from 'typebox';
import { ResolvedTarget, TargetRequest } from '../sessions.js';

/**
 * Wire shapes of /api/doctor (docs/api.md, "Network doctor"): one run of fixed checks in a
 * target's network namespace, and what they found.
 */

/** Stable finding codes. Clients branch on these; never rename one. */
export const FINDING_CODES = [
  'dns-resolver-unreachable',
  'dns-name-not-resolving',
  'no-default-route',
  'gateway-unreachable',
  'published-port-not-listening',
  'firewall-drops',
  'mtu-mismatch',
  'conntrack-near-full',
  'arp-incomplete',
  'peer-unreachable',
  'healthy',
] as const;
export const FindingCode = Type.Enum(FINDING_CODES);
export type FindingCode = (typeof FINDING_CODES)[number];

export const FindingSeverity = Type.Enum(['error', 'warning', 'info']);
export type FindingSeverity = Static<typeof FindingSeverity>;

/** A command the doctor ran in the namespace and what it printed (trimmed). */
export const Evidence = Type.Object({
  command: Type.String(),
  output: Type.String(),
});
export type Evidence = Static<typeof Evidence>;

export const Finding = Type.Object({
  code: FindingCode,
  severity: FindingSeverity,
  title: Type.String(),
  detail: Type.String(),
  evidence: Type.Array(Evidence),
  /** How to fix it, in one or two sentences. */
  fix: Type.String(),
});
export type Finding = Static<typeof Finding>;

/** What the doctor looks at; every run lists each one with its outcome. */
export const DOCTOR_CHECKS = ['dns-resolvers', 'dns-names', 'default-route', 'gateway', 'mtu', 'published-ports', 'firewall', 'conntrack', 'neighbours', 'peer'] as const;
export const DoctorCheckId = Type.Enum(DOCTOR_CHECKS);
export type DoctorCheckId = (typeof DOCTOR_CHECKS)[number];

/**
 * `passed`: looked and found nothing wrong. `found`: produced findings. `skipped`: does not apply
 * (a host target has no published ports) or depends on something missing (no gateway to probe).
 * `failed`: could not be run (a command failed, the time limit came first); the note says why.
 */
export const DoctorCheckState = Type.Enum(['pending', 'running', 'passed', 'found', 'skipped', 'failed']);
export type DoctorCheckState = Static<typeof DoctorCheckState>;

export const DoctorCheck = Type.Object({
  id: DoctorCheckId,
  title: Type.String(),
  state: DoctorCheckState,
  note: Type.Optional(Type.String()),
  /** From the start of the run to this check's outcome (its commands wait for what they depend on). */
  doneAtMs: Type.Optional(Type.Integer()),
});
export type DoctorCheck = Static<typeof DoctorCheck>;

/** Most names a request may ask the doctor to resolve, on top of the ones it finds itself. */
export const MAX_DOCTOR_NAMES = 20;

/** Ports of a peer the doctor connects to at most. */
export const MAX_PEER_PORTS = 16;

/** Docker ids and names, as in target requests. */
const Ref = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' });

export const CreateDoctorRequest = Type.Object(
  {
    target: TargetRequest,
    /** Host names the target is expected to resolve (validated like tool `host` parameters). */
    names: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: MAX_DOCTOR_NAMES })),
    /**
     * A container on the target's engine the target should reach (a failing matrix cell's other
     * end): the `peer` check pings it, connects to its TCP ports (these, else the ones it exposes
     * or publishes) and resolves its name, from the target's namespace.
     */
    peer: Type.Optional(
      Type.Object(
        {
          container: Ref,
          ports: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { maxItems: MAX_PEER_PORTS, uniqueItems: true })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateDoctorRequest = Static<typeof CreateDoctorRequest>;

export const DiagnosisState = Type.Enum(['running', 'done']);
export type DiagnosisState = Static<typeof DiagnosisState>;

/**
 * Why a doctor or matrix run is done: `completed` (everything ran), `cancelled` (DELETE),
 * `time-limit` (what had not finished is marked so), `target-stopped` (the doctor's target or
 * peer), `engine-lost`, `shutdown`, `access-revoked` (its owner's access ended), `policy` (the
 * target policy no longer allows a target it runs in).
 */
export const DiagnosisEndReason = Type.Enum(['completed', 'cancelled', 'time-limit', 'target-stopped', 'engine-lost', 'shutdown', 'access-revoked', 'policy']);
export type DiagnosisEndReason = Static<typeof DiagnosisEndReason>;

export const DiagnosisOwner = Type.Object({ id: Type.String(), name: Type.String() });

/**
 * How many events a doctor run or matrix has published: each event carries the count with it, a
 * copy of the run the count it includes. A client keeps whichever copy has the higher one and skips
 * an event it already has, so answers and events arriving in any order never turn a run back.
 */
export const DiagnosisRevision = Type.Integer({ minimum: 0 });

export const DoctorRun = Type.Object({
  id: Type.String(),
  target: ResolvedTarget,
  owner: DiagnosisOwner,
  state: DiagnosisState,
  endReason: Type.Optional(DiagnosisEndReason),
  /** Why it ended early, in words (who revoked it, which policy rule). */
  endDetail: Type.Optional(Type.String()),
  /** The peer the request named, resolved (its address on a network it shares with the target). */
  peer: Type.Optional(Type.Object({ containerId: Type.String(), containerName: Type.String(), ipv4: Type.Optional(Type.String()), ports: Type.Array(Type.Integer()) })),
  startedAt: Type.String(),
  endedAt: Type.Optional(Type.String()),
  /** From the request to the last check, toolbox start and removal included. */
  elapsedMs: Type.Optional(Type.Integer()),
  /** The most a run may take; checks still going then are marked failed. */
  timeLimitMs: Type.Integer(),
  checks: Type.Array(DoctorCheck),
  findings: Type.Array(Finding),
  revision: DiagnosisRevision,
});
export type DoctorRun = Static<typeof DoctorRun>;
export const DoctorRunList = Type.Array(DoctorRun);

export const DiagnosisParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
export type DiagnosisParams = Static<typeof DiagnosisParams>;

/** A doctor run or matrix changed state (its end, or a matrix back to running for a second look). */
export const DiagnosisStateEvent = Type.Object({ id: Type.String(), revision: DiagnosisRevision, kind: Type.Literal('state'), state: DiagnosisState, endReason: Type.Optional(DiagnosisEndReason), elapsedMs: Type.Optional(Type.Integer()) });
export type DiagnosisStateEvent = Static<typeof DiagnosisStateEvent>;

/** Server-sent event `doctor` on GET /api/events (the run's owner and admins only): what changed. */
export const DoctorEvent = Type.Union([
  Type.Object({ id: Type.String(), revision: DiagnosisRevision, kind: Type.Literal('check'), check: DoctorCheck }),
  Type.Object({ id: Type.String(), revision: DiagnosisRevision, kind: Type.Literal('finding'), finding: Finding }),
  DiagnosisStateEvent,
]);
export type DoctorEvent = Static<typeof DoctorEvent>;
