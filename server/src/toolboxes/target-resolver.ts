import { ErrorCode, type ContainerSummary, type KubeNamespace, type KubeNode, type KubePod, type NetworkSummary, type ResolvedTarget, type TargetRequest } from '@sonde/shared';
import type { EngineHandle, EngineSet } from '../engine/engine-set.js';
import type { ContainerEngine, KubernetesEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';

/** Labels that keep a container out of reach whatever the request says. */
export const DENY_LABEL = 'sonde.deny';
export const CONSOLE_LABEL = 'sonde.console';

/** Shortest id prefix accepted, so a one-letter typo cannot pick a random container. */
const MIN_PREFIX = 4;

interface Named {
  id: string;
  name: string;
}

/**
 * Finds the one item a reference means: an exact id, an exact name, or an unambiguous id
 * prefix. Ambiguous prefixes are refused rather than guessed (Docker would pick one).
 */
export function pickByRef<T extends Named>(items: readonly T[], ref: string, what: string): T {
  const byId = items.find((i) => i.id === ref);
  if (byId) return byId;
  const byName = items.find((i) => i.name === ref || i.name === ref.replace(/^\//, ''));
  if (byName) return byName;
  if (/^[0-9a-f]+$/.test(ref) && ref.length >= MIN_PREFIX) {
    const matches = items.filter((i) => i.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new ApiError(409, ErrorCode.TargetAmbiguous, `The id prefix "${ref}" matches ${matches.length} ${what}s; give more characters.`);
    }
  }
  throw new ApiError(404, ErrorCode.TargetNotFound, `No ${what} is named "${ref}" or has that id.`);
}

/** One engine's inventory, as a target on it is resolved and checked. */
export interface TargetContext {
  /** The engine's name: every resolved target carries it. */
  engine: string;
  containers: readonly ContainerSummary[];
  networks: readonly NetworkSummary[];
  /** Kubernetes engines: the target pod and its namespace, or the target node, read for this start. */
  pods?: readonly KubePod[];
  namespaces?: readonly KubeNamespace[];
  nodes?: readonly KubeNode[];
  /** Whether a container id is the console's own container (found by id, not by label). */
  isConsole?: (containerId: string) => boolean;
}

/**
 * The inventory targets of these kinds need to be resolved and checked against the policy:
 * containers for container targets, networks and their members' containers (with labels) for
 * network targets, nothing for the host. Listed in parallel, once per start.
 */
export async function targetInventory(engine: ContainerEngine, kinds: readonly TargetRequest['kind'][]): Promise<Omit<TargetContext, 'isConsole'>> {
  const containers = kinds.some((k) => k === 'container' || k === 'network' || k === 'task');
  const networks = kinds.some((k) => k === 'network' || k === 'network-namespace');
  const [c, n] = await Promise.all([containers ? engine.listContainers() : Promise.resolve([]), networks ? engine.listNetworks() : Promise.resolve([])]);
  return { engine: engine.name, containers: c, networks: n };
}

type DockerRequest = Exclude<TargetRequest, { kind: 'task' | 'pod' | 'node' }>;
type KubernetesRequest = Extract<TargetRequest, { kind: 'pod' | 'node' }>;

/** Resolves a target of the kinds one Docker engine's inventory is enough for. */
export function resolveTarget(request: DockerRequest, context: TargetContext): ResolvedTarget {
  const engine = context.engine;
  switch (request.kind) {
    case 'host':
      return { kind: 'host', engine };
    case 'network': {
      const network = pickByRef(context.networks, request.network, 'network');
      if (network.name === 'host' || network.name === 'none') {
        throw new ApiError(400, ErrorCode.InvalidRequest, `target.network: "${network.name}" cannot be joined; use the host target or a container target instead.`);
      }
      if (network.driver === 'overlay' && !network.attachable) {
        throw new ApiError(409, ErrorCode.TargetNotAllowed, `target.network: the overlay "${network.name}" is not attachable, so no standalone container (a toolbox) may join it; open its namespace instead ({"kind":"network-namespace"}), or a task on it.`);
      }
      return { kind: 'network', engine, networkId: network.id, networkName: network.name };
    }
    case 'network-namespace': {
      const network = pickByRef(context.networks, request.network, 'network');
      if (network.driver !== 'overlay') {
        throw new ApiError(400, ErrorCode.InvalidRequest, `target.network: "${network.name}" is a ${network.driver} network, not an overlay; only overlays have a namespace of their own (a bridge's is the host's).`);
      }
      return { kind: 'network-namespace', engine, networkId: network.id, networkName: network.name };
    }
    case 'container': {
      const container = pickByRef(context.containers, request.container, 'container');
      if (container.toolbox || container.labels[DENY_LABEL] === 'true' || container.labels[CONSOLE_LABEL] === 'true' || context.isConsole?.(container.id)) {
        throw new ApiError(403, ErrorCode.TargetNotAllowed, `"${container.name}" may not be a target (Sonde's own containers and containers labelled ${DENY_LABEL}=true are excluded).`);
      }
      if (container.state !== 'running') {
        throw new ApiError(409, ErrorCode.TargetNotRunning, `"${container.name}" is ${container.state}, not running; start it first.`);
      }
      return { kind: 'container', engine, containerId: container.id, containerName: container.name, sharePid: request.sharePid === true };
    }
  }
}

/** The container a pod target means: the one named, else the pod's default (kubectl's rule), else its first. */
function podContainer(pod: KubePod, named: string | undefined): KubePod['containers'][number] {
  const main = pod.containers.filter((c) => c.role === 'main');
  const wanted = named ?? pod.defaultContainer ?? main[0]?.name;
  const container = main.find((c) => c.name === wanted);
  if (!container) {
    throw new ApiError(404, ErrorCode.TargetNotFound, `Pod ${pod.namespace}/${pod.name} has no container "${wanted ?? ''}" (it has ${main.map((c) => c.name).join(', ') || 'none'}).`);
  }
  return container;
}

/**
 * Resolves a pod or node target on a Kubernetes engine, read now from the API (a cache may lag a
 * pod that was just deleted). Sonde's own node pods, and pods or namespaces labelled
 * sonde.deny=true, are never targets; a pod that does not run, or a node that is not ready, is refused.
 */
export async function resolveKubernetesTarget(request: KubernetesRequest, engine: KubernetesEngine): Promise<{ target: ResolvedTarget; context: TargetContext }> {
  if (request.kind === 'node') {
    const node = await engine.readNode(request.node);
    if (!node) throw new ApiError(404, ErrorCode.TargetNotFound, `Cluster ${engine.name} has no node "${request.node}".`);
    if (!node.ready) throw new ApiError(409, ErrorCode.TargetNotRunning, `Node ${node.name} is not ready, so no pod can start there.`);
    return { target: { kind: 'node', engine: engine.name, node: node.name }, context: { engine: engine.name, containers: [], networks: [], nodes: [node] } };
  }
  const [namespace, pod] = await Promise.all([engine.readNamespace(request.namespace), engine.readPod(request.namespace, request.pod)]);
  if (!namespace) throw new ApiError(404, ErrorCode.TargetNotFound, `Cluster ${engine.name} has no namespace "${request.namespace}".`);
  if (!pod) throw new ApiError(404, ErrorCode.TargetNotFound, `Namespace ${request.namespace} has no pod "${request.pod}".`);
  if (pod.toolbox || pod.labels[DENY_LABEL] === 'true' || namespace.labels[DENY_LABEL] === 'true') {
    throw new ApiError(403, ErrorCode.TargetNotAllowed, `Pod ${pod.namespace}/${pod.name} may not be a target (Sonde's own pods, and pods or namespaces labelled ${DENY_LABEL}=true, are excluded).`);
  }
  if (pod.phase !== 'Running') throw new ApiError(409, ErrorCode.TargetNotRunning, `Pod ${pod.namespace}/${pod.name} is ${pod.phase}, not Running.`);
  const container = podContainer(pod, request.container);
  if (container.state !== 'running') {
    throw new ApiError(409, ErrorCode.TargetNotRunning, `Container ${container.name} of pod ${pod.namespace}/${pod.name} is ${container.state}${container.reason ? ` (${container.reason})` : ''}, not running.`);
  }
  return {
    target: { kind: 'pod', engine: engine.name, namespace: pod.namespace, pod: pod.name, podUid: pod.uid, container: container.name, ...(pod.node ? { node: pod.node } : {}) },
    context: { engine: engine.name, containers: [], networks: [], pods: [pod], namespaces: [namespace] },
  };
}

/**
 * What the policy reads again when it changes (the enforcer): a Docker engine's containers and
 * networks, a Kubernetes engine's pods, namespaces and nodes.
 */
export async function policyInventory(handle: EngineHandle): Promise<Omit<TargetContext, 'isConsole'>> {
  const engine = handle.engine;
  if (engine.kind !== 'kubernetes') return targetInventory(engine, ['network']);
  const [pods, namespaces, nodes] = await Promise.all([engine.listPods(), engine.listNamespaces(), engine.listNodes()]);
  return { engine: engine.name, containers: [], networks: [], pods, namespaces, nodes };
}

/** A target resolved on the engine it lives on, with that engine's inventory. */
export interface ResolvedOnEngine {
  handle: EngineHandle;
  target: ResolvedTarget;
  context: TargetContext;
}

/**
 * Resolves a target across the console's engines: the engine the request names (or the only
 * one), then the target in that engine's inventory. A Swarm task is asked of a manager and
 * resolved to its container on the engine of the node it runs on; an overlay's own namespace
 * exists only on nodes where one of its endpoints is. Pods and nodes are Kubernetes targets, the
 * rest Docker's: a target of the other kind of engine is refused (400 naming target.engine).
 */
export async function resolveOnEngines(
  engines: EngineSet,
  request: TargetRequest,
  options: { alsoNeeds?: readonly TargetRequest['kind'][]; isConsole?: (containerId: string) => boolean } = {},
): Promise<ResolvedOnEngine> {
  const withConsole = (context: Omit<TargetContext, 'isConsole'>): TargetContext => ({ ...context, ...(options.isConsole ? { isConsole: options.isConsole } : {}) });
  if (request.kind === 'pod' || request.kind === 'node') {
    const handle = engines.pickKubernetes(request.engine);
    const { target, context } = await resolveKubernetesTarget(request, handle.engine);
    return { handle, target, context: withConsole(context) };
  }
  const picked = engines.pickDocker(request.engine);
  if (request.kind === 'task') return resolveTask(engines, picked, request, options.alsoNeeds ?? [], withConsole);
  const context = withConsole(await targetInventory(picked.engine, [request.kind, ...(options.alsoNeeds ?? [])]));
  const target = resolveTarget(request, context);
  if (target.kind === 'network-namespace' && !(await picked.engine.inspectNetwork(target.networkId))) {
    throw new ApiError(409, ErrorCode.NoNetworkNamespace, `The overlay "${target.networkName}" has no namespace on engine ${picked.name}: no task or endpoint of it runs on that node. Open it on a node where one of its tasks runs.`);
  }
  return { handle: picked, target, context };
}

async function resolveTask(
  engines: EngineSet,
  manager: EngineHandle<ContainerEngine>,
  request: Extract<TargetRequest, { kind: 'task' }>,
  alsoNeeds: readonly TargetRequest['kind'][],
  withConsole: (context: Omit<TargetContext, 'isConsole'>) => TargetContext,
): Promise<ResolvedOnEngine> {
  if (request.task === undefined && (request.service === undefined || request.slot === undefined)) {
    throw new ApiError(400, ErrorCode.InvalidRequest, 'Invalid request: a task target names "task" (its id), or "service" and "slot".');
  }
  const facts = await manager.engine.info();
  if (facts.swarm?.role !== 'manager') {
    throw new ApiError(409, ErrorCode.NotSwarmManager, `Engine ${manager.name} is not a Swarm manager, so it cannot say where tasks run; name a manager engine.`);
  }
  const [tasks, services, nodes] = await Promise.all([manager.engine.swarmTasks(request.task ? { id: request.task } : {}), manager.engine.swarmServices(), manager.engine.swarmNodes()]);
  let task;
  let serviceName: string;
  if (request.task !== undefined) {
    task = tasks.find((t) => t.id === request.task || (request.task!.length >= 8 && t.id.startsWith(request.task!)));
    if (!task) throw new ApiError(404, ErrorCode.TargetNotFound, `Engine ${manager.name} knows no task "${request.task}".`);
    serviceName = services.find((s) => s.id === task!.serviceId)?.name ?? task.serviceId;
  } else {
    const service = pickByRef(services, request.service!, 'service');
    serviceName = service.name;
    const candidates = tasks.filter((t) => t.serviceId === service.id && t.slot === request.slot);
    task = candidates.find((t) => t.state === 'running') ?? candidates.find((t) => t.desiredState === 'running');
    if (!task) throw new ApiError(404, ErrorCode.TargetNotFound, `Service "${service.name}" has no task in slot ${request.slot}.`);
  }
  if (task.state !== 'running' || !task.containerId) {
    throw new ApiError(409, ErrorCode.TargetNotRunning, `Task ${serviceName}${task.slot !== undefined ? `.${task.slot}` : ''} is ${task.state}, not running.`);
  }
  const node = nodes.find((n) => n.id === task.nodeId);
  const handle = node ? engines.forNode(node) : undefined;
  if (!node || !handle) {
    throw new ApiError(
      409,
      ErrorCode.NodeEngineMissing,
      `Task ${serviceName}${task.slot !== undefined ? `.${task.slot}` : ''} runs on node ${node?.hostname ?? task.nodeId}, and this console has no engine for that node: configure it in SONDE_ENGINES, or set SONDE_SWARM_NODE_ENGINE.`,
    );
  }
  const context = withConsole(await targetInventory(handle.engine, ['container', ...alsoNeeds]));
  const resolved = resolveTarget({ kind: 'container', container: task.containerId, ...(request.sharePid ? { sharePid: true } : {}) }, context);
  if (resolved.kind !== 'container') throw new Error('a task resolves to its container');
  return {
    handle,
    context,
    target: { ...resolved, task: { id: task.id, service: serviceName, ...(task.slot !== undefined ? { slot: task.slot } : {}), nodeId: task.nodeId, manager: manager.name } },
  };
}
