import type { Duplex, Readable } from 'node:stream';
import type { ContainerSummary, NetworkSummary } from '@sonde/shared';

/**
 * The seam between Sonde and a container engine. Everything above this speaks these types;
 * only docker-engine.ts knows dockerode. A second engine (another Docker host, Swarm, a
 * Kubernetes node agent) is another implementation of this interface plus configuration.
 */
export interface ContainerEngine {
  /** Its name in the console (SONDE_ENGINES; `local` by default): on every object it lists. */
  readonly name: string;
  /** Where the engine was looked for, e.g. `unix:///var/run/docker.sock`; used in error messages. */
  readonly endpoint: string;
  version(): Promise<string>;
  /** Its version and its place in a Swarm, when it is in one. */
  info(): Promise<EngineFacts>;
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
   * Whether `command` is an executable name found on the image's PATH, checked in a created,
   * never started container (labelled with `labels`, removed before this resolves).
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
   * Runs `argv` in a running container (no TTY, no stdin, no shell) and collects its exit code
   * and demultiplexed output. The command runs under the container's `timeout` (coreutils or
   * busybox), which kills it at `timeoutMs`; `timedOut` is then set. Rejects with `not-found`
   * or `conflict` when the container is gone or not running.
   */
  exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult>;
  /** Ids of toolboxes carrying all of these labels, running or not. */
  listToolboxes(labels: Record<string, string>): Promise<string[]>;
  /** Force-removes a container; resolves when it is gone (also when it never existed). */
  removeContainer(id: string): Promise<void>;
  /** A live feed of container and network events; ends when the engine connection drops. */
  openEvents(): Promise<EngineEventStream>;
}

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
  kind: 'container' | 'network' | 'service' | 'node';
  action: string;
  id: string;
  /** For network connect/disconnect, the container involved. */
  containerId?: string;
}

export interface EngineEventStream {
  onEvent(listener: (event: EngineEvent) => void): void;
  onEnd(listener: (error?: Error) => void): void;
  close(): void;
}

/** What a toolbox container should be, in our own terms (built by sessions/toolbox-spec.ts). */
export interface ToolboxSpec {
  name: string;
  image: string;
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
  hostname?: string;
  /** `container:<id>`, `host`, or a network name. */
  networkMode: string;
  /** Network to join as a new endpoint (network attach mode). */
  network?: string;
  /** `container:<id>` to share a target's PID namespace. */
  pidMode?: string;
  /** Bind mounts (`source:target:options`): fixed strings from toolbox-spec.ts, never from a request. */
  binds?: string[];
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
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
