import Type, { type Static } from 'typebox';
import { EngineName } from './sessions.js';

/**
 * Wire shape of GET /api/topology (docs/api.md, "Topology"): how the engines' containers,
 * networks, published ports and Swarm nodes are wired, as a graph built from the inventory the
 * console already lists (no toolbox runs for it). Node ids are stable across calls, so a
 * browser can keep its layout and selection when it refetches after a change.
 */

export const TOPOLOGY_NODE_KINDS = ['engine', 'network', 'container', 'port', 'node'] as const;
export const TopologyNodeKind = Type.Enum(TOPOLOGY_NODE_KINDS);
export type TopologyNodeKind = (typeof TOPOLOGY_NODE_KINDS)[number];

/**
 * `hosts`: an engine holds a network or container. `interface`: a container's endpoint on a
 * network (its address there). `publishes`: a container's port published on the host (or only
 * exposed). `runs`: a Swarm node is run by this engine. `manages`: a manager engine's cluster node.
 */
export const TOPOLOGY_EDGE_KINDS = ['hosts', 'interface', 'publishes', 'runs', 'manages'] as const;
export const TopologyEdgeKind = Type.Enum(TOPOLOGY_EDGE_KINDS);
export type TopologyEdgeKind = (typeof TOPOLOGY_EDGE_KINDS)[number];

export const TopologyNode = Type.Object({
  /** `engine:<name>`, `network:<engine>:<id>`, `container:<engine>:<id>`, `port:<engine>:<id>:<port>/<proto>`, `node:<cluster node id>`. */
  id: Type.String(),
  kind: TopologyNodeKind,
  /** What to write on it: a name, `8080/tcp → 0.0.0.0:18080`, a host name. */
  label: Type.String(),
  /** The engine it belongs to (a Swarm node: the manager that reported it). */
  engine: Type.String(),
  /** Engines: whether it answered; the others are listed in `unreachable`. */
  reachable: Type.Optional(Type.Boolean()),
  /** Engines, admins only: where it is (its endpoint). */
  endpoint: Type.Optional(Type.String()),
  /** Engines: its Swarm role. */
  swarmRole: Type.Optional(Type.Union([Type.Literal('manager'), Type.Literal('worker')])),
  /** Networks and containers: the Docker id (what targets and routes take). */
  dockerId: Type.Optional(Type.String()),
  /** Networks: driver, scope, internal, subnets. */
  driver: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
  internal: Type.Optional(Type.Boolean()),
  subnets: Type.Optional(Type.Array(Type.String())),
  /** Containers and networks: the Compose project (from its label). */
  project: Type.Optional(Type.String()),
  /** Containers: the Compose service. */
  service: Type.Optional(Type.String()),
  /** Containers: Docker's state (`running`, `exited`…), image. */
  state: Type.Optional(Type.String()),
  image: Type.Optional(Type.String()),
  /** Containers run by Swarm: the task (service, slot). */
  task: Type.Optional(Type.Object({ service: Type.String(), slot: Type.Optional(Type.Integer()), taskId: Type.String() })),
  /** Ports: what is published (the host side absent when it is only exposed). */
  port: Type.Optional(
    Type.Object({ privatePort: Type.Integer(), protocol: Type.String(), publicPort: Type.Optional(Type.Integer()), hostIp: Type.Optional(Type.String()) }),
  ),
  /** Swarm nodes: role, availability, state, and the engine that runs its containers (if Sonde has one). */
  hostname: Type.Optional(Type.String()),
  nodeRole: Type.Optional(Type.Union([Type.Literal('manager'), Type.Literal('worker')])),
  availability: Type.Optional(Type.String()),
  nodeEngine: Type.Optional(Type.String()),
});
export type TopologyNode = Static<typeof TopologyNode>;

export const TopologyEdge = Type.Object({
  from: Type.String(),
  to: Type.String(),
  kind: TopologyEdgeKind,
  /** Interfaces: the container's IPv4 address on the network. */
  ipv4: Type.Optional(Type.String()),
});
export type TopologyEdge = Static<typeof TopologyEdge>;

export const Topology = Type.Object({
  nodes: Type.Array(TopologyNode),
  edges: Type.Array(TopologyEdge),
  /** Engines that did not answer in time (their objects are missing), and why. */
  unreachable: Type.Array(Type.Object({ engine: Type.String(), error: Type.String() })),
  /** When it was read. */
  at: Type.String(),
});
export type Topology = Static<typeof Topology>;

export const TopologyQuery = Type.Object({ engine: Type.Optional(EngineName) }, { additionalProperties: false });
export type TopologyQuery = Static<typeof TopologyQuery>;
