import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import {
  Attach,
  CoreV1Api,
  DiscoveryV1Api,
  Exec,
  KubeConfig,
  PatchStrategy,
  VersionApi,
  Watch,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type KubernetesObject,
  type ObjectCache,
  type V1Container,
  type V1ContainerStatus,
  type V1EndpointSlice,
  type V1EphemeralContainer,
  type V1Namespace,
  type V1Node,
  type V1Pod,
  type V1Service,
  type V1Status,
} from '@kubernetes/client-node';
import type { KubeContainer, KubeNamespace, KubeNode, KubePod, KubeService } from '@sonde/shared';
import { TerminalDuplex, channelHandler, exitCodeOf, type ChannelSocket } from './kubernetes-streams.js';
import { boundedSink } from './bounded-sink.js';
import {
  EngineError,
  type CompletedToolbox,
  type EngineErrorKind,
  type CompletionOptions,
  type EngineEvent,
  type EngineEventStream,
  type EngineFacts,
  type ExecOptions,
  type ExecResult,
  type KubernetesEngine as KubernetesEngineApi,
  type Placement,
  type RunningToolbox,
  type StreamingToolbox,
  type ToolboxSpec,
} from './types.js';

/**
 * A Kubernetes cluster as an engine: the only module (with kubernetes-streams.ts) that imports
 * @kubernetes/client-node. Every call goes through that client: config loading (a kubeconfig
 * context, or in-cluster), list and watch (informers, which also serve the inventory), exec and
 * attach over the API's websocket, the ephemeralcontainers subresource, pod create and delete.
 * docs/kubernetes.md lists every call and the API reference section its recorded exchange follows.
 *
 * Placements:
 * - a pod: Sonde's ephemeral container in it (like `kubectl debug --profile=netadmin`), which
 *   idles; each session, run or capture is an exec in it. Ephemeral containers cannot be removed
 *   from a pod, so one per pod and target container is added once and reused.
 * - a node: a short-lived pod with hostNetwork pinned to the node (like `kubectl run --rm -it`
 *   with the hostNetwork override), its main process the shell or tool, attached; deleted when
 *   the workload ends, and labelled so the reaper finds it if the console died.
 */

export interface KubernetesEngineOptions {
  name: string;
  /** A kubeconfig file and one of its contexts (absent: its current-context); or in-cluster. */
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  /** Where node pods are created (see KubernetesEngineConfig.namespace). */
  namespace?: string;
  /** Distinguishes this console's ephemeral containers and node pods from another console's. */
  instance: string;
  /** Capabilities of the ephemeral container every workload in a pod shares (Sonde's toolbox profile). */
  podCapabilities: readonly string[];
  /** A client config built by the caller (tests point it at a replay server). */
  kubeConfig?: KubeConfig;
  /** How long a new ephemeral container or node pod may take to run (the kubelet may pull the image). */
  startTimeoutMs?: number;
}

/** Where the service account's namespace is mounted in every pod (in-cluster). */
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
/** The main container of a node pod. */
const NODE_POD_CONTAINER = 'toolbox';
/** What Sonde's ephemeral container runs: nothing, until it is killed with its pod. */
const IDLE_SCRIPT = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done';
/**
 * How an exec starts: records its pid under its handle (so ending the workload can kill it: a
 * closed websocket is not an EOF for the process), then runs `env NAME=value … argv`. A fixed
 * script; the handle (`sonde-` and hex) and the argv come as arguments, never as script text.
 */
const EXEC_SCRIPT = 'h=$1; shift; echo $$ > "/tmp/$h.pid"; exec env "$@"';
/** Ends an exec started with EXEC_SCRIPT: its process group (a TTY's), else the process. */
const KILL_SCRIPT = 'p=$(cat "/tmp/$1.pid" 2>/dev/null) || exit 0; kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null; rm -f "/tmp/$1.pid"; exit 0';
/**
 * A node pod's main process waits for one line on stdin before it runs: the line is sent once the
 * attach is open, so not a byte of its output (the first prompt, a tool's first lines) is missed.
 * (`kubectl run -it` says "If you don't see a command prompt, try pressing enter" instead.)
 */
const WAIT_SCRIPT = 'read -r _ || exit 0; exec "$@"';
/** Status reasons of a container that will not start without someone fixing something. */
const HOPELESS = ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'];

/** A Kubernetes label value: at most 63 of letters, digits, `-_.`, alphanumeric at both ends. */
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** An engine error from this engine: the API error's sentence then names Kubernetes, not Docker. */
function kubeError(kind: EngineErrorKind, message: string, statusCode?: number): EngineError {
  return new EngineError(kind, message, statusCode, 'kubernetes');
}

function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A value as a label can carry it: itself when it is a valid label value, else a hash of it. */
function labelValue(value: string): string {
  return LABEL_VALUE.test(value) ? value : `h-${shortHash(value, 16)}`;
}

/** Labels whose values a label can hold stay labels; the others (`sonde.target`: "web (net)") become annotations. */
function splitLabels(labels: Record<string, string>): { labels: Record<string, string>; annotations: Record<string, string> } {
  const result = { labels: {} as Record<string, string>, annotations: {} as Record<string, string> };
  for (const [key, value] of Object.entries(labels)) {
    if (LABEL_VALUE.test(value)) result.labels[key] = value;
    else result.annotations[key] = value;
  }
  return result;
}

function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${labelValue(v)}`)
    .join(',');
}

/** `name=value` strings as Kubernetes env entries. */
function envOf(env: readonly string[]): { name: string; value: string }[] {
  return env.map((e) => {
    const eq = e.indexOf('=');
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
}

interface ApiErrorLike {
  code?: number | string;
  body?: unknown;
  message?: string;
  type?: string;
}

/** A toolbox id, which this engine makes and parses: a node pod, an exec in an ephemeral container, or that container. */
type ToolboxRef = { kind: 'pod'; namespace: string; pod: string } | { kind: 'exec'; namespace: string; pod: string; container: string; handle: string } | { kind: 'ephemeral'; namespace: string; pod: string; container: string };

function refId(ref: ToolboxRef): string {
  switch (ref.kind) {
    case 'pod':
      return `pod/${ref.namespace}/${ref.pod}`;
    case 'exec':
      return `exec/${ref.namespace}/${ref.pod}/${ref.container}/${ref.handle}`;
    case 'ephemeral':
      return `ephemeral/${ref.namespace}/${ref.pod}/${ref.container}`;
  }
}

function parseRef(id: string): ToolboxRef | undefined {
  const parts = id.split('/');
  if (parts[0] === 'pod' && parts.length === 3) return { kind: 'pod', namespace: parts[1]!, pod: parts[2]! };
  if (parts[0] === 'exec' && parts.length === 5) return { kind: 'exec', namespace: parts[1]!, pod: parts[2]!, container: parts[3]!, handle: parts[4]! };
  if (parts[0] === 'ephemeral' && parts.length === 4) return { kind: 'ephemeral', namespace: parts[1]!, pod: parts[2]!, container: parts[3]! };
  return undefined;
}

/** An exec in progress: how to end it. */
interface LiveExec {
  socket: ChannelSocket;
}

export class KubernetesEngine implements KubernetesEngineApi {
  readonly kind = 'kubernetes' as const;
  readonly name: string;
  readonly endpoint: string;
  private readonly config: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly discovery: DiscoveryV1Api;
  private readonly versionApi: VersionApi;
  private readonly namespace: string;
  private readonly startTimeoutMs: number;
  /** Live caches, while an event stream keeps its informers running. */
  private caches: { namespaces: ObjectCache<V1Namespace>; pods: ObjectCache<V1Pod>; nodes: ObjectCache<V1Node>; services: ObjectCache<V1Service>; slices: ObjectCache<V1EndpointSlice> } | undefined;
  /** The first lists of an event stream being opened: inventory calls wait for them rather than list twice. */
  private opening: Promise<unknown> | undefined;
  private readonly execs = new Map<string, LiveExec>();
  /** `namespace/pod/target` → the ephemeral container being added, so concurrent starts add one. */
  private readonly adding = new Map<string, Promise<string>>();

  constructor(private readonly options: KubernetesEngineOptions) {
    this.name = options.name;
    this.config = options.kubeConfig ?? loadConfig(options);
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error(`Kubernetes engine ${options.name}: the kubeconfig names no cluster for its context`);
    this.endpoint = cluster.server;
    this.core = this.config.makeApiClient(CoreV1Api);
    this.discovery = this.config.makeApiClient(DiscoveryV1Api);
    this.versionApi = this.config.makeApiClient(VersionApi);
    this.namespace = options.namespace ?? namespaceOf(this.config, options.inCluster === true);
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000;
  }

  private classify(error: unknown, context: string): EngineError {
    if (error instanceof EngineError) return error;
    const e = (error ?? {}) as ApiErrorLike;
    const status = typeof e.code === 'number' ? e.code : undefined;
    const body = (typeof e.body === 'string' ? safeJson(e.body) : e.body) as { message?: string } | undefined;
    const detail = body?.message ?? (status === undefined ? e.message : undefined) ?? `HTTP ${status}`;
    if (status === undefined && (e.type === 'system' || typeof e.code === 'string')) {
      return kubeError('unreachable', `Cannot reach the Kubernetes API at ${this.endpoint} (${typeof e.code === 'string' ? e.code : detail}).`);
    }
    if (status === 404) return kubeError('not-found', `${context}: ${detail}`, 404);
    if (status === 409) return kubeError('conflict', `${context}: ${detail}`, 409);
    // 403: the service account lacks a verb (deploy/kubernetes/rbac.yaml lists what Sonde needs).
    return kubeError('failed', `${context}: ${detail}`, status);
  }

  async info(): Promise<EngineFacts> {
    try {
      const version = await this.versionApi.getCode();
      return { version: version.gitVersion };
    } catch (error) {
      throw this.classify(error, 'Kubernetes version');
    }
  }

  // Inventory ---------------------------------------------------------------------------

  /** The watch caches, once an event stream that is opening has its first lists; undefined without one. */
  private async live(): Promise<typeof this.caches> {
    if (this.opening) await this.opening.catch(() => undefined);
    return this.caches;
  }

  async listNamespaces(): Promise<KubeNamespace[]> {
    const caches = await this.live();
    const items = caches ? caches.namespaces.list() : await this.call('Listing namespaces', async () => (await this.core.listNamespace()).items);
    return items.map((n) => this.namespaceSummary(n)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async listPods(namespace?: string): Promise<KubePod[]> {
    const caches = await this.live();
    const items = caches
      ? caches.pods.list(namespace)
      : await this.call('Listing pods', async () => (namespace ? await this.core.listNamespacedPod({ namespace }) : await this.core.listPodForAllNamespaces()).items);
    return items.map((p) => this.podSummary(p)).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  async listNodes(): Promise<KubeNode[]> {
    const caches = await this.live();
    const items = caches ? caches.nodes.list() : await this.call('Listing nodes', async () => (await this.core.listNode()).items);
    return items.map((n) => this.nodeSummary(n)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async listServices(namespace?: string): Promise<KubeService[]> {
    const caches = await this.live();
    const [services, slices] = caches
      ? [caches.services.list(namespace), caches.slices.list(namespace)]
      : await this.call('Listing services', async () =>
          Promise.all([
            (namespace ? await this.core.listNamespacedService({ namespace }) : await this.core.listServiceForAllNamespaces()).items,
            (namespace ? await this.discovery.listNamespacedEndpointSlice({ namespace }) : await this.discovery.listEndpointSliceForAllNamespaces()).items,
          ]),
        );
    return services.map((s) => this.serviceSummary(s, slices)).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  async readPod(namespace: string, name: string): Promise<KubePod | undefined> {
    const pod = await this.readOrUndefined('Reading the pod', () => this.core.readNamespacedPod({ namespace, name }));
    return pod && this.podSummary(pod);
  }

  async readNamespace(name: string): Promise<KubeNamespace | undefined> {
    const namespace = await this.readOrUndefined('Reading the namespace', () => this.core.readNamespace({ name }));
    return namespace && this.namespaceSummary(namespace);
  }

  async readNode(name: string): Promise<KubeNode | undefined> {
    const node = await this.readOrUndefined('Reading the node', () => this.core.readNode({ name }));
    return node && this.nodeSummary(node);
  }

  private async call<T>(context: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.classify(error, context);
    }
  }

  private async readOrUndefined<T>(context: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const e = this.classify(error, context);
      if (e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  private namespaceSummary(n: V1Namespace): KubeNamespace {
    return { engine: this.name, name: n.metadata?.name ?? '', phase: n.status?.phase ?? 'Active', labels: n.metadata?.labels ?? {} };
  }

  private isOurs(container: V1EphemeralContainer): boolean {
    return container.name.startsWith('sonde-') && (container.env ?? []).some((e) => e.name === 'SONDE_INSTANCE' && e.value === this.options.instance);
  }

  private podSummary(p: V1Pod): KubePod {
    const statuses = (list: V1ContainerStatus[] | undefined) => new Map((list ?? []).map((s) => [s.name, s]));
    const main = statuses(p.status?.containerStatuses);
    const init = statuses(p.status?.initContainerStatuses);
    const ephemeral = statuses(p.status?.ephemeralContainerStatuses);
    const container = (c: V1Container | V1EphemeralContainer, status: V1ContainerStatus | undefined, role: KubeContainer['role']): KubeContainer => {
      const state = status?.state;
      return {
        name: c.name,
        image: c.image ?? '',
        state: state?.running ? 'running' : state?.terminated ? 'terminated' : state?.waiting ? 'waiting' : 'unknown',
        ...((state?.waiting?.reason ?? state?.terminated?.reason) ? { reason: (state?.waiting?.reason ?? state?.terminated?.reason)! } : {}),
        ready: status?.ready ?? false,
        restartCount: status?.restartCount ?? 0,
        role,
        ...('targetContainerName' in c && c.targetContainerName ? { targetContainerName: c.targetContainerName } : {}),
        toolbox: role === 'ephemeral' && this.isOurs(c as V1EphemeralContainer),
      };
    };
    const labels = p.metadata?.labels ?? {};
    const defaultContainer = p.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
    return {
      engine: this.name,
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      uid: p.metadata?.uid ?? '',
      phase: p.status?.phase ?? 'Unknown',
      ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
      ...(p.status?.podIP ? { podIP: p.status.podIP } : {}),
      hostNetwork: p.spec?.hostNetwork === true,
      labels,
      ...(defaultContainer ? { defaultContainer } : {}),
      containers: [
        ...(p.spec?.initContainers ?? []).map((c) => container(c, init.get(c.name), 'init')),
        ...(p.spec?.containers ?? []).map((c) => container(c, main.get(c.name), 'main')),
        ...(p.spec?.ephemeralContainers ?? []).map((c) => container(c, ephemeral.get(c.name), 'ephemeral')),
      ],
      toolbox: labels['sonde.managed'] === 'true' && labels['sonde.instance'] === labelValue(this.options.instance),
    };
  }

  private nodeSummary(n: V1Node): KubeNode {
    return {
      engine: this.name,
      name: n.metadata?.name ?? '',
      addresses: (n.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
      ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      unschedulable: n.spec?.unschedulable === true,
      labels: n.metadata?.labels ?? {},
      ...(n.status?.nodeInfo?.kubeletVersion ? { kubeletVersion: n.status.nodeInfo.kubeletVersion } : {}),
    };
  }

  private serviceSummary(s: V1Service, slices: readonly V1EndpointSlice[]): KubeService {
    const namespace = s.metadata?.namespace ?? '';
    const name = s.metadata?.name ?? '';
    const own = slices.filter((e) => e.metadata?.namespace === namespace && e.metadata?.labels?.['kubernetes.io/service-name'] === name);
    return {
      engine: this.name,
      namespace,
      name,
      type: s.spec?.type ?? 'ClusterIP',
      ...(s.spec?.clusterIP ? { clusterIP: s.spec.clusterIP } : {}),
      ports: (s.spec?.ports ?? []).map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.targetPort !== undefined ? { targetPort: String(p.targetPort) } : {}),
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      })),
      selector: s.spec?.selector ?? {},
      labels: s.metadata?.labels ?? {},
      endpoints: own.flatMap((slice) =>
        slice.endpoints.map((e) => ({
          addresses: e.addresses,
          // EndpointConditions: a nil ready is "ready" (the API reference, EndpointSlice v1).
          ready: e.conditions?.ready !== false,
          ...(e.targetRef?.kind === 'Pod' && e.targetRef.name ? { pod: e.targetRef.name } : {}),
          ...(e.nodeName ? { node: e.nodeName } : {}),
        })),
      ),
    };
  }

  // Events (watches) ----------------------------------------------------------------------

  /**
   * Watches namespaces, pods, nodes, services and EndpointSlices (client-node informers: a list,
   * then a watch from its resourceVersion, watched again when the server ends it, listed again
   * on 410 Gone). The caches serve the inventory while the stream lives. The stream ends when a
   * watch fails and the API does not answer: the engine is then unreachable.
   */
  async openEvents(): Promise<EngineEventStream> {
    const eventListeners: ((e: EngineEvent) => void)[] = [];
    const endListeners: ((e?: Error) => void)[] = [];
    let ended = false;
    const informers: Informer<KubernetesObject>[] = [];
    const finish = (error?: Error) => {
      if (ended) return;
      ended = true;
      if (this.caches === caches) this.caches = undefined;
      for (const i of informers) void i.stop();
      for (const l of endListeners) l(error);
    };
    // Watches run from the start: what they report before anyone listens is kept for the first listener.
    const early: EngineEvent[] = [];
    const emit = (event: EngineEvent) => {
      if (ended) return;
      if (eventListeners.length === 0) early.push(event);
      for (const l of eventListeners) l(event);
    };
    const inform = <T extends KubernetesObject>(path: string, list: () => Promise<{ items: T[] }>, toEvent: (action: 'create' | 'update' | 'destroy', object: T) => EngineEvent | undefined) => {
      // What a (re)list adds or updates is the state, not a change: it is not sent as events. The
      // informer adds a list's items right after the list resolves, before anything else runs;
      // deletions it finds by comparing are changes, and are sent.
      let syncing = false;
      const listed = async () => {
        const result = await list();
        syncing = true;
        setImmediate(() => (syncing = false));
        return result;
      };
      const informer = makeInformer<T>(this.config, path, listed as never);
      for (const [verb, action] of [['add', 'create'], ['update', 'update'], ['delete', 'destroy']] as const) {
        informer.on(verb, (object: T) => {
          if (syncing && action !== 'destroy') return;
          const event = toEvent(action, object);
          if (event) emit(event);
        });
      }
      let failures = 0;
      informer.on('error', (error: unknown) => {
        if (ended) return;
        // One watch failing is not the cluster gone: ask it, and watch again if it answers.
        failures++;
        this.info().then(
          () => {
            if (failures > 5) finish(this.classify(error, 'Watching'));
            else setTimeout(() => !ended && void informer.start(), 1000 * failures).unref();
          },
          (lost: unknown) => finish(lost instanceof Error ? lost : this.classify(error, 'Watching')),
        );
      });
      informer.on('connect', () => {
        failures = 0;
      });
      informers.push(informer as unknown as Informer<KubernetesObject>);
      return informer;
    };
    const caches = {
      namespaces: inform<V1Namespace>('/api/v1/namespaces', () => this.core.listNamespace(), (action, n) => ({ kind: 'namespace', action, id: n.metadata?.name ?? '' })),
      pods: inform<V1Pod>('/api/v1/pods', () => this.core.listPodForAllNamespaces(), (action, p) => {
        const phase = p.status?.phase;
        return { kind: 'pod', action, id: p.metadata?.uid ?? '', ...(action === 'destroy' || phase === 'Succeeded' || phase === 'Failed' ? { ends: true } : {}) };
      }),
      nodes: inform<V1Node>('/api/v1/nodes', () => this.core.listNode(), (action, n) => ({ kind: 'node', action, id: n.metadata?.name ?? '' })),
      services: inform<V1Service>('/api/v1/services', () => this.core.listServiceForAllNamespaces(), (action, s) => ({ kind: 'service', action, id: `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}` })),
      slices: inform<V1EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices', () => this.discovery.listEndpointSliceForAllNamespaces(), (action, e) => {
        const service = e.metadata?.labels?.['kubernetes.io/service-name'];
        return service ? { kind: 'service', action: 'update', id: `${e.metadata?.namespace ?? ''}/${service}` } : undefined;
      }),
    };
    // The first lists must succeed: that is what "reachable" means for the monitor.
    let firstError: unknown;
    for (const informer of informers) informer.on('error', (error: unknown) => (firstError ??= error));
    const started = Promise.all(informers.map((i) => i.start()));
    this.opening = started;
    try {
      await started;
    } finally {
      if (this.opening === started) this.opening = undefined;
    }
    if (firstError !== undefined) {
      finish();
      throw this.classify(firstError, 'Watching the cluster');
    }
    this.caches = caches;
    return {
      onEvent: (l) => {
        eventListeners.push(l);
        for (const event of early.splice(0)) l(event);
      },
      onEnd: (l) => endListeners.push(l),
      close: () => finish(),
    };
  }

  // Toolboxes ----------------------------------------------------------------------------

  /** The kubelet finds commands when it starts them: a missing one fails the start (TOOL_MISSING). */
  async hasCommand(): Promise<boolean> {
    return true;
  }

  async startToolbox(spec: ToolboxSpec): Promise<RunningToolbox> {
    const placement = spec.placement;
    if (placement.kind === 'pod') {
      const container = await this.ephemeralContainer(placement, spec);
      const ref: ToolboxRef = { kind: 'exec', namespace: placement.namespace, pod: placement.pod, container, handle: spec.name };
      return this.terminal(ref, this.execArgv(spec.name, spec), spec.initialSize);
    }
    const node = this.nodePlacement(placement);
    const pod = await this.startNodePod(spec, node, { stdin: true, tty: true });
    try {
      return await this.attachTerminal(pod, spec.initialSize);
    } catch (error) {
      await this.removeContainer(refId(pod)).catch(() => undefined);
      throw error;
    }
  }

  async startStreamingToolbox(spec: ToolboxSpec): Promise<StreamingToolbox> {
    const placement = spec.placement;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    if (placement.kind === 'pod') {
      const container = await this.ephemeralContainer(placement, spec);
      const ref: ToolboxRef = { kind: 'exec', namespace: placement.namespace, pod: placement.pod, container, handle: spec.name };
      let status: V1Status | undefined;
      await this.openExec(ref, this.execArgv(spec.name, spec), { stdout, stderr, stdin: null, tty: false, onStatus: (s) => (status = s) });
      return { id: refId(ref), stdout, stderr, exitCode: async () => exitCodeOf(status) };
    }
    const node = this.nodePlacement(placement);
    const pod = await this.startNodePod(spec, node, { stdin: true, tty: false });
    try {
      const stdin = new PassThrough();
      await this.openAttach(pod, { stdin, stdout, stderr, tty: false });
      // The go line (WAIT_SCRIPT), then nothing: a capture reads no input.
      stdin.write('\n');
      return { id: refId(pod), stdout, stderr, exitCode: () => this.nodePodExitCode(pod) };
    } catch (error) {
      await this.removeContainer(refId(pod)).catch(() => undefined);
      throw error;
    }
  }

  async runToCompletion(spec: ToolboxSpec, options: CompletionOptions): Promise<CompletedToolbox> {
    const placement = spec.placement;
    const stdout = boundedSink(options.maxOutputBytes);
    const stderr = boundedSink(options.maxOutputBytes);
    const stdin = new PassThrough();
    let timer: NodeJS.Timeout | undefined;
    let id: string | undefined;
    try {
      let done: Promise<number>;
      if (placement.kind === 'pod') {
        const container = await this.ephemeralContainer(placement, spec);
        const ref: ToolboxRef = { kind: 'exec', namespace: placement.namespace, pod: placement.pod, container, handle: spec.name };
        id = refId(ref);
        let resolveStatus!: (status: V1Status | undefined) => void;
        const status = new Promise<V1Status | undefined>((resolve) => (resolveStatus = resolve));
        const socket = await this.openExec(ref, this.execArgv(spec.name, spec), { stdout: stdout.sink, stderr: stderr.sink, stdin: options.stdin !== undefined ? stdin : null, tty: false, onStatus: resolveStatus });
        socket.on('close', () => resolveStatus(undefined));
        if (options.stdin !== undefined) this.endInput(socket, stdin, options.stdin);
        done = status.then((s) => exitCodeOf(s) ?? -1);
      } else {
        const node = this.nodePlacement(placement);
        const pod = await this.startNodePod(spec, node, { stdin: true, tty: false });
        id = refId(pod);
        const socket = await this.openAttach(pod, { stdin, stdout: stdout.sink, stderr: stderr.sink, tty: false });
        this.endInput(socket, stdin, Buffer.concat([Buffer.from('\n'), Buffer.from(options.stdin ?? '')]));
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        done = closed.then(async () => (await this.nodePodExitCode(pod, true)) ?? -1);
      }
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      });
      const result = await Promise.race([done, timedOut]);
      if (result === 'timeout') throw kubeError('failed', `The toolbox did not finish within ${Math.round(options.timeoutMs / 1000)} s.`);
      return { exitCode: result, stdout: stdout.bytes(), stderr: stderr.bytes(), truncated: stdout.truncated() || stderr.truncated() };
    } finally {
      clearTimeout(timer);
      if (id) await this.removeContainer(id).catch(() => undefined);
    }
  }

  /**
   * Ends stdin after `data`: on v5.channel.k8s.io a close frame for channel 0 (the process reads
   * its end of file and the output keeps coming); v4 has no such frame, and closing the websocket
   * would lose the output, so there stdin stays open and the caller's time limit applies.
   */
  private endInput(socket: ChannelSocket, stdin: PassThrough, data: string | Buffer): void {
    stdin.write(data);
    if (socket.protocol === 'v5.channel.k8s.io') stdin.end();
  }

  async startIdleToolbox(spec: ToolboxSpec): Promise<string> {
    const placement = spec.placement;
    if (placement.kind === 'pod') {
      const container = await this.ephemeralContainer(placement, spec);
      return refId({ kind: 'ephemeral', namespace: placement.namespace, pod: placement.pod, container });
    }
    const node = this.nodePlacement(placement);
    const pod = await this.startNodePod({ ...spec, entrypoint: ['/bin/sh', '-c', IDLE_SCRIPT] }, node, { stdin: false, tty: false, idle: true });
    return refId(pod);
  }

  async exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const ref = parseRef(containerId);
    if (!ref || ref.kind === 'exec') throw kubeError('not-found', `No toolbox ${containerId} to run a command in.`, 404);
    const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const target: Extract<ToolboxRef, { kind: 'exec' }> = { kind: 'exec', namespace: ref.namespace, pod: ref.pod, container: ref.kind === 'pod' ? NODE_POD_CONTAINER : ref.container, handle: 'exec' };
    const stdout = boundedSink(options.maxOutputBytes);
    const stderr = boundedSink(options.maxOutputBytes);
    let resolveStatus!: (status: V1Status | undefined) => void;
    const status = new Promise<V1Status | undefined>((resolve) => (resolveStatus = resolve));
    // No API call kills an exec's process, so the container's own `timeout` does (as on Docker).
    const socket = await this.openExec(target, ['timeout', '-s', 'KILL', String(seconds), ...argv], { stdout: stdout.sink, stderr: stderr.sink, stdin: null, tty: false, onStatus: resolveStatus });
    socket.on('close', () => resolveStatus(undefined));
    let backstop: NodeJS.Timeout | undefined;
    const result = await Promise.race([status.then((s) => ({ s })), new Promise<'stuck'>((resolve) => (backstop = setTimeout(() => resolve('stuck'), seconds * 1000 + 3000)))]);
    clearTimeout(backstop);
    socket.close();
    const exitCode = result === 'stuck' ? -1 : (exitCodeOf(result.s) ?? -1);
    const elapsedMs = Math.round(performance.now() - started);
    const killedAtLimit = exitCode === 128 + 9 && elapsedMs >= seconds * 1000 - 100;
    return { exitCode, stdout: stdout.bytes(), stderr: stderr.bytes(), truncated: stdout.truncated() || stderr.truncated(), timedOut: result === 'stuck' || killedAtLimit, elapsedMs };
  }

  /** Node pods of this console (ephemeral containers cannot be listed as toolboxes: they stay with their pods). */
  async listToolboxes(labels: Record<string, string>): Promise<string[]> {
    const pods = await this.call('Listing toolboxes', () => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selectorOf(labels) }));
    return pods.items.map((p) => refId({ kind: 'pod', namespace: p.metadata?.namespace ?? this.namespace, pod: p.metadata?.name ?? '' }));
  }

  async toolboxLabels(id: string): Promise<Record<string, string> | undefined> {
    const ref = parseRef(id);
    if (ref?.kind !== 'pod') return undefined;
    const pod = await this.readOrUndefined('Reading the toolbox', () => this.core.readNamespacedPod({ namespace: ref.namespace, name: ref.pod }));
    return pod && { ...pod.metadata?.annotations, ...pod.metadata?.labels };
  }

  /**
   * A node pod is deleted (at once: it holds nothing worth a grace period). An exec is ended: its
   * process killed (a closed websocket is not an EOF for it) and its websocket closed. An
   * ephemeral container cannot be removed from its pod: it stays, idle, for the next session.
   */
  async removeContainer(id: string): Promise<void> {
    const ref = parseRef(id);
    if (!ref) return;
    if (ref.kind === 'pod') {
      try {
        await this.core.deleteNamespacedPod({ namespace: ref.namespace, name: ref.pod, gracePeriodSeconds: 0 });
      } catch (error) {
        const e = this.classify(error, 'Deleting the toolbox pod');
        if (e.kind !== 'not-found') throw e;
      }
      return;
    }
    if (ref.kind === 'ephemeral') return;
    const live = this.execs.get(id);
    this.execs.delete(id);
    try {
      await this.runScript(ref, KILL_SCRIPT, [ref.handle]);
    } finally {
      live?.socket.close();
    }
  }

  // Ephemeral containers -------------------------------------------------------------------

  /**
   * Sonde's ephemeral container in the pod for this target container: the running one if there
   * is one, else a new one added through the ephemeralcontainers subresource (a strategic merge
   * patch, as kubectl debug sends it), waited for until it runs. Names are
   * `sonde-<hash of instance and target>-<n>`: one that exited cannot be started again, so the
   * next gets the next number.
   */
  private ephemeralContainer(placement: Extract<Placement, { kind: 'pod' }>, spec: ToolboxSpec): Promise<string> {
    const key = `${placement.namespace}/${placement.pod}/${placement.container}`;
    const pending = this.adding.get(key);
    if (pending) return pending;
    const work = this.addEphemeralContainer(placement, spec).finally(() => this.adding.delete(key));
    this.adding.set(key, work);
    return work;
  }

  private async addEphemeralContainer(placement: Extract<Placement, { kind: 'pod' }>, spec: ToolboxSpec): Promise<string> {
    const { namespace, pod: name } = placement;
    const pod = await this.readOrUndefined('Reading the pod', () => this.core.readNamespacedPod({ namespace, name }));
    if (!pod || pod.metadata?.uid !== placement.podUid) throw kubeError('not-found', `Pod ${namespace}/${name} is gone (or was replaced).`, 404);
    const prefix = `sonde-${shortHash(`${this.options.instance}\u0000${placement.container}`)}-`;
    const ours = (pod.spec?.ephemeralContainers ?? []).filter((c) => c.name.startsWith(prefix) && this.isOurs(c));
    const statuses = pod.status?.ephemeralContainerStatuses ?? [];
    const running = ours.find((c) => statuses.find((s) => s.name === c.name)?.state?.running);
    if (running) return running.name;
    const waiting = ours.find((c) => {
      const state = statuses.find((s) => s.name === c.name)?.state;
      return !state || (state.waiting && !HOPELESS.includes(state.waiting.reason ?? ''));
    });
    const container = waiting?.name ?? `${prefix}${ours.length + 1}`;
    if (!waiting) {
      const ephemeral: V1EphemeralContainer = {
        name: container,
        image: spec.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['/bin/sh', '-c', IDLE_SCRIPT],
        env: [
          { name: 'SONDE_MANAGED', value: 'true' },
          { name: 'SONDE_INSTANCE', value: this.options.instance },
        ],
        targetContainerName: placement.container,
        stdin: false,
        tty: false,
        // Sonde's toolbox profile (kubectl debug's netadmin), never privileged; shared by every workload in the pod.
        securityContext: { capabilities: { add: [...this.options.podCapabilities], drop: ['ALL'] }, allowPrivilegeEscalation: false, privileged: false },
      };
      await this.call('Adding the ephemeral container', () =>
        this.core.patchNamespacedPodEphemeralcontainers({ namespace, name, body: { spec: { ephemeralContainers: [ephemeral] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
      );
    }
    await this.waitForPod(namespace, name, (p) => {
      const state = p.status?.ephemeralContainerStatuses?.find((s) => s.name === container)?.state;
      if (state?.running) return 'ready';
      if (state?.terminated) return `the ephemeral container exited (${state.terminated.reason ?? state.terminated.exitCode})`;
      if (state?.waiting && HOPELESS.includes(state.waiting.reason ?? '')) return `${state.waiting.reason}: ${state.waiting.message ?? ''}`;
      if (p.metadata?.uid !== placement.podUid || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return `the pod is ${p.status?.phase ?? 'gone'}`;
      return undefined;
    });
    return container;
  }

  // Node pods -------------------------------------------------------------------------------

  private nodePlacement(placement: Placement): string {
    if (placement.kind !== 'node') throw kubeError('failed', `A Kubernetes engine cannot place a toolbox in a ${placement.kind}; its targets are pods and nodes.`);
    return placement.node;
  }

  /**
   * A pod in the node's network namespace (hostNetwork), pinned to the node by nodeName (no
   * scheduler, every taint tolerated, as kubectl debug node/… does), with the toolbox's
   * capabilities and memory and CPU limits, no service account token, never restarted.
   */
  private async startNodePod(spec: ToolboxSpec, node: string, io: { stdin: boolean; tty: boolean; idle?: boolean }): Promise<Extract<ToolboxRef, { kind: 'pod' }>> {
    const { labels, annotations } = splitLabels({ ...spec.labels, 'sonde.instance': labelValue(spec.labels['sonde.instance'] ?? this.options.instance) });
    const command = io.idle ? spec.entrypoint : ['/bin/sh', '-c', WAIT_SCRIPT, 'sonde-wait', ...spec.entrypoint];
    const millicpu = `${Math.max(1, Math.round(spec.nanoCpus / 1e6))}m`;
    const body: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: spec.name, namespace: this.namespace, labels, annotations },
      spec: {
        nodeName: node,
        hostNetwork: true,
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 0,
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: NODE_POD_CONTAINER,
            image: spec.image,
            imagePullPolicy: 'IfNotPresent',
            command,
            env: envOf(spec.env),
            stdin: io.stdin,
            stdinOnce: io.stdin,
            tty: io.tty,
            securityContext: { capabilities: { add: spec.capAdd, drop: spec.capDrop }, allowPrivilegeEscalation: false, privileged: false },
            resources: { limits: { memory: String(spec.memoryBytes), cpu: millicpu }, requests: { memory: String(Math.min(spec.memoryBytes, 64 * 1024 * 1024)), cpu: '10m' } },
          },
        ],
      },
    };
    await this.call('Creating the node pod', () => this.core.createNamespacedPod({ namespace: this.namespace, body }));
    const ref = { kind: 'pod' as const, namespace: this.namespace, pod: spec.name };
    try {
      await this.waitForPod(this.namespace, spec.name, (p) => {
        const state = p.status?.containerStatuses?.find((s) => s.name === NODE_POD_CONTAINER)?.state;
        if (state?.running) return 'ready';
        if (state?.waiting && HOPELESS.includes(state.waiting.reason ?? '')) return `${state.waiting.reason}: ${state.waiting.message ?? ''}`;
        if (state?.terminated || p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') return `the pod ended before it was attached (${p.status?.reason ?? state?.terminated?.reason ?? p.status?.phase})`;
        return undefined;
      });
    } catch (error) {
      await this.removeContainer(refId(ref)).catch(() => undefined);
      throw error;
    }
    return ref;
  }

  private async nodePodExitCode(ref: Extract<ToolboxRef, { kind: 'pod' }>, wait = false): Promise<number | undefined> {
    for (let attempt = 0; attempt < (wait ? 20 : 1); attempt++) {
      const pod = await this.readOrUndefined('Reading the toolbox pod', () => this.core.readNamespacedPod({ namespace: ref.namespace, name: ref.pod }));
      const terminated = pod?.status?.containerStatuses?.find((s) => s.name === NODE_POD_CONTAINER)?.state?.terminated;
      if (terminated || !pod) return terminated?.exitCode;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  }

  /**
   * Waits on a watch of one pod (fieldSelector metadata.name) until `check` says `ready`, or a
   * reason it never will be, or the start timeout passes.
   */
  private async waitForPod(namespace: string, name: string, check: (pod: V1Pod) => 'ready' | string | undefined): Promise<void> {
    const watch = new Watch(this.config);
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(kubeError('failed', `Pod ${namespace}/${name}: the toolbox did not start within ${Math.round(this.startTimeoutMs / 1000)} s (the kubelet may still be pulling the image).`)), this.startTimeoutMs);
        const onPod = (pod: V1Pod) => {
          const verdict = check(pod);
          if (verdict === 'ready') resolve();
          else if (verdict !== undefined) reject(kubeError(/ErrImagePull|ImagePullBackOff|InvalidImageName/.test(verdict) ? 'image-missing' : 'failed', `Pod ${namespace}/${name}: ${verdict}`));
        };
        watch
          .watch(
            `/api/v1/namespaces/${namespace}/pods`,
            { fieldSelector: `metadata.name=${name}` },
            (phase: string, pod: V1Pod) => {
              if (phase === 'DELETED') reject(kubeError('not-found', `Pod ${namespace}/${name} was deleted.`, 404));
              else if (phase === 'ADDED' || phase === 'MODIFIED') onPod(pod);
            },
            (error: unknown) => {
              if (error) reject(this.classify(error, `Watching pod ${namespace}/${name}`));
              else reject(kubeError('failed', `Pod ${namespace}/${name}: the watch ended before the toolbox started.`));
            },
          )
          .then((c) => (controller = c), (error: unknown) => reject(this.classify(error, `Watching pod ${namespace}/${name}`)));
      });
    } finally {
      clearTimeout(timer);
      controller?.abort();
    }
  }

  // Exec and attach -------------------------------------------------------------------------

  /** The argv of an exec in Sonde's ephemeral container: EXEC_SCRIPT, the handle, the env, the entrypoint. */
  private execArgv(handle: string, spec: ToolboxSpec): string[] {
    return ['/bin/sh', '-c', EXEC_SCRIPT, 'sonde-exec', handle, ...spec.env, ...spec.entrypoint];
  }

  private async openExec(
    ref: Extract<ToolboxRef, { kind: 'exec' }>,
    command: string[],
    io: { stdout: Writable; stderr: Writable | null; stdin: PassThrough | null; tty: boolean; onStatus?: (status: V1Status) => void },
  ): Promise<ChannelSocket> {
    const stdin = io.stdin ?? new PassThrough();
    const exec = new Exec(this.config, channelHandler(this.config, { stdin, stdout: io.stdout, stderr: io.stderr ?? new PassThrough() }));
    let socket: ChannelSocket;
    try {
      socket = (await exec.exec(ref.namespace, ref.pod, ref.container, command, io.stdout, io.stderr, io.stdin, io.tty, io.onStatus)) as unknown as ChannelSocket;
    } catch (error) {
      throw this.classify(error, 'Running a command in the toolbox');
    }
    if (ref.handle !== 'exec') {
      const id = refId(ref);
      this.execs.set(id, { socket });
      socket.on('close', () => {
        if (this.execs.get(id)?.socket === socket) this.execs.delete(id);
      });
    }
    return socket;
  }

  /** A fixed script in Sonde's container with arguments (never text in the script), no output kept. */
  private async runScript(ref: Extract<ToolboxRef, { kind: 'exec' }>, script: string, args: string[]): Promise<void> {
    let resolveStatus!: () => void;
    const done = new Promise<void>((resolve) => (resolveStatus = resolve));
    const socket = await this.openExec({ ...ref, handle: 'exec' }, ['/bin/sh', '-c', script, 'sonde-script', ...args], { stdout: new PassThrough().resume(), stderr: null, stdin: null, tty: false, onStatus: () => resolveStatus() });
    socket.on('close', () => resolveStatus());
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000).unref())]);
    socket.close();
  }

  private async terminal(ref: Extract<ToolboxRef, { kind: 'exec' }>, command: string[], size: { cols: number; rows: number }): Promise<RunningToolbox> {
    const duplex = new TerminalDuplex(size);
    let status: V1Status | undefined;
    const socket = await this.openExec(ref, command, { stdout: duplex.output, stderr: null, stdin: duplex.stdin, tty: true, onStatus: (s) => (status = s) });
    duplex.bind(socket);
    return {
      id: refId(ref),
      stream: duplex,
      resize: async (cols, rows) => duplex.output.resize(cols, rows),
      exitCode: async () => exitCodeOf(status),
    };
  }

  private async openAttach(ref: Extract<ToolboxRef, { kind: 'pod' }>, io: { stdin: PassThrough; stdout: Writable; stderr: Writable | null; tty: boolean }): Promise<ChannelSocket> {
    const attach = new Attach(this.config, channelHandler(this.config, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr ?? new PassThrough() }));
    try {
      return (await attach.attach(ref.namespace, ref.pod, NODE_POD_CONTAINER, io.stdout, io.stderr, io.stdin, io.tty)) as unknown as ChannelSocket;
    } catch (error) {
      throw this.classify(error, 'Attaching to the toolbox pod');
    }
  }

  private async attachTerminal(ref: Extract<ToolboxRef, { kind: 'pod' }>, size: { cols: number; rows: number }): Promise<RunningToolbox> {
    const duplex = new TerminalDuplex(size);
    const socket = await this.openAttach(ref, { stdin: duplex.stdin, stdout: duplex.output, stderr: null, tty: true });
    duplex.bind(socket);
    // The go line: the shell starts now that its output has somewhere to go (WAIT_SCRIPT).
    duplex.stdin.write('\n');
    return {
      id: refId(ref),
      stream: duplex,
      resize: async (cols, rows) => duplex.output.resize(cols, rows),
      exitCode: () => this.nodePodExitCode(ref, true),
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The client config of one configured cluster: a kubeconfig file and context, or the pod's service account. */
function loadConfig(options: KubernetesEngineOptions): KubeConfig {
  const config = new KubeConfig();
  if (options.inCluster) {
    config.loadFromCluster();
    return config;
  }
  config.loadFromFile(options.kubeconfig!);
  if (options.context) {
    if (!config.getContextObject(options.context)) throw new Error(`Kubernetes engine ${options.name}: ${options.kubeconfig} has no context "${options.context}" (it has ${config.getContexts().map((c) => c.name).join(', ')})`);
    config.setCurrentContext(options.context);
  }
  return config;
}

/** Where node pods go when the configuration does not say: the console's own namespace in a cluster, else the context's, else `default`. */
function namespaceOf(config: KubeConfig, inCluster: boolean): string {
  if (inCluster) {
    try {
      return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'default';
    } catch {
      return 'default';
    }
  }
  return config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
}
