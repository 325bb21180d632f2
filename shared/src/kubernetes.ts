import Type, { type Static } from 'typebox';

/**
 * What a Kubernetes engine (a cluster in SONDE_ENGINES) shows: namespaces, pods with their
 * containers, nodes, services with their endpoints. Each object carries its engine, like
 * containers and networks do. Read from the cluster's watch caches (docs/api.md, "Kubernetes").
 */

/** DNS-1123 label: namespaces, container names (at most 63, lower-case letters, digits, `-`). */
export const KUBE_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** DNS-1123 subdomain: pod and node names (at most 253, dot-separated labels). */
export const KUBE_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const KubeLabelName = Type.String({ minLength: 1, maxLength: 63, pattern: KUBE_LABEL_PATTERN });
export const KubeSubdomainName = Type.String({ minLength: 1, maxLength: 253, pattern: KUBE_SUBDOMAIN_PATTERN });

const Labels = Type.Record(Type.String(), Type.String());

export const KubeNamespace = Type.Object({
  engine: Type.String(),
  name: Type.String(),
  /** Active or Terminating. */
  phase: Type.String(),
  labels: Labels,
});
export type KubeNamespace = Static<typeof KubeNamespace>;
export const KubeNamespaceList = Type.Array(KubeNamespace);

export const KubeContainerState = Type.Union([Type.Literal('waiting'), Type.Literal('running'), Type.Literal('terminated'), Type.Literal('unknown')]);

export const KubeContainer = Type.Object({
  name: Type.String(),
  image: Type.String(),
  state: KubeContainerState,
  /** Why it waits or ended (CrashLoopBackOff, Completed, OOMKilled …). */
  reason: Type.Optional(Type.String()),
  ready: Type.Boolean(),
  restartCount: Type.Integer(),
  /** An init container, a regular one, or an ephemeral (debug) container. */
  role: Type.Union([Type.Literal('init'), Type.Literal('main'), Type.Literal('ephemeral')]),
  /** Ephemeral containers: the container whose processes it sees. */
  targetContainerName: Type.Optional(Type.String()),
  /** Sonde's own ephemeral container (it cannot be removed from the pod; later sessions reuse it). */
  toolbox: Type.Boolean(),
});
export type KubeContainer = Static<typeof KubeContainer>;

export const KubePod = Type.Object({
  engine: Type.String(),
  namespace: Type.String(),
  name: Type.String(),
  uid: Type.String(),
  /** Pending, Running, Succeeded, Failed, Unknown. */
  phase: Type.String(),
  node: Type.Optional(Type.String()),
  podIP: Type.Optional(Type.String()),
  hostNetwork: Type.Boolean(),
  labels: Labels,
  /** The container kubectl picks when none is named (annotation kubectl.kubernetes.io/default-container). */
  defaultContainer: Type.Optional(Type.String()),
  containers: Type.Array(KubeContainer),
  /** A node pod Sonde started for a session (it is deleted when the session ends). */
  toolbox: Type.Boolean(),
});
export type KubePod = Static<typeof KubePod>;
export const KubePodList = Type.Array(KubePod);

export const KubeNode = Type.Object({
  engine: Type.String(),
  name: Type.String(),
  /** InternalIP, ExternalIP, Hostname … as the node reports them. */
  addresses: Type.Array(Type.Object({ type: Type.String(), address: Type.String() })),
  /** The Ready condition is True. */
  ready: Type.Boolean(),
  /** spec.unschedulable (cordoned). */
  unschedulable: Type.Boolean(),
  labels: Labels,
  kubeletVersion: Type.Optional(Type.String()),
});
export type KubeNode = Static<typeof KubeNode>;
export const KubeNodeList = Type.Array(KubeNode);

export const KubeEndpoint = Type.Object({
  addresses: Type.Array(Type.String()),
  ready: Type.Boolean(),
  /** The pod behind it (namespace is the service's). */
  pod: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
});
export type KubeEndpoint = Static<typeof KubeEndpoint>;

export const KubeService = Type.Object({
  engine: Type.String(),
  namespace: Type.String(),
  name: Type.String(),
  /** ClusterIP, NodePort, LoadBalancer, ExternalName. */
  type: Type.String(),
  clusterIP: Type.Optional(Type.String()),
  ports: Type.Array(Type.Object({ name: Type.Optional(Type.String()), port: Type.Integer(), protocol: Type.String(), targetPort: Type.Optional(Type.String()), nodePort: Type.Optional(Type.Integer()) })),
  selector: Labels,
  labels: Labels,
  /** From the service's EndpointSlices: the pods that serve it, ready or not. */
  endpoints: Type.Array(KubeEndpoint),
});
export type KubeService = Static<typeof KubeService>;
export const KubeServiceList = Type.Array(KubeService);
