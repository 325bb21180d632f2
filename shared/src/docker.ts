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

export const ContainerSummary = Type.Object({
  id: Type.String(),
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
  name: Type.String(),
  driver: Type.String(),
  scope: Type.String(),
  internal: Type.Boolean(),
  subnets: Type.Array(Type.String()),
  labels: Type.Record(Type.String(), Type.String()),
  containers: Type.Array(NetworkMember),
});
export type NetworkSummary = Static<typeof NetworkSummary>;
export const NetworkList = Type.Array(NetworkSummary);

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  docker: Type.Object({
    reachable: Type.Boolean(),
    version: Type.Optional(Type.String()),
  }),
});
export type Health = Static<typeof Health>;

/** Server-sent event payloads on GET /api/events (event name `docker` or `status`). */
export const DockerChangeEvent = Type.Object({
  kind: Type.Union([Type.Literal('container'), Type.Literal('network')]),
  action: Type.String(),
  id: Type.String(),
});
export type DockerChangeEvent = Static<typeof DockerChangeEvent>;
