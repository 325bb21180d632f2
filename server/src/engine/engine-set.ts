import { ErrorCode, type EngineInfo, type Health } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import { withDeadline } from './deadline.js';
import { EngineMonitor, type EngineStatus } from './engine-monitor.js';
import type { ContainerEngine, Engine, EngineEvent, KubernetesEngine, SwarmNodeFacts } from './types.js';

/** One engine of the console, with its monitor. */
export interface EngineHandle<E extends Engine = Engine> {
  readonly name: string;
  readonly engine: E;
  readonly monitor: EngineMonitor;
  /** Configured (SONDE_ENGINES, DOCKER_HOST), or found as a Swarm node through the template. */
  readonly source: 'configured' | 'swarm-node';
  readonly tlsDir?: string;
}

/** How an engine for a Swarm node is made from SONDE_SWARM_NODE_ENGINE. */
export interface SwarmNodeEngines {
  host: string;
  tlsDir?: string;
  create(options: { name: string; host: string; tlsDir?: string }): ContainerEngine;
}

export interface EngineSetOptions {
  /** How long a call fanned out to every engine waits for one engine (SONDE_ENGINE_DEADLINE_MS). */
  deadlineMs: number;
  swarmNodeEngines?: SwarmNodeEngines;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** What a fan-out got: each engine's answer, and which engines did not answer (or failed) and why. */
export interface Gathered<T> {
  values: { engine: string; value: T }[];
  failed: { engine: string; error: string }[];
}

/**
 * The console's engines: each with its own monitor (health, events, reconnect), so one engine
 * down never blocks the others. A call to every engine waits for each at most `deadlineMs`: a
 * hung engine costs that much once, and its answer is left out (and said to be missing).
 * Engines of Swarm nodes that are not configured are made on demand from the template.
 */
export class EngineSet {
  private readonly handles = new Map<string, EngineHandle>();
  private readonly eventListeners = new Set<(engine: string, event: EngineEvent) => void>();
  private readonly statusListeners = new Set<(engine: string, status: EngineStatus) => void>();
  /** Swarm node id → the engine made for it from the template. */
  private readonly nodeEngines = new Map<string, EngineHandle<ContainerEngine>>();
  private started = false;

  constructor(
    engines: readonly { engine: Engine; tlsDir?: string }[],
    private readonly options: EngineSetOptions,
  ) {
    for (const { engine, tlsDir } of engines) this.add(engine, 'configured', tlsDir);
  }

  private add(engine: Engine, source: EngineHandle['source'], tlsDir?: string): EngineHandle {
    // The monitor's probe is what health and GET /api/engines wait for: the same deadline.
    const monitor = new EngineMonitor(engine, undefined, this.options.deadlineMs);
    const handle: EngineHandle = { name: engine.name, engine, monitor, source, ...(tlsDir ? { tlsDir } : {}) };
    this.handles.set(engine.name, handle);
    monitor.onEvent((event) => {
      for (const l of this.eventListeners) l(engine.name, event);
    });
    monitor.onStatus((status) => {
      if (!status.reachable) this.options.log.warn({ engine: engine.name, error: status.error }, 'engine unreachable');
      for (const l of this.statusListeners) l(engine.name, status);
    });
    if (this.started) monitor.start();
    return handle;
  }

  get names(): string[] {
    return [...this.handles.keys()];
  }

  all(): EngineHandle[] {
    return [...this.handles.values()];
  }

  get(name: string): EngineHandle | undefined {
    return this.handles.get(name);
  }

  /**
   * The engine a request names. With one engine, naming none means that one; with several, a
   * request must say which (400 naming `field`); an unknown name is 404 ENGINE_NOT_FOUND.
   */
  pick(requested: string | undefined, field = 'target.engine'): EngineHandle {
    if (requested === undefined) {
      if (this.handles.size === 1) return this.all()[0]!;
      throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${field} is required: this console has several engines (${this.names.join(', ')}).`);
    }
    const handle = this.handles.get(requested);
    if (!handle) throw new ApiError(404, ErrorCode.EngineNotFound, `There is no engine "${requested}"; GET /api/engines lists them (${this.names.join(', ')}).`);
    return handle;
  }

  /** A Docker engine a request names (or the only engine); a Kubernetes one is refused, naming `field`. */
  pickDocker(requested: string | undefined, field = 'target.engine'): EngineHandle<ContainerEngine> {
    const handle = this.pick(requested, field);
    if (handle.engine.kind === 'kubernetes') {
      throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${field}: "${handle.name}" is a Kubernetes cluster; its targets are pods and nodes ({"kind":"pod"} or {"kind":"node"}).`);
    }
    return handle as EngineHandle<ContainerEngine>;
  }

  /** A Kubernetes engine a request names (or the only engine); a Docker one is refused, naming `field`. */
  pickKubernetes(requested: string | undefined, field = 'target.engine'): EngineHandle<KubernetesEngine> {
    const handle = this.pick(requested, field);
    if (handle.engine.kind !== 'kubernetes') {
      throw new ApiError(400, ErrorCode.InvalidRequest, `Invalid request: ${field}: "${handle.name}" is a Docker engine; pods and nodes are targets on Kubernetes engines only.`);
    }
    return handle as EngineHandle<KubernetesEngine>;
  }

  /** The Docker engines, in order. */
  docker(): EngineHandle<ContainerEngine>[] {
    return this.all().filter((h): h is EngineHandle<ContainerEngine> => h.engine.kind !== 'kubernetes');
  }

  onEvent(listener: (engine: string, event: EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (engine: string, status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    this.started = true;
    for (const h of this.handles.values()) h.monitor.start();
  }

  dispose(): void {
    for (const h of this.handles.values()) h.monitor.dispose();
  }

  /** Asks every engine (or one), each within the deadline; a slow or dead one is left out and said why. */
  async gather<T>(each: (handle: EngineHandle) => Promise<T>, only?: string): Promise<Gathered<T>> {
    const handles = only === undefined ? this.all() : [this.pick(only, 'engine')];
    return this.gatherFrom(handles, each);
  }

  private async gatherFrom<H extends EngineHandle, T>(handles: readonly H[], each: (handle: H) => Promise<T>): Promise<Gathered<T>> {
    const settled = await Promise.allSettled(handles.map((h) => withDeadline(each(h), this.options.deadlineMs, `engine ${h.name} did not answer within ${this.options.deadlineMs} ms`)));
    const result: Gathered<T> = { values: [], failed: [] };
    settled.forEach((s, i) => {
      const engine = handles[i]!.name;
      if (s.status === 'fulfilled') result.values.push({ engine, value: s.value });
      else result.failed.push({ engine, error: s.reason instanceof Error ? s.reason.message : String(s.reason) });
    });
    return result;
  }

  /** Every engine's health, asked now (each within its probe deadline). */
  async health(): Promise<Health> {
    const statuses = await Promise.all(this.all().map(async (h) => ({ name: h.name, status: await h.monitor.probe() })));
    return healthOf(statuses);
  }

  /** The health as last seen, without asking (the events stream sends this on every change). */
  currentHealth(): Health {
    return healthOf(this.all().map((h) => ({ name: h.name, status: h.monitor.current })));
  }

  /** GET /api/engines: reachability, version, Swarm role; the address and TLS directory for admins only. */
  async describe(admin: boolean): Promise<EngineInfo[]> {
    await this.health();
    return this.all().map((h) => {
      const s = h.monitor.current;
      return {
        name: h.name,
        kind: h.engine.kind === 'kubernetes' ? ('kubernetes' as const) : ('docker' as const),
        reachable: s.reachable,
        ...(s.version ? { version: s.version } : {}),
        ...(!s.reachable && s.error ? { error: s.error } : {}),
        ...(s.swarm ? { swarm: s.swarm } : {}),
        source: h.source,
        ...(admin ? { endpoint: h.engine.endpoint, ...(h.tlsDir ? { tlsDir: h.tlsDir } : {}) } : {}),
      };
    });
  }

  /** Reachable Swarm managers, one per cluster (the first configured), with their cluster id. */
  managers(): { handle: EngineHandle<ContainerEngine>; clusterId: string }[] {
    const seen = new Set<string>();
    const result: { handle: EngineHandle<ContainerEngine>; clusterId: string }[] = [];
    for (const h of this.docker()) {
      const swarm = h.monitor.current.swarm;
      if (!h.monitor.current.reachable || swarm?.role !== 'manager' || !swarm.clusterId || seen.has(swarm.clusterId)) continue;
      seen.add(swarm.clusterId);
      result.push({ handle: h, clusterId: swarm.clusterId });
    }
    return result;
  }

  /**
   * The engine that runs a Swarm node's containers: a configured engine that says it is that node,
   * or one made from SONDE_SWARM_NODE_ENGINE (named after the node, kept for later calls).
   */
  forNode(node: SwarmNodeFacts): EngineHandle<ContainerEngine> | undefined {
    for (const h of this.docker()) if (h.monitor.current.swarm?.nodeId === node.id) return h;
    const made = this.nodeEngines.get(node.id);
    if (made) return made;
    const template = this.options.swarmNodeEngines;
    if (!template || !node.address) return undefined;
    const name = nodeEngineName(node, (n) => this.handles.has(n));
    const host = template.host.replaceAll('{address}', node.address).replaceAll('{hostname}', node.hostname);
    const engine = template.create({ name, host, ...(template.tlsDir ? { tlsDir: template.tlsDir } : {}) });
    this.options.log.info({ engine: name, node: node.id, host }, 'Swarm node engine added');
    const handle = this.add(engine, 'swarm-node', template.tlsDir) as EngineHandle<ContainerEngine>;
    this.nodeEngines.set(node.id, handle);
    return handle;
  }
}

/** An engine name for a Swarm node: its host name made a valid name, unique among the engines. */
function nodeEngineName(node: SwarmNodeFacts, taken: (name: string) => boolean): string {
  const base = (node.hostname.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'node').slice(0, 24);
  if (!taken(base)) return base;
  return `${base}-${node.id.slice(0, 6).toLowerCase()}`.slice(0, 32);
}

function healthOf(engines: { name: string; status: EngineStatus }[]): Health {
  const first = engines[0]?.status;
  return {
    status: engines.every((e) => e.status.reachable) ? 'ok' : 'degraded',
    docker: { reachable: first?.reachable ?? false, ...(first?.version ? { version: first.version } : {}) },
    engines: engines.map((e) => ({
      name: e.name,
      reachable: e.status.reachable,
      ...(e.status.version ? { version: e.status.version } : {}),
      ...(!e.status.reachable && e.status.error ? { error: e.status.error } : {}),
    })),
  };
}
