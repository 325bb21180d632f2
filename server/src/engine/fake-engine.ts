import { randomBytes } from 'node:crypto';
import type { ContainerSummary, NetworkSummary, PortMapping } from '@sonde/shared';
import { FakePty, FakeStreamProcess, fakeTcpdump, lineShell } from './fake-processes.js';
import { pullFailure, PullProgressTally, type PullMessage } from './pull-progress.js';
import {
  EngineError,
  ImageMissingError,
  type CompletedToolbox,
  type CompletionOptions,
  type ContainerDetail,
  type ContainerEngine,
  type EngineEvent,
  type EngineEventStream,
  type EngineFacts,
  type ExecOptions,
  type ShellOptions,
  type ExecResult,
  type RunningToolbox,
  type StreamingToolbox,
  type SwarmNodeFacts,
  type SwarmServiceFacts,
  type SwarmTaskFacts,
  type ToolboxSpec,
} from './types.js';

/**
 * An in-memory ContainerEngine, so route and WebSocket tests run without Docker (the real
 * engine's tests are in server/test). Tests add containers and networks, script what runs in
 * the toolboxes Sonde starts (fake-processes.ts), stop containers, inject failures and cut the
 * engine off. It keeps the seam's contracts (types.ts): a failed start leaves nothing behind,
 * removal is idempotent, a toolbox from hasCommand or runToCompletion is gone when it settles,
 * an unreachable engine rejects every call with an `unreachable` EngineError.
 *
 * Docker's own errors are mimicked where Sonde reads them (404 not-found, 409 conflict, the
 * "executable file not found" of a missing binary, the 503 of a Swarm call to an engine that is
 * no Swarm manager); everything else is simplified. Several fakes with different names make a
 * console of several engines: each labels what it lists with its own name, as the real one does.
 */

const TOOLBOX_LABEL = 'sonde.managed';
const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';
const SWARM_SERVICE = 'com.docker.swarm.service.name';
const SWARM_TASK = 'com.docker.swarm.task.id';
const SWARM_TASK_NAME = 'com.docker.swarm.task.name';
const SWARM_NODE = 'com.docker.swarm.node.id';
/** Every image has these unless it was added with its own command list. */
const ANY_COMMAND = '*';

export type FakeContainerState = 'created' | 'running' | 'exited';

export interface FakeContainerInit {
  name: string;
  image?: string;
  /** Default `running`. */
  state?: FakeContainerState;
  labels?: Record<string, string>;
  /** Networks (added before) it is a member of, by name; an address is picked in the network's subnet unless given. */
  networks?: (string | { name: string; ipv4?: string })[];
  ports?: PortMapping[];
}

export interface FakeNetworkInit {
  name: string;
  driver?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  /** Default: a /16 of its own in 172.20.0.0-172.254.0.0. */
  subnet?: string;
  /** Default `local`; `swarm` for an overlay. */
  scope?: string;
  attachable?: boolean;
}

/**
 * The engine's place in a Swarm (its /info) and, on a manager, the cluster it reports. An
 * engine not given one is in no Swarm: its Swarm calls fail as Docker's do.
 */
export interface FakeSwarm {
  nodeId: string;
  role: 'manager' | 'worker';
  clusterId?: string;
  nodes?: SwarmNodeFacts[];
  services?: SwarmServiceFacts[];
  tasks?: SwarmTaskFacts[];
}

/** What a toolbox was started as: a shell or tool with a TTY, a binary stream, run to its end, or the never-started probe of hasCommand. */
export type FakeToolboxMode = 'tty' | 'streaming' | 'completion' | 'idle' | 'command-probe';

/** A toolbox Sonde created through the seam, as a test sees it. */
export interface FakeToolbox {
  readonly id: string;
  readonly name: string;
  readonly mode: FakeToolboxMode;
  readonly spec: ToolboxSpec;
  /** The process of a `tty` toolbox. */
  readonly pty?: FakePty;
  /** The process of a `streaming` toolbox. */
  readonly process?: FakeStreamProcess;
  /** False once it was removed. */
  readonly exists: boolean;
}

export interface FakeCompletion {
  exitCode: number;
  stdout?: string | Buffer;
  stderr?: string | Buffer;
}

/** Steps of the engine's work where a test can make the next call fail or wait. */
export type FakeStep = 'version' | 'list' | 'inspect' | 'create' | 'attach' | 'start' | 'exec' | 'remove' | 'events' | 'pull';

/** A held step: `reached` resolves when a call arrives at it; it goes on after `release()`. */
export interface FakeHold {
  reached: Promise<void>;
  release(): void;
}

/** Which toolboxes a program runs in: the entrypoint's command name (`ping`, `/bin/sh` → `sh`), or a predicate. */
export type FakeMatch = string | ((spec: ToolboxSpec) => boolean);
export type TtyProgram = (pty: FakePty, spec: ToolboxSpec) => void;
export type StreamProgram = (proc: FakeStreamProcess, spec: ToolboxSpec) => void;
export type CompletionProgram = (spec: ToolboxSpec, stdin: Buffer | undefined) => FakeCompletion | Promise<FakeCompletion>;
/** Which exec commands a program answers: the command name (`ip`), or a predicate over the argv and the container's toolbox spec. */
export type ExecMatch = string | ((argv: readonly string[], spec: ToolboxSpec | undefined, env: readonly string[]) => boolean);
export type ExecProgram = (argv: readonly string[], spec: ToolboxSpec | undefined, env: readonly string[]) => FakeCompletion | Promise<FakeCompletion>;

export interface FakeEngineOptions {
  /** Its name in the console (default `local`, like the one engine of a console without SONDE_ENGINES). */
  name?: string;
  swarm?: FakeSwarm;
  /** Images present, each with the commands on its PATH (`'*'`: any). Default: the default toolbox image with any command. */
  images?: Record<string, readonly string[] | '*'>;
  version?: string;
}

interface Box {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: FakeContainerState;
  exitCode: number | undefined;
  startedAt: string | undefined;
  /** Network id → address. */
  networks: Map<string, string | undefined>;
  ports: PortMapping[];
  toolbox: ToolboxRecord | undefined;
}

interface ToolboxRecord {
  id: string;
  name: string;
  mode: FakeToolboxMode;
  spec: ToolboxSpec;
  pty?: FakePty;
  process?: FakeStreamProcess;
  exists: boolean;
}

interface Net {
  id: string;
  name: string;
  driver: string;
  scope: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  subnet: string | undefined;
  nextHost: number;
}

interface Program<P> {
  match: FakeMatch;
  program: P;
}

interface OpenStream {
  deliver(event: EngineEvent): void;
  end(error?: Error): void;
}

/** The command name of an entrypoint: `/usr/bin/ping` → `ping`. */
function commandOf(spec: Pick<ToolboxSpec, 'entrypoint'>): string {
  return (spec.entrypoint[0] ?? '').split('/').pop() ?? '';
}

/** The container whose namespaces a toolbox joins, when its placement is in one. */
function joinedContainers(spec: Pick<ToolboxSpec, 'placement'>): string[] {
  return spec.placement.kind === 'container' ? [spec.placement.containerId] : [];
}

function matches(match: FakeMatch, spec: ToolboxSpec): boolean {
  return typeof match === 'string' ? commandOf(spec) === match : match(spec);
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

/**
 * A pull Sonde asked the fake engine for, driven by the test as a registry and Docker would:
 * progress messages in Docker's shape (tallied like the real engine's, pull-progress.ts), then
 * the image arrives or the pull fails with Docker's words.
 */
export class FakePull {
  private readonly tally = new PullProgressTally();
  private settled = false;

  constructor(
    readonly ref: string,
    private readonly onProgress: ((percent: number) => void) | undefined,
    private readonly finish: (error?: EngineError) => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  /** One message of Docker's pull stream (`{ id, status: 'Downloading', progressDetail: { current, total } }`). */
  report(message: PullMessage): void {
    if (this.settled) return;
    this.onProgress?.(this.tally.add(message));
  }

  /** Shorthand: layer `id` of `total` bytes downloaded up to `current`. */
  download(id: string, current: number, total: number): void {
    this.report({ id, status: 'Downloading', progressDetail: { current, total } });
  }

  /** The pull ends well: the image is on the engine. */
  complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.finish();
  }

  /**
   * The pull ends with Docker's message, as the real engine reports it (`manifest unknown`,
   * `pull access denied …`, a DNS error): a sentence that says why (pull-progress.ts).
   */
  fail(dockerMessage: string): void {
    if (this.settled) return;
    this.settled = true;
    this.finish(new EngineError('failed', pullFailure(this.ref, dockerMessage), 404));
  }
}

export class FakeEngine implements ContainerEngine {
  readonly kind = 'docker' as const;
  readonly name: string;
  readonly endpoint: string;
  /** Every engine method called, in order (`startToolbox`, `removeContainer`, …). */
  readonly calls: string[] = [];

  private readonly boxes = new Map<string, Box>();
  private readonly networks = new Map<string, Net>();
  private readonly images = new Map<string, ReadonlySet<string>>();
  private readonly created: ToolboxRecord[] = [];
  private readonly pullsAsked: FakePull[] = [];
  private readonly pullListeners = new Set<(pull: FakePull) => void>();
  private readonly streams = new Set<OpenStream>();
  private readonly failures = new Map<FakeStep, EngineError[]>();
  private readonly holds = new Map<FakeStep, { reached: () => void; released: Promise<void> }[]>();
  private readonly ttyPrograms: Program<TtyProgram>[] = [];
  private readonly streamPrograms: Program<StreamProgram>[] = [];
  private readonly completionPrograms: Program<CompletionProgram>[] = [];
  private readonly execPrograms: { match: ExecMatch; program: ExecProgram }[] = [];
  private swarm: FakeSwarm | undefined;
  private isReachable = true;
  private subnets = 20;
  private readonly engineVersion: string;

  constructor(options: FakeEngineOptions = {}) {
    this.name = options.name ?? 'local';
    this.endpoint = `fake://${this.name}`;
    this.engineVersion = options.version ?? '28.0.0-fake';
    this.swarm = options.swarm;
    for (const [ref, commands] of Object.entries(options.images ?? { 'sonde-toolbox:latest': ANY_COMMAND })) this.addImage(ref, commands);
    for (const name of ['bridge', 'host', 'none']) this.addNetwork({ name, driver: name === 'bridge' ? 'bridge' : name === 'host' ? 'host' : 'null', ...(name === 'bridge' ? { subnet: '172.17.0.0/16' } : {}) });
    // Defaults, consulted last: shells get the line shell, other commands exit 0 at once,
    // tcpdump says it listens, a run to completion exits 0 without output.
    this.onTty(() => true, (pty, spec) => (SHELLS.has(commandOf(spec)) ? lineShell(pty) : pty.exit(0)));
    this.onStream(() => true, (proc) => proc.exit(0));
    this.onStream('tcpdump', (proc, spec) => fakeTcpdump(proc, spec.entrypoint));
    this.onCompletion(() => true, () => ({ exitCode: 0 }));
    this.onExec(() => true, () => ({ exitCode: 0 }));
  }

  // What tests arrange ------------------------------------------------------------------

  addImage(ref: string, commands: readonly string[] | '*' = ANY_COMMAND): void {
    this.images.set(ref, new Set(commands === ANY_COMMAND ? [ANY_COMMAND] : commands));
  }

  removeImage(ref: string): void {
    this.images.delete(ref);
  }

  addNetwork(init: FakeNetworkInit): { id: string; name: string } {
    if ([...this.networks.values()].some((n) => n.name === init.name)) throw new Error(`fake engine: a network named ${init.name} exists already`);
    const id = randomBytes(32).toString('hex');
    const subnet = init.subnet ?? (init.driver === undefined || init.driver === 'bridge' ? `172.${this.subnets++}.0.0/16` : undefined);
    this.networks.set(id, {
      id,
      name: init.name,
      driver: init.driver ?? 'bridge',
      scope: init.scope ?? 'local',
      internal: init.internal ?? false,
      attachable: init.attachable ?? false,
      labels: { ...init.labels },
      subnet,
      nextHost: 2,
    });
    this.emit({ kind: 'network', action: 'create', id });
    return { id, name: init.name };
  }

  addContainer(init: FakeContainerInit): { id: string; name: string } {
    if (this.findBox(init.name)) throw new Error(`fake engine: a container named ${init.name} exists already`);
    const state = init.state ?? 'running';
    const box: Box = {
      id: randomBytes(32).toString('hex'),
      name: init.name,
      image: init.image ?? 'fake/app:latest',
      labels: { ...init.labels },
      state,
      exitCode: state === 'exited' ? 0 : undefined,
      startedAt: state === 'created' ? undefined : new Date().toISOString(),
      networks: new Map(),
      ports: [...(init.ports ?? [])],
      toolbox: undefined,
    };
    this.boxes.set(box.id, box);
    for (const network of init.networks ?? []) {
      const { name, ipv4 } = typeof network === 'string' ? { name: network, ipv4: undefined } : network;
      this.join(box, this.requireNetwork(name), ipv4);
    }
    this.emit({ kind: 'container', action: 'create', id: box.id });
    if (state === 'running') this.emit({ kind: 'container', action: 'start', id: box.id });
    return { id: box.id, name: box.name };
  }

  /** Connects a container to a network, as `docker network connect` does (with its event). */
  connect(container: string, network: string, ipv4?: string): void {
    const box = this.requireBox(container);
    const net = this.requireNetwork(network);
    this.join(box, net, ipv4);
    this.emit({ kind: 'network', action: 'connect', id: net.id, containerId: box.id });
  }

  /** Stops a container (`docker stop`): its process exits with `exitCode`, and the engine says `die`, then `stop`. */
  stopContainer(container: string, exitCode = 0): void {
    const box = this.requireBox(container);
    if (box.state !== 'running') return;
    if (box.toolbox?.pty?.running) box.toolbox.pty.exit(exitCode);
    else if (box.toolbox?.process?.running) box.toolbox.process.exit(exitCode);
    else this.exited(box, exitCode);
    this.emit({ kind: 'container', action: 'stop', id: box.id, ends: true });
  }

  /** Starts a stopped container again: a new start time (a new network namespace). */
  startContainer(container: string): void {
    const box = this.requireBox(container);
    if (box.state === 'running') return;
    box.state = 'running';
    box.exitCode = undefined;
    box.startedAt = new Date(Math.max(Date.now(), Date.parse(box.startedAt ?? '0') + 1)).toISOString();
    this.emit({ kind: 'container', action: 'start', id: box.id });
  }

  /** Delivers an event to every open event stream, as the engine would. */
  emit(event: EngineEvent): void {
    for (const stream of this.streams) stream.deliver(event);
  }

  get reachable(): boolean {
    return this.isReachable;
  }

  /**
   * Cuts the engine off (false) or brings it back (true). Cut off, every call rejects with an
   * `unreachable` EngineError, event streams end with an error and attach connections drop;
   * containers and their processes stay as they were, like a daemon behind a broken socket.
   */
  setReachable(reachable: boolean): void {
    if (this.isReachable === reachable) return;
    this.isReachable = reachable;
    if (reachable) return;
    for (const stream of [...this.streams]) stream.end(new Error('fake engine: connection lost'));
    for (const box of this.boxes.values()) {
      box.toolbox?.pty?.disconnect();
      box.toolbox?.process?.disconnect();
    }
  }

  /** The next call reaching `step` rejects with `error` (queued: call it twice for two failures). */
  failNext(step: FakeStep, error: EngineError = new EngineError('failed', `fake engine: ${step} failed`, 500)): void {
    const queue = this.failures.get(step) ?? [];
    queue.push(error);
    this.failures.set(step, queue);
  }

  /** The next call reaching `step` waits there until released. */
  holdNext(step: FakeStep): FakeHold {
    let reached!: () => void;
    let release!: () => void;
    const hold = { reached: new Promise<void>((resolve) => (reached = resolve)), released: new Promise<void>((resolve) => (release = resolve)) };
    const queue = this.holds.get(step) ?? [];
    queue.push({ reached, released: hold.released });
    this.holds.set(step, queue);
    return { reached: hold.reached, release };
  }

  /** Runs `program` in TTY toolboxes whose entrypoint matches; later registrations win. Returns a function that unregisters it. */
  onTty(match: FakeMatch, program: TtyProgram): () => void {
    return this.register(this.ttyPrograms, { match, program });
  }

  onStream(match: FakeMatch, program: StreamProgram): () => void {
    return this.register(this.streamPrograms, { match, program });
  }

  onCompletion(match: FakeMatch, program: CompletionProgram): () => void {
    return this.register(this.completionPrograms, { match, program });
  }

  /** Answers `exec` calls whose argv matches (after the `timeout` wrapper the real engine adds); later registrations win. */
  onExec(match: ExecMatch, program: ExecProgram): () => void {
    return this.register(this.execPrograms, { match, program });
  }

  /** Puts the engine in a Swarm (or out of it, with undefined): what info() says and what its Swarm calls answer. */
  setSwarm(swarm: FakeSwarm | undefined): void {
    this.swarm = swarm;
  }

  private register<E>(list: E[], entry: E): () => void {
    list.unshift(entry);
    return () => {
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
    };
  }

  // What tests observe -----------------------------------------------------------------

  /** Every pull asked for, oldest first; each waits until the test completes or fails it. */
  pulls(): FakePull[] {
    return [...this.pullsAsked];
  }

  /** The next pull asked for (or the oldest one still going, when one is). */
  nextPull(): Promise<FakePull> {
    const going = this.pullsAsked.find((p) => !p.done);
    if (going) return Promise.resolve(going);
    return new Promise((resolve) => {
      const listener = (pull: FakePull) => {
        this.pullListeners.delete(listener);
        resolve(pull);
      };
      this.pullListeners.add(listener);
    });
  }

  /** Toolboxes that exist now (started through the seam and not removed), oldest first. */
  toolboxes(): FakeToolbox[] {
    return this.created.filter((t) => t.exists);
  }

  /** Every toolbox ever created through the seam, removed or not, oldest first. */
  history(): FakeToolbox[] {
    return [...this.created];
  }

  // The seam -----------------------------------------------------------------------------

  async version(): Promise<string> {
    this.calls.push('version');
    await this.step('version');
    return this.engineVersion;
  }

  async info(): Promise<EngineFacts> {
    this.calls.push('info');
    await this.step('version');
    const swarm = this.swarm;
    return {
      version: this.engineVersion,
      ...(swarm ? { swarm: { nodeId: swarm.nodeId, role: swarm.role, ...(swarm.clusterId ? { clusterId: swarm.clusterId } : {}) } } : {}),
    };
  }

  async swarmNodes(): Promise<SwarmNodeFacts[]> {
    this.calls.push('swarmNodes');
    return structuredClone((await this.cluster('Listing Swarm nodes')).nodes ?? []);
  }

  async swarmServices(): Promise<SwarmServiceFacts[]> {
    this.calls.push('swarmServices');
    return structuredClone((await this.cluster('Listing Swarm services')).services ?? []);
  }

  async swarmTasks(filter: { service?: string; id?: string } = {}): Promise<SwarmTaskFacts[]> {
    this.calls.push('swarmTasks');
    const swarm = await this.cluster('Listing Swarm tasks');
    // Docker's service filter takes the service's id or its name.
    const service = filter.service === undefined ? undefined : swarm.services?.find((s) => s.id === filter.service || s.name === filter.service)?.id ?? filter.service;
    return structuredClone((swarm.tasks ?? []).filter((t) => (service === undefined || t.serviceId === service) && (filter.id === undefined || t.id === filter.id)));
  }

  async listContainers(): Promise<ContainerSummary[]> {
    this.calls.push('listContainers');
    await this.step('list');
    return [...this.boxes.values()].map((box) => this.summary(box));
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    this.calls.push('listNetworks');
    await this.step('list');
    return [...this.networks.values()].map((net) => this.networkSummary(net));
  }

  async inspectNetwork(ref: string): Promise<NetworkSummary | undefined> {
    this.calls.push('inspectNetwork');
    await this.step('inspect');
    const net = this.findNetwork(ref);
    return net ? this.networkSummary(net) : undefined;
  }

  async inspectContainer(id: string): Promise<ContainerDetail | undefined> {
    this.calls.push('inspectContainer');
    await this.step('inspect');
    const box = this.findBox(id);
    if (!box) return undefined;
    return { id: box.id, name: box.name, running: box.state === 'running', labels: { ...box.labels }, ...(box.startedAt ? { startedAt: box.startedAt } : {}) };
  }

  async hasImage(ref: string): Promise<boolean> {
    this.calls.push('hasImage');
    await this.step('inspect');
    return this.images.has(ref);
  }

  async pullImage(ref: string, onProgress?: (percent: number) => void, signal?: AbortSignal): Promise<void> {
    this.calls.push('pullImage');
    await this.step('pull');
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const pull = new FakePull(ref, onProgress, (error) => {
        signal?.removeEventListener('abort', stop);
        if (error) return reject(error);
        this.addImage(ref);
        resolve();
      });
      const stop = () => pull.fail('context canceled');
      signal?.addEventListener('abort', stop, { once: true });
      this.pullsAsked.push(pull);
      for (const listener of [...this.pullListeners]) listener(pull);
    });
  }

  async hasCommand(image: string, command: string, labels: Record<string, string>): Promise<boolean> {
    this.calls.push('hasCommand');
    await this.step('inspect');
    const commands = this.images.get(image);
    if (!commands) throw new ImageMissingError(image, this.name);
    // Like the real engine: a created, never started container that is gone before this settles.
    await this.step('create');
    const box = this.createBox({ name: `fake-probe-${randomBytes(6).toString('hex')}`, image, labels, entrypoint: [command] }, 'command-probe');
    try {
      return commands.has(ANY_COMMAND) || commands.has(command);
    } finally {
      this.discard(box);
    }
  }

  async startToolbox(spec: ToolboxSpec): Promise<RunningToolbox> {
    this.calls.push('startToolbox');
    const box = await this.createToolbox(spec, 'tty');
    const record = box.toolbox!;
    const pty = new FakePty((code) => this.exited(box, code));
    record.pty = pty;
    await this.startOrDiscard(box, () => pty.disconnect());
    this.programFor(this.ttyPrograms, spec)(pty, spec);
    return {
      id: box.id,
      stream: pty.stream,
      resize: async (cols, rows) => {
        this.unreachableCheck();
        // A resize racing the shell's exit is harmless (the real engine ignores 404 and 409 too).
        if (box.state === 'running') pty.sizes.push({ cols, rows });
      },
      exitCode: async () => {
        this.unreachableCheck();
        return this.boxes.has(box.id) && box.state !== 'running' ? box.exitCode : undefined;
      },
    };
  }

  async startStreamingToolbox(spec: ToolboxSpec): Promise<StreamingToolbox> {
    this.calls.push('startStreamingToolbox');
    const box = await this.createToolbox(spec, 'streaming');
    const proc = new FakeStreamProcess((code) => this.exited(box, code));
    box.toolbox!.process = proc;
    await this.startOrDiscard(box, () => proc.disconnect());
    this.programFor(this.streamPrograms, spec)(proc, spec);
    return {
      id: box.id,
      stdout: proc.stdoutStream,
      stderr: proc.stderrStream,
      // Like the real engine: unknown (not an error) when it cannot be asked.
      exitCode: async () => (this.isReachable && this.boxes.has(box.id) && box.state !== 'running' ? box.exitCode : undefined),
    };
  }

  async runToCompletion(spec: ToolboxSpec, options: CompletionOptions): Promise<CompletedToolbox> {
    this.calls.push('runToCompletion');
    const box = await this.createToolbox(spec, 'completion');
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.attachAndStart(box);
      const stdin = options.stdin === undefined ? undefined : Buffer.from(options.stdin);
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
      });
      const result = await Promise.race([Promise.resolve(this.programFor(this.completionPrograms, spec)(spec, stdin)), timedOut]);
      if (result === 'timeout') throw new EngineError('failed', `The toolbox did not finish within ${Math.round(options.timeoutMs / 1000)} s.`);
      this.exited(box, result.exitCode);
      const cut = (data: string | Buffer | undefined) => {
        const bytes = Buffer.from(data ?? '');
        return { bytes: bytes.subarray(0, options.maxOutputBytes), truncated: bytes.length > options.maxOutputBytes };
      };
      const stdout = cut(result.stdout);
      const stderr = cut(result.stderr);
      return { exitCode: result.exitCode, stdout: stdout.bytes, stderr: stderr.bytes, truncated: stdout.truncated || stderr.truncated };
    } finally {
      clearTimeout(timer);
      // Removed before this settles, however it ended (left behind only if the engine is gone).
      if (this.isReachable) this.discard(box);
    }
  }

  async startIdleToolbox(spec: ToolboxSpec): Promise<string> {
    this.calls.push('startIdleToolbox');
    const box = await this.createToolbox(spec, 'idle');
    await this.startOrDiscard(box, () => undefined);
    return box.id;
  }

  /**
   * A TTY shell in a running toolbox (as the real engine's exec): the toolbox's TTY program runs
   * in it, and the toolbox's `pty` is this shell's, so tests type into the latest shell. The
   * shell exiting leaves the toolbox running, like an exec.
   */
  async openShell(containerId: string, _argv: readonly string[], options: ShellOptions): Promise<RunningToolbox> {
    this.calls.push('openShell');
    await this.step('attach');
    const box = this.findBox(containerId);
    if (!box) throw new EngineError('not-found', `Opening a shell in the toolbox: No such container: ${containerId}`, 404);
    if (box.state !== 'running' || !box.toolbox) throw new EngineError('conflict', `Opening a shell in the toolbox: Container ${containerId} is not running`, 409);
    const record = box.toolbox;
    let code: number | undefined;
    const pty = new FakePty((exitCode) => {
      code = exitCode;
    });
    pty.sizes.push({ ...options.size });
    record.pty = pty;
    this.programFor(this.ttyPrograms, record.spec)(pty, record.spec);
    return {
      id: box.id,
      stream: pty.stream,
      resize: async (cols, rows) => {
        this.unreachableCheck();
        if (pty.running) pty.sizes.push({ cols, rows });
      },
      exitCode: async () => {
        this.unreachableCheck();
        return code;
      },
    };
  }

  async exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    this.calls.push('exec');
    const started = performance.now();
    await this.step('exec');
    const box = this.findBox(containerId);
    if (!box) throw new EngineError('not-found', `Running a command in the toolbox: No such container: ${containerId}`, 404);
    if (box.state !== 'running') throw new EngineError('conflict', `Running a command in the toolbox: Container ${box.id} is not running`, 409);
    const spec = box.toolbox?.spec;
    // Like the real engine's `timeout -s KILL <seconds>` wrapper: whole seconds, at least one.
    const limitMs = Math.max(1, Math.ceil(options.timeoutMs / 1000)) * 1000;
    const commands = this.images.get(box.image);
    const command = (argv[0] ?? '').split('/').pop() ?? '';
    let timer: NodeJS.Timeout | undefined;
    let result: FakeCompletion | 'timeout';
    try {
      const found = this.execPrograms.find((entry) => (typeof entry.match === 'string' ? entry.match === command : entry.match(argv, spec, options.env ?? [])));
      const run: Promise<FakeCompletion> =
        commands && !commands.has(ANY_COMMAND) && !commands.has(command)
          ? Promise.resolve({ exitCode: 127, stderr: `timeout: failed to run command '${argv[0] ?? ''}': No such file or directory\n` })
          : Promise.resolve(found ? found.program(argv, spec, options.env ?? []) : { exitCode: 0 });
      result = await Promise.race([run, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)))]);
    } finally {
      clearTimeout(timer);
    }
    const elapsedMs = Math.round(performance.now() - started);
    if (result === 'timeout') return { exitCode: 137, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), truncated: false, timedOut: true, elapsedMs };
    const stdout = Buffer.from(result.stdout ?? '');
    const stderr = Buffer.from(result.stderr ?? '');
    return {
      exitCode: result.exitCode,
      stdout: stdout.subarray(0, options.maxOutputBytes),
      stderr: stderr.subarray(0, options.maxOutputBytes),
      truncated: stdout.length > options.maxOutputBytes || stderr.length > options.maxOutputBytes,
      timedOut: false,
      elapsedMs,
    };
  }

  async listToolboxes(labels: Record<string, string>): Promise<string[]> {
    this.calls.push('listToolboxes');
    await this.step('list');
    return [...this.boxes.values()].filter((box) => Object.entries(labels).every(([k, v]) => box.labels[k] === v)).map((box) => box.id);
  }

  async toolboxLabels(id: string): Promise<Record<string, string> | undefined> {
    this.calls.push('toolboxLabels');
    await this.step('inspect');
    const box = this.findBox(id);
    return box ? { ...box.labels } : undefined;
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push('removeContainer');
    await this.step('remove');
    const box = this.findBox(id);
    if (box) this.discard(box);
  }

  async openEvents(): Promise<EngineEventStream> {
    this.calls.push('openEvents');
    await this.step('events');
    const eventListeners: ((event: EngineEvent) => void)[] = [];
    const endListeners: ((error?: Error) => void)[] = [];
    let ended = false;
    const stream: OpenStream = {
      deliver: (event) => {
        if (!ended) for (const listener of eventListeners) listener(event);
      },
      end: (error) => {
        if (ended) return;
        ended = true;
        this.streams.delete(stream);
        for (const listener of endListeners) listener(error);
      },
    };
    this.streams.add(stream);
    return {
      onEvent: (listener) => eventListeners.push(listener),
      onEnd: (listener) => endListeners.push(listener),
      close: () => stream.end(),
    };
  }

  // Inside --------------------------------------------------------------------------------

  /** Every call passes here: a tick of latency, a held step, the engine's reachability, an injected failure. */
  private async step(step: FakeStep): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const hold = this.holds.get(step)?.shift();
    if (hold) {
      hold.reached();
      await hold.released;
    }
    this.unreachableCheck();
    const failure = this.failures.get(step)?.shift();
    if (failure) throw failure;
  }

  /** The Swarm a manager reports; Docker's 503 for an engine in none, or a worker. */
  private async cluster(context: string): Promise<FakeSwarm> {
    await this.step('list');
    if (this.swarm?.role === 'manager') return this.swarm;
    const why = this.swarm
      ? "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."
      : 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
    throw new EngineError('failed', `${context}: ${why}`, 503);
  }

  private networkSummary(net: Net): NetworkSummary {
    return {
      id: net.id,
      engine: this.name,
      name: net.name,
      driver: net.driver,
      scope: net.scope,
      internal: net.internal,
      subnets: net.subnet ? [net.subnet] : [],
      labels: { ...net.labels },
      attachable: net.attachable,
      // Like Docker's container list: running members only.
      containers: [...this.boxes.values()]
        .filter((box) => box.state === 'running' && box.networks.has(net.id))
        .map((box) => {
          const ipv4 = box.networks.get(net.id);
          return { id: box.id, name: box.name, ...(ipv4 ? { ipv4 } : {}) };
        }),
    };
  }

  private unreachableCheck(): void {
    if (!this.isReachable) throw new EngineError('unreachable', `Cannot reach Docker at ${this.endpoint} (ECONNREFUSED).`);
  }

  private programFor<P>(list: Program<P>[], spec: ToolboxSpec): P {
    const found = list.find((entry) => matches(entry.match, spec));
    // Unreachable: the constructor registers a default that matches every spec.
    if (!found) throw new Error(`fake engine: nothing to run for ${spec.entrypoint.join(' ')}`);
    return found.program;
  }

  /** Creates a toolbox's container the way Docker would refuse or accept it. */
  private async createToolbox(spec: ToolboxSpec, mode: FakeToolboxMode): Promise<Box> {
    await this.step('create');
    if (!this.images.has(spec.image)) throw new ImageMissingError(spec.image, this.name);
    const owner = this.findBox(spec.name);
    if (owner && owner.name === spec.name) {
      throw new EngineError('conflict', `Creating the toolbox: Conflict. The container name "/${spec.name}" is already in use by container "${owner.id}".`, 409);
    }
    // Like docker-engine.ts's dockerPlacement: a Docker engine cannot make Kubernetes placements.
    if (spec.placement.kind === 'pod' || spec.placement.kind === 'node') throw new EngineError('failed', `A Docker engine cannot place a toolbox in a Kubernetes ${spec.placement.kind}.`);
    for (const ref of joinedContainers(spec)) {
      if (!this.findBox(ref)) throw new EngineError('not-found', `Creating the toolbox: No such container: ${ref}`, 404);
    }
    const network = spec.placement.kind === 'network' ? spec.placement.networkName : spec.placement.kind === 'host' ? 'host' : undefined;
    if (network && !this.findNetwork(network)) throw new EngineError('not-found', `Creating the toolbox: network ${network} not found`, 404);
    const box = this.createBox(spec, mode);
    if (network) this.join(box, this.findNetwork(network)!);
    return box;
  }

  private createBox(spec: Pick<ToolboxSpec, 'name' | 'image' | 'labels' | 'entrypoint'> & Partial<ToolboxSpec>, mode: FakeToolboxMode): Box {
    const box: Box = {
      id: randomBytes(32).toString('hex'),
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      state: 'created',
      exitCode: undefined,
      startedAt: undefined,
      networks: new Map(),
      ports: [],
      toolbox: undefined,
    };
    const full: ToolboxSpec = {
      env: [],
      // A probe has no network (Docker's NetworkMode none): the placement closest to it.
      placement: { kind: 'netns-files' },
      capAdd: [],
      capDrop: [],
      securityOpt: [],
      memoryBytes: 0,
      pidsLimit: 0,
      nanoCpus: 0,
      initialSize: { cols: 80, rows: 24 },
      ...structuredClone(spec),
    };
    box.toolbox = { id: box.id, name: box.name, mode, spec: full, exists: true };
    this.boxes.set(box.id, box);
    this.created.push(box.toolbox);
    this.emit({ kind: 'container', action: 'create', id: box.id });
    return box;
  }

  /** Attaches and starts a created toolbox; on any failure the container is removed before the error goes up. */
  private async startOrDiscard(box: Box, dropAttach: () => void): Promise<void> {
    try {
      await this.attachAndStart(box);
    } catch (error) {
      dropAttach();
      if (this.isReachable) this.discard(box);
      throw error;
    }
  }

  /** Refused like Docker refuses: a namespace container that does not run, an entrypoint the image lacks. */
  private async attachAndStart(box: Box): Promise<void> {
    await this.step('attach');
    await this.step('start');
    const spec = box.toolbox!.spec;
    for (const ref of joinedContainers(spec)) {
      if (this.findBox(ref)?.state !== 'running') {
        throw new EngineError('conflict', `Starting the toolbox: cannot join namespaces of a non running container: ${ref}`, 409);
      }
    }
    const commands = this.images.get(spec.image);
    const command = commandOf(spec);
    if (commands && !commands.has(ANY_COMMAND) && !commands.has(command)) {
      throw new EngineError('failed', `Starting the toolbox: OCI runtime create failed: exec: "${command}": executable file not found in $PATH: unknown`, 400);
    }
    box.state = 'running';
    box.startedAt = new Date().toISOString();
    this.emit({ kind: 'container', action: 'start', id: box.id });
  }

  private exited(box: Box, code: number): void {
    if (box.state !== 'running') return;
    box.state = 'exited';
    box.exitCode = code;
    this.emit({ kind: 'container', action: 'die', id: box.id, ends: true });
  }

  /** Force-removes a container: a running process is killed (137), its streams end, it is gone. */
  private discard(box: Box): void {
    if (!this.boxes.has(box.id)) return;
    const toolbox = box.toolbox;
    if (toolbox?.pty?.running) toolbox.pty.exit(137);
    else if (toolbox?.process?.running) toolbox.process.exit(137);
    else this.exited(box, 137);
    if (toolbox) toolbox.exists = false;
    this.boxes.delete(box.id);
    this.emit({ kind: 'container', action: 'destroy', id: box.id, ends: true });
  }

  /** Joins a network, with the next address of its subnet unless one is given (a /24 or wider is assumed). */
  private join(box: Box, net: Net, ipv4?: string): void {
    let address = ipv4;
    if (!address && net.subnet) {
      const octets = net.subnet.split('/')[0]!.split('.').map(Number);
      octets[3] = net.nextHost++;
      address = octets.join('.');
    }
    box.networks.set(net.id, address);
  }

  private summary(box: Box): ContainerSummary {
    const project = box.labels[COMPOSE_PROJECT];
    const service = box.labels[COMPOSE_SERVICE];
    const taskId = box.labels[SWARM_TASK];
    const swarmService = box.labels[SWARM_SERVICE];
    const slot = /^[^.]+\.(\d+)\./.exec(box.labels[SWARM_TASK_NAME] ?? '')?.[1];
    return {
      id: box.id,
      engine: this.name,
      name: box.name,
      image: box.image,
      state: box.state,
      status: box.state === 'running' ? 'Up' : box.state === 'exited' ? `Exited (${box.exitCode ?? 0})` : 'Created',
      ...(project && service ? { compose: { project, service } } : {}),
      networks: [...box.networks].map(([id, ipv4]) => ({ name: this.networks.get(id)?.name ?? id, ...(ipv4 ? { ipv4 } : {}) })),
      ports: box.ports.map((p) => ({ ...p })),
      labels: { ...box.labels },
      toolbox: box.labels[TOOLBOX_LABEL] === 'true',
      ...(taskId && swarmService ? { swarm: { service: swarmService, taskId, ...(slot ? { slot: Number(slot) } : {}), nodeId: box.labels[SWARM_NODE] ?? '' } } : {}),
    };
  }

  /** By full id, name (with or without Docker's leading slash) or unique id prefix, as Docker resolves references. */
  private findBox(ref: string): Box | undefined {
    const byId = this.boxes.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^\//, '');
    const all = [...this.boxes.values()];
    const byName = all.find((box) => box.name === name);
    if (byName) return byName;
    const byPrefix = /^[0-9a-f]+$/.test(ref) ? all.filter((box) => box.id.startsWith(ref)) : [];
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  private findNetwork(ref: string): Net | undefined {
    return this.networks.get(ref) ?? [...this.networks.values()].find((n) => n.name === ref);
  }

  private requireBox(ref: string): Box {
    const box = this.findBox(ref);
    if (!box) throw new Error(`fake engine: no container ${ref}`);
    return box;
  }

  private requireNetwork(ref: string): Net {
    const net = this.findNetwork(ref);
    if (!net) throw new Error(`fake engine: no network ${ref}; add it first`);
    return net;
  }
}
