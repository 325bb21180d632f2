import Type, { type Static } from 'typebox';

export const ContainerState = Type.Union([
  Type.Literal('created'),
  Type.Literal('running'),
  Type.Literal('paused'),
  Type.Literal('restarting'),
  Type.Literal('removing'),
  Type.Literal('exited'),
  Type.Literal('dead'),
]);
export type ContainerState = Static<typeof ContainerState>;

export const ComposeRef = Type.Object({
  project: Type.String(),
  service: Type.String(),
});
export type ComposeRef = Static<typeof ComposeRef>;

export const ContainerNetworkRef = Type.Object({
  name: Type.String(),
  ipv4: Type.Optional(Type.String()),
});
export type ContainerNetworkRef = Static<typeof ContainerNetworkRef>;

export const PortMapping = Type.Object({
  privatePort: Type.Integer(),
  publicPort: Type.Optional(Type.Integer()),
  ip: Type.Optional(Type.String()),
  protocol: Type.String(),
});
export type PortMapping = Static<typeof PortMapping>;

/** Set on containers Swarm runs for a service: which task they are. */
export const SwarmTaskLabels = Type.Object({
  service: Type.String(),
  taskId: Type.String(),
  slot: Type.Optional(Type.Integer()),
  nodeId: Type.String(),
});
export type SwarmTaskLabels = Static<typeof SwarmTaskLabels>;

export const ContainerSummary = Type.Object({
  id: Type.String(),
  /** The engine it runs on (its name in SONDE_ENGINES, `local` by default). */
  engine: Type.String(),
  name: Type.String(),
  image: Type.String(),
  state: Type.String(),
  status: Type.String(),
  compose: Type.Optional(ComposeRef),
  networks: Type.Array(ContainerNetworkRef),
  ports: Type.Array(PortMapping),
  labels: Type.Record(Type.String(), Type.String()),
  /** Sonde's own toolboxes are listed so operators can see them, but are never targets. */
  toolbox: Type.Boolean(),
  /** A Swarm service's task container. */
  swarm: Type.Optional(SwarmTaskLabels),
});
export type ContainerSummary = Static<typeof ContainerSummary>;
export const ContainerList = Type.Array(ContainerSummary);

export const NetworkMember = Type.Object({
  id: Type.String(),
  name: Type.String(),
  ipv4: Type.Optional(Type.String()),
});
export type NetworkMember = Static<typeof NetworkMember>;

export const NetworkSummary = Type.Object({
  id: Type.String(),
  engine: Type.String(),
  name: Type.String(),
  driver: Type.String(),
  scope: Type.String(),
  internal: Type.Boolean(),
  /** Overlay networks: standalone containers (a toolbox) may join only attachable ones. */
  attachable: Type.Boolean(),
  subnets: Type.Array(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  containers: Type.Array(NetworkMember),
});
export type NetworkSummary = Static<typeof NetworkSummary>;
export const NetworkList = Type.Array(NetworkSummary);

/** What an engine says of its place in a Swarm (from its own /info). */
export const EngineSwarm = Type.Object({
  nodeId: Type.String(),
  role: Type.Union([Type.Literal('manager'), Type.Literal('worker')]),
  /** Managers only: workers do not know the cluster's id. */
  clusterId: Type.Optional(Type.String()),
});
export type EngineSwarm = Static<typeof EngineSwarm>;

/** GET /api/engines: each engine's reachability, and (for admins) where it is. */
export const EngineKind = Type.Union([Type.Literal('docker'), Type.Literal('kubernetes')]);
export type EngineKind = Static<typeof EngineKind>;

/**
 * The toolbox image on a Docker engine (SONDE_TOOLBOX_IMAGE): there, being pulled (with how far
 * along the layers are, 0-100), a pull that failed (Docker's reason in a sentence), or missing
 * with no pull (SONDE_TOOLBOX_PULL=never, or the locally built sonde-toolbox image).
 */
export const ToolboxImageStatus = Type.Object({
  image: Type.String(),
  state: Type.Union([Type.Literal('present'), Type.Literal('pulling'), Type.Literal('failed'), Type.Literal('missing')]),
  percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  /** Why the pull failed, or what to do about a missing image: a sentence for humans. */
  error: Type.Optional(Type.String()),
});
export type ToolboxImageStatus = Static<typeof ToolboxImageStatus>;

/** Server-sent event `toolbox-image` on GET /api/events: an engine's toolbox image changed state or pull progress. */
export const ToolboxImageEvent = Type.Object({
  engine: Type.String(),
  ...ToolboxImageStatus.properties,
});
export type ToolboxImageEvent = Static<typeof ToolboxImageEvent>;

export const EngineInfo = Type.Object({
  name: Type.String(),
  /** A Docker engine, or a Kubernetes cluster (tested against recorded API exchanges only; README, "Kubernetes", and docs/kubernetes.md). */
  kind: EngineKind,
  reachable: Type.Boolean(),
  version: Type.Optional(Type.String()),
  /** Why it is not reachable, when it is not. */
  error: Type.Optional(Type.String()),
  swarm: Type.Optional(EngineSwarm),
  /** Configured, or found as a Swarm node through SONDE_SWARM_NODE_ENGINE. */
  source: Type.Union([Type.Literal('configured'), Type.Literal('swarm-node')]),
  /** Admins only: the engine's address and TLS directory. */
  endpoint: Type.Optional(Type.String()),
  tlsDir: Type.Optional(Type.String()),
  /** Docker engines, once checked: the toolbox image's state there (Kubernetes nodes pull their own). */
  toolboxImage: Type.Optional(ToolboxImageStatus),
});
export type EngineInfo = Static<typeof EngineInfo>;
export const EngineList = Type.Array(EngineInfo);

export const EngineHealth = Type.Object({
  name: Type.String(),
  reachable: Type.Boolean(),
  version: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});
export type EngineHealth = Static<typeof EngineHealth>;

export const Health = Type.Object({
  /** `ok` when every engine answers, `degraded` when any does not. */
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  /** The first engine's (the only one, in a one-engine console). */
  docker: Type.Object({
    reachable: Type.Boolean(),
    version: Type.Optional(Type.String()),
  }),
  engines: Type.Array(EngineHealth),
});
export type Health = Static<typeof Health>;

/**
 * Server-sent event payloads on GET /api/events (event name `docker` or `status`): a Docker
 * engine's containers, networks, Swarm services and nodes, or a Kubernetes cluster's pods,
 * namespaces, services and nodes (`engine` says which).
 */
export const DockerChangeEvent = Type.Object({
  engine: Type.String(),
  kind: Type.Union([Type.Literal('container'), Type.Literal('network'), Type.Literal('service'), Type.Literal('node'), Type.Literal('pod'), Type.Literal('namespace')]),
  action: Type.String(),
  id: Type.String(),
});
export type DockerChangeEvent = Static<typeof DockerChangeEvent>;

/** GET /api/swarm/nodes: the nodes of every Swarm a configured manager engine belongs to. */
export const SwarmNode = Type.Object({
  id: Type.String(),
  hostname: Type.String(),
  address: Type.String(),
  role: Type.Union([Type.Literal('manager'), Type.Literal('worker')]),
  availability: Type.String(),
  state: Type.String(),
  /** The manager engine that reported it. */
  manager: Type.String(),
  clusterId: Type.String(),
  /** The engine that runs this node's containers, when Sonde has one (configured or from SONDE_SWARM_NODE_ENGINE). */
  engine: Type.Optional(Type.String()),
});
export type SwarmNode = Static<typeof SwarmNode>;
export const SwarmNodeList = Type.Array(SwarmNode);

export const SwarmTask = Type.Object({
  id: Type.String(),
  slot: Type.Optional(Type.Integer()),
  nodeId: Type.String(),
  node: Type.Optional(Type.String()),
  /** The engine of its node, when Sonde has one. */
  engine: Type.Optional(Type.String()),
  state: Type.String(),
  desiredState: Type.String(),
  containerId: Type.Optional(Type.String()),
  /** Its addresses on the service's networks. */
  addresses: Type.Array(Type.Object({ network: Type.String(), address: Type.String() })),
});
export type SwarmTask = Static<typeof SwarmTask>;

/** GET /api/swarm/services: every service with its tasks, as the manager sees them. */
export const SwarmService = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mode: Type.Union([Type.Literal('replicated'), Type.Literal('global')]),
  replicas: Type.Optional(Type.Integer()),
  networks: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  manager: Type.String(),
  clusterId: Type.String(),
  tasks: Type.Array(SwarmTask),
});
export type SwarmService = Static<typeof SwarmService>;
export const SwarmServiceList = Type.Array(SwarmService);
