import type { Duplex, Readable } from 'node:stream';
import type { ContainerSummary, EngineKind, KubeNamespace, KubeNode, KubePod, KubeService, NetworkSummary } from '@sonde/shared';

/**
 * The seam between Sonde and its engines, in two parts. `ToolboxEngine` is what workloads use
 * (sessions, runs, captures, probes, the reaper, the monitor): start a toolbox where a placement
 * says, exec in it, remove it, list Sonde's own, follow events. Every kind of engine implements
 * it. The inventories are each kind's own: `ContainerEngine` adds Docker's containers, networks
 * and Swarm (docker-engine.ts, the only code that knows dockerode); `KubernetesEngine` adds
 * namespaces, pods, nodes and services (kubernetes-engine.ts, the only code that knows
 * @kubernetes/client-node). Targets are resolved against an inventory; toolboxes start through
 * the common part, so nothing above this branches on the kind of engine to run a workload.
 */
export interface ToolboxEngine {
  readonly kind: EngineKind;
  /** Its name in the console (SONDE_ENGINES; `local` by default): on every object it lists. */
  readonly name: string;
  /** Where the engine was looked for, e.g. `unix:///var/run/docker.sock`; used in error messages. */
  readonly endpoint: string;
  /** Its version (and its place in a Swarm, when it is in one): the health probe. */
  info(): Promise<EngineFacts>;
  /**
   * Whether `command` is an executable name found on the image's PATH, checked in a created,
   * never started container (labelled with `labels`, removed before this resolves). An engine
   * that cannot look before it runs answers true: a missing command then fails the start.
   */
  hasCommand(image: string, command: string, labels: Record<string, string>): Promise<boolean>;
  /** Creates, attaches to and starts a toolbox. On any failure nothing is left behind. */
  startToolbox(spec: ToolboxSpec): Promise<RunningToolbox>;
  /**
   * Creates and starts a toolbox without a TTY (a tool writing binary data, tcpdump -w -):
   * stdout and stderr come apart and byte-exact. On any failure nothing is left behind.
   */
  startStreamingToolbox(spec: ToolboxSpec): Promise<StreamingToolbox>;
  /**
   * Creates and starts a toolbox without a TTY, feeds it `stdin` (then end of file), waits until
   * it exits and collects its output. The container is removed before this settles, however it
   * ends; past `timeoutMs` it is removed and this rejects with a `failed` EngineError.
   */
  runToCompletion(spec: ToolboxSpec, options: CompletionOptions): Promise<CompletedToolbox>;
  /**
   * Creates and starts a toolbox with nothing attached: its entrypoint idles (a bounded
   * `sleep`) while commands run in it with `exec`. On any failure nothing is left behind.
   */
  startIdleToolbox(spec: ToolboxSpec): Promise<string>;
  /**
   * Runs `argv` in a running toolbox (no TTY, no stdin, no shell) and collects its exit code
   * and demultiplexed output. The command runs under the container's `timeout` (coreutils or
   * busybox), which kills it at `timeoutMs`; `timedOut` is then set. Rejects with `not-found`
   * or `conflict` when the container is gone or not running.
   */
  exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Ids of toolboxes carrying all of these labels, running or not. */
  listToolboxes(labels: Record<string, string>): Promise<string[]>;
  /** A toolbox's labels (the reaper reads whose it is); undefined when it is gone. */
  toolboxLabels(id: string): Promise<Record<string, string> | undefined>;
  /**
   * Removes a toolbox (a container; on Kubernetes a node pod, or a shell in Sonde's ephemeral
   * container); resolves when it is gone (also when it never existed).
   */
  removeContainer(id: string): Promise<void>;
  /** A live feed of changes (containers, networks; pods, namespaces …); ends when the engine connection drops. */
  openEvents(): Promise<EngineEventStream>;
}

/** A Docker engine: the common part, and Docker's inventory (containers, networks, Swarm). */
export interface ContainerEngine extends ToolboxEngine {
  readonly kind: 'docker';
  version(): Promise<string>;
  listContainers(): Promise<ContainerSummary[]>;
  listNetworks(): Promise<NetworkSummary[]>;
  /** One network as this engine knows it; undefined when it does not (a worker without a task of an overlay). */
  inspectNetwork(ref: string): Promise<NetworkSummary | undefined>;
  /** Swarm managers only: the cluster's nodes, services and tasks (a worker answers with a `failed` EngineError). */
  swarmNodes(): Promise<SwarmNodeFacts[]>;
  swarmServices(): Promise<SwarmServiceFacts[]>;
  swarmTasks(filter?: { service?: string; id?: string }): Promise<SwarmTaskFacts[]>;
  /** Details needed to attach to a container; undefined when it does not exist. */
  inspectContainer(id: string): Promise<ContainerDetail | undefined>;
  hasImage(ref: string): Promise<boolean>;
  /**
   * Pulls an image from its registry (`docker pull`), telling `onProgress` the percent of its
   * layers done (pull-progress.ts) as Docker reports it. Resolves when the image is there;
   * rejects with an EngineError whose message says why in words (the registry has no such tag,
   * its name does not resolve, it wants a login …) and quotes Docker. `signal` stops following
   * (the engine's pull may go on).
   */
  pullImage(ref: string, onProgress?: (percent: number) => void, signal?: AbortSignal): Promise<void>;
  /**
   * Opens an interactive shell in a running toolbox (Docker only: shell-toolboxes.ts reuses
   * toolboxes on Docker engines; a Kubernetes pod's shells share its ephemeral container already): `argv` with a TTY of `size`, stdin
   * attached (a `docker exec -it`). The result has RunningToolbox's shape, `id` being the
   * container's; resizing resizes this shell's TTY only, and `exitCode` is the shell's. Ending
   * the stream does not end the process (Docker has no call for that): whoever opened it kills
   * it. Rejects with `not-found` or `conflict` when the container is gone or not running.
   */
  openShell(containerId: string, argv: readonly string[], options: ShellOptions): Promise<RunningToolbox>;
}

/** A Kubernetes cluster: the common part, and its inventory (served from watch caches when live). */
export interface KubernetesEngine extends ToolboxEngine {
  readonly kind: 'kubernetes';
  listNamespaces(): Promise<KubeNamespace[]>;
  listPods(namespace?: string): Promise<KubePod[]>;
  listNodes(): Promise<KubeNode[]>;
  listServices(namespace?: string): Promise<KubeService[]>;
  /** Read now from the API (not a cache): what a target is resolved and checked against. */
  readPod(namespace: string, name: string): Promise<KubePod | undefined>;
  readNamespace(name: string): Promise<KubeNamespace | undefined>;
  readNode(name: string): Promise<KubeNode | undefined>;
}

/** Any engine the console drives, told apart by `kind`. */
export type Engine = ContainerEngine | KubernetesEngine;

export interface EngineFacts {
  version: string;
  swarm?: { nodeId: string; role: 'manager' | 'worker'; clusterId?: string };
}

export interface SwarmNodeFacts {
  id: string;
  hostname: string;
  address: string;
  role: 'manager' | 'worker';
  availability: string;
  state: string;
}

export interface SwarmServiceFacts {
  id: string;
  name: string;
  mode: 'replicated' | 'global';
  replicas?: number;
  networkIds: string[];
}

export interface SwarmTaskFacts {
  id: string;
  serviceId: string;
  slot?: number;
  nodeId: string;
  state: string;
  desiredState: string;
  containerId?: string;
  addresses: { networkId: string; networkName?: string; address: string }[];
}

export interface ContainerDetail {
  id: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
  /** When it last started: a container restarted since has a new network namespace. */
  startedAt?: string;
}

export interface EngineEvent {
  kind: 'container' | 'network' | 'service' | 'node' | 'pod' | 'namespace';
  action: string;
  /** A container's id; a pod's uid; a namespace's or node's name; a service's `namespace/name`. */
  id: string;
  /** For network connect/disconnect, the container involved. */
  containerId?: string;
  /**
   * The object is gone or stopped (a container died, a pod was deleted or finished): workloads
   * that live in it end (see `livesIn` in toolboxes/placement.ts).
   */
  ends?: boolean;
}

export interface EngineEventStream {
  onEvent(listener: (event: EngineEvent) => void): void;
  onEnd(listener: (error?: Error) => void): void;
  close(): void;
}

/**
 * Where a toolbox goes, derived from the resolved target (toolboxes/toolbox-spec.ts) and
 * translated by each engine: Docker into a network mode, a PID mode and mounts; Kubernetes into
 * an ephemeral container in the pod, or a hostNetwork pod pinned to the node. An engine refuses
 * a placement it cannot make (a pod on a Docker engine).
 */
export type Placement =
  /** In a container's network namespace (and its process namespace with `sharePid`). */
  | { kind: 'container'; containerId: string; sharePid: boolean }
  /** A new endpoint on a network, with a host name of its own. */
  | { kind: 'network'; networkName: string; hostname: string }
  /** The engine host's network namespace. */
  | { kind: 'host' }
  /** No network of its own, with the node's network namespace files at hand (an overlay's own namespace). */
  | { kind: 'netns-files' }
  /** In a pod's network namespace, seeing `container`'s processes. */
  | { kind: 'pod'; namespace: string; pod: string; podUid: string; container: string }
  /** A Kubernetes node's network namespace. */
  | { kind: 'node'; node: string };

/** What a toolbox should be, in our own terms (built by toolboxes/toolbox-spec.ts). */
export interface ToolboxSpec {
  name: string;
  image: string;
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
  placement: Placement;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  memoryBytes: number;
  pidsLimit: number;
  nanoCpus: number;
  initialSize: { cols: number; rows: number };
}

export interface RunningToolbox {
  id: string;
  /** Raw TTY bytes both ways (the hijacked attach connection). */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /**
   * Exit code of the toolbox's main process, after the stream ended; undefined when unknown.
   * Rejects with an `unreachable` EngineError when Docker cannot be asked (it went away).
   */
  exitCode(): Promise<number | undefined>;
}

export interface StreamingToolbox {
  id: string;
  /** The main process's stdout, demultiplexed; ends when the process exits or the toolbox is removed. */
  stdout: Readable;
  stderr: Readable;
  /** Exit code once it exited; undefined when unknown. */
  exitCode(): Promise<number | undefined>;
}

export interface CompletionOptions {
  /** Given: the toolbox's stdin, closed after it. Absent: no stdin at all. */
  stdin?: string | Buffer;
  timeoutMs: number;
  /** Output beyond this many bytes per stream is dropped (and `truncated` set). */
  maxOutputBytes: number;
}

export interface CompletedToolbox {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
}

export interface ExecOptions {
  /** The command is killed after this long (whole seconds, rounded up, at least 1). */
  timeoutMs: number;
  /** Output beyond this many bytes per stream is dropped (and `truncated` set). */
  maxOutputBytes: number;
  /** `NAME=value` entries added to (or replacing) the container's environment for this command. */
  env?: readonly string[];
}

export interface ShellOptions {
  size: { cols: number; rows: number };
  /** `NAME=value` entries added to (or replacing) the container's environment for this shell. */
  env?: readonly string[];
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  /** It was killed at its time limit (its output so far is kept). */
  timedOut: boolean;
  elapsedMs: number;
}

export type EngineErrorKind = 'unreachable' | 'not-found' | 'conflict' | 'image-missing' | 'failed';

/** Engine failures, classified so routes can answer with a stable error code. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly statusCode?: number,
    /** Which kind of engine said it (the API error's sentence names it). */
    readonly source: EngineKind = 'docker',
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * A toolbox that could not be made because its image is not on the engine: says which engine, so
 * the answer can tell whether that engine is pulling it (toolboxes/toolbox-images.ts).
 */
export class ImageMissingError extends EngineError {
  constructor(
    readonly image: string,
    readonly engine: string,
  ) {
    super('image-missing', `Toolbox image ${image} is not present on the engine.`, 404);
  }
}
