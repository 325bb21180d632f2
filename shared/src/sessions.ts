import Type, { type Static } from 'typebox';
import { KubeLabelName, KubeSubdomainName } from './kubernetes.js';
import { Participant } from './shares.js';

/** Docker ids and names: no spaces, no control characters, bounded. */
const Ref = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' });

/** An engine's name, as configured (SONDE_ENGINES): lower-case letters, digits and dashes. */
export const EngineName = Type.String({ pattern: '^[a-z0-9-]{1,32}$' });
export const ENGINE_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;

/**
 * Every target names its engine. Optional while the console has one engine; with several, a
 * target without one is refused (400 naming `target.engine`).
 */
export const ContainerTargetRequest = Type.Object(
  {
    kind: Type.Literal('container'),
    engine: Type.Optional(EngineName),
    container: Ref,
    sharePid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const NetworkTargetRequest = Type.Object(
  {
    kind: Type.Literal('network'),
    engine: Type.Optional(EngineName),
    network: Ref,
  },
  { additionalProperties: false },
);
export const HostTargetRequest = Type.Object(
  { kind: Type.Literal('host'), engine: Type.Optional(EngineName) },
  { additionalProperties: false },
);
/**
 * A Swarm task, asked of a manager engine: by service and slot, or by task id. The toolbox
 * opens in the task container's namespace on the engine of the node it runs on.
 */
export const TaskTargetRequest = Type.Object(
  {
    kind: Type.Literal('task'),
    engine: Type.Optional(EngineName),
    service: Type.Optional(Ref),
    slot: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    task: Type.Optional(Type.String({ pattern: '^[a-z0-9]{1,64}$' })),
    sharePid: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
/** An overlay network's own namespace on one node (its br0 and VXLAN interfaces, its peers). */
export const NetworkNamespaceTargetRequest = Type.Object(
  {
    kind: Type.Literal('network-namespace'),
    engine: Type.Optional(EngineName),
    network: Ref,
  },
  { additionalProperties: false },
);
/**
 * A Kubernetes pod's network namespace: Sonde's ephemeral container in that pod, which sees the
 * processes of `container` (the pod's default container when absent). Kubernetes engines only.
 */
export const PodTargetRequest = Type.Object(
  {
    kind: Type.Literal('pod'),
    engine: Type.Optional(EngineName),
    namespace: KubeLabelName,
    pod: KubeSubdomainName,
    container: Type.Optional(KubeLabelName),
  },
  { additionalProperties: false },
);
/** A Kubernetes node's own namespace: a short-lived pod with hostNetwork pinned to that node. */
export const NodeTargetRequest = Type.Object(
  { kind: Type.Literal('node'), engine: Type.Optional(EngineName), node: KubeSubdomainName },
  { additionalProperties: false },
);
export const TargetRequest = Type.Union([ContainerTargetRequest, NetworkTargetRequest, HostTargetRequest, TaskTargetRequest, NetworkNamespaceTargetRequest, PodTargetRequest, NodeTargetRequest]);
export type TargetRequest = Static<typeof TargetRequest>;

export const CreateSessionRequest = Type.Object(
  { target: TargetRequest },
  { additionalProperties: false },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

/** The Swarm task a container target was asked for as (what resolved it, and where it runs). */
export const TaskRef = Type.Object({
  id: Type.String(),
  service: Type.String(),
  slot: Type.Optional(Type.Integer()),
  nodeId: Type.String(),
  /** The manager engine it was asked of. */
  manager: Type.String(),
});
export type TaskRef = Static<typeof TaskRef>;

/** A target after the server resolved it: its engine, full ids and names, never a prefix. */
export const ResolvedTarget = Type.Union([
  Type.Object({
    kind: Type.Literal('container'),
    engine: Type.String(),
    containerId: Type.String(),
    containerName: Type.String(),
    sharePid: Type.Boolean(),
    task: Type.Optional(TaskRef),
  }),
  Type.Object({
    kind: Type.Literal('network'),
    engine: Type.String(),
    networkId: Type.String(),
    networkName: Type.String(),
  }),
  Type.Object({ kind: Type.Literal('host'), engine: Type.String() }),
  Type.Object({
    kind: Type.Literal('network-namespace'),
    engine: Type.String(),
    networkId: Type.String(),
    networkName: Type.String(),
  }),
  Type.Object({
    kind: Type.Literal('pod'),
    engine: Type.String(),
    namespace: Type.String(),
    pod: Type.String(),
    /** The pod's uid: a pod deleted and made again under the same name is another target. */
    podUid: Type.String(),
    /** The container whose processes the toolbox sees (targetContainerName). */
    container: Type.String(),
    node: Type.Optional(Type.String()),
  }),
  Type.Object({ kind: Type.Literal('node'), engine: Type.String(), node: Type.String() }),
]);
export type ResolvedTarget = Static<typeof ResolvedTarget>;

/**
 * The engine of a target stored before targets carried one: they were all on the one engine a
 * console had then, which is `local` unless SONDE_ENGINES named it otherwise.
 */
export function withEngine<T extends object>(target: T, fallback = 'local'): T & { engine: string } {
  const engine = (target as { engine?: unknown }).engine;
  return { ...target, engine: typeof engine === 'string' ? engine : fallback };
}

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
