/**
 * A two-node Docker Swarm of nested engines on this machine: what tests of several engines,
 * Swarm services and overlay networks run against (the recipe and its limits:
 * scripts/testbed/README.md). Built from Debian packages; images reach the nodes by
 * `docker save | docker load`, never from a registry.
 *
 * Only Node built-ins and the docker CLI here: scripts/testbed/swarm.mjs loads this file too.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TARGET_IMAGE, TOOLBOX_IMAGE } from './docker-fixtures.js';

const run = promisify(execFile);
const BUILD_SCRIPT = findBuildScript();

/** Found upwards: this file also runs compiled, from server/bench/dist (the transport bench). */
function findBuildScript(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const script = path.join(dir, 'scripts/testbed/build-node-image.sh');
    if (existsSync(script)) return script;
    if (path.dirname(dir) === dir) throw new Error('cannot find scripts/testbed/build-node-image.sh above ' + fileURLToPath(import.meta.url));
  }
}

/** The nested engines listen on plain tcp (no TLS): they are reachable only from this machine's bridge. */
export const ENGINE_PORT = 2375;
const SWARM_PORT = 2377;
const NODE_COUNT = 2;
/**
 * How often workers report to the manager. Swarm marks a node down after three missed
 * periods: 15 s with Docker's default of 5 s, about 6 s with this, which keeps the
 * engine-outage tests short. Everything else is Swarm's default.
 */
const HEARTBEAT_SECONDS = 2;
/** On every node container and the network; its value is the testbed's name. */
export const TESTBED_LABEL = 'sonde-testbed';
const ROLE_LABEL = 'sonde-testbed.role';
/** What `docker run` gives a node: --privileged fails on this machine, this is what works instead. */
export const NODE_RUN_FLAGS = [
  '--init',
  '--cap-add', 'ALL',
  '--cap-drop', 'SYS_RESOURCE',
  '--security-opt', 'seccomp=unconfined',
  '--security-opt', 'apparmor=unconfined',
  '--security-opt', 'systempaths=unconfined',
  '--cgroupns', 'host',
  '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '--tmpfs', '/var/lib/docker:exec',
];

export interface SwarmTestbedOptions {
  /** Prefix of every name and the value of the `sonde-testbed` label; default SONDE_TESTBED_NAME or "sonde-testbed". */
  name?: string;
  /** Host images every node must hold (loaded when a node lacks that image id); default the toolbox and the test target. */
  images?: string[];
  /** Progress lines; default stdout, prefixed "[testbed]". */
  log?: (line: string) => void;
}

export interface SwarmTestbedNode {
  /** Container name, also the node's hostname and its Swarm Description.Hostname. */
  name: string;
  containerId: string;
  /** The node's address on the testbed network, reachable from this machine. */
  address: string;
  /** `tcp://<address>:2375`: what DOCKER_HOST or a console's engine list takes. */
  engineUrl: string;
  swarmNodeId: string;
  role: 'manager' | 'worker';
}

export interface SwarmTestbed {
  name: string;
  /** The user bridge network the nodes share (Swarm control traffic and VXLAN run over it). */
  network: string;
  /** The node image, sonde-testbed-node:<hash of its inputs>. */
  image: string;
  /** Node 1 is the manager (and leader), node 2 a worker. */
  nodes: SwarmTestbedNode[];
}

interface SwarmInfo {
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: 'inactive' | 'pending' | 'active' | 'error' | 'locked';
  ControlAvailable: boolean;
  RemoteManagers: { NodeID: string; Addr: string }[] | null;
}

interface SwarmNodeSummary {
  ID: string;
  Description: { Hostname: string };
  Status: { State: string; Addr: string };
}

interface ContainerInspect {
  Id: string;
  Config: { Image: string };
  State: { Running: boolean };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

export function testbedName(options: SwarmTestbedOptions = {}): string {
  return options.name ?? (process.env.SONDE_TESTBED_NAME || 'sonde-testbed');
}

function nodeName(name: string, index: number): string {
  return `${name}-node${index + 1}`;
}

const defaultLog = (line: string): void => {
  process.stdout.write(`[testbed] ${line}\n`);
};

/**
 * Brings the testbed to "up": the node image (built when missing), the network, two running
 * nodes whose engines answer, node 1 a Swarm manager with node 2 joined and both Ready, and
 * `options.images` in both. Every step keeps what is already right, so a second call costs
 * a few inspections; a node container from another image or stopped is replaced.
 */
export async function ensureSwarmTestbed(options: SwarmTestbedOptions = {}): Promise<SwarmTestbed> {
  const name = testbedName(options);
  const log = options.log ?? defaultLog;
  const images = options.images ?? [TOOLBOX_IMAGE, TARGET_IMAGE];
  const started = Date.now();

  const image = await ensureNodeImage(log);
  const network = await ensureNetwork(name);
  const placed = await Promise.all(Array.from({ length: NODE_COUNT }, (_, i) => ensureNode(name, nodeName(name, i), image, network, log)));
  const [manager, worker] = placed as [PlacedNode, PlacedNode];
  const ids = await ensureSwarm(manager, worker, log);
  await ensureImages(placed, images, log);

  const nodes = placed.map((node, i): SwarmTestbedNode => ({
    name: node.name,
    containerId: node.containerId,
    address: node.address,
    engineUrl: `tcp://${node.address}:${ENGINE_PORT}`,
    swarmNodeId: i === 0 ? ids.manager : ids.worker,
    role: i === 0 ? 'manager' : 'worker',
  }));
  log(`up in ${seconds(started)}: ${nodes.map((n) => `${n.name} ${n.engineUrl} (${n.role})`).join(', ')}`);
  return { name, network, image, nodes };
}

/** SIGKILLs the node's dockerd (its containerd goes with it; running containers stay, as in a crash). The node container keeps running. */
export async function killNodeEngine(node: Pick<SwarmTestbedNode, 'containerId' | 'address'>): Promise<void> {
  await docker('exec', node.containerId, 'sonde-testbed-dockerd', 'kill');
}

/** Starts the node's dockerd again with the same state (swarm membership, images) and waits until it answers. */
export async function restartNodeEngine(node: Pick<SwarmTestbedNode, 'containerId' | 'address'>): Promise<void> {
  await docker('exec', node.containerId, 'sonde-testbed-dockerd', 'start');
  await waitForEngine(node.address, 30_000);
}

/** Names of the testbed's containers and networks present on the host engine. */
export async function swarmTestbedParts(options: Pick<SwarmTestbedOptions, 'name'> = {}): Promise<{ containers: string[]; networks: string[] }> {
  const filter = `label=${TESTBED_LABEL}=${testbedName(options)}`;
  const containers = lines(await docker('ps', '-a', '--format', '{{.Names}}', '--filter', filter));
  const networks = lines(await docker('network', 'ls', '--format', '{{.Name}}', '--filter', filter));
  return { containers, networks };
}

export interface SwarmTestbedNodeStatus {
  name: string;
  running: boolean;
  address: string | null;
  engine: 'answers' | 'down';
  /** From the node's own /info (Swarm.LocalNodeState, Swarm.NodeID); null while its engine is down. */
  swarm: { state: string; nodeId: string; manager: boolean } | null;
}

/** What is there, without changing anything (the CLI's `status`). */
export async function swarmTestbedStatus(options: Pick<SwarmTestbedOptions, 'name'> = {}): Promise<{ name: string; nodes: SwarmTestbedNodeStatus[]; swarmNodes: unknown[] | null }> {
  const name = testbedName(options);
  const { containers } = await swarmTestbedParts({ name });
  const nodes: SwarmTestbedNodeStatus[] = [];
  for (const container of containers.sort()) {
    const inspect = await inspectContainer(container);
    const address = inspect?.NetworkSettings.Networks[name]?.IPAddress || null;
    const up = address !== null && inspect?.State.Running === true && (await engineAnswers(address));
    const swarm = up && address ? await swarmInfo({ name: container, containerId: inspect!.Id, address }).catch(() => undefined) : undefined;
    nodes.push({
      name: container,
      running: inspect?.State.Running ?? false,
      address,
      engine: up ? 'answers' : 'down',
      swarm: swarm ? { state: swarm.LocalNodeState, nodeId: swarm.NodeID, manager: swarm.ControlAvailable } : null,
    });
  }
  // The manager's view: Description.Hostname, Status.State and Addr, Spec.Role per node.
  const manager = nodes.find((n) => n.swarm?.manager && n.address);
  const swarmNodes = manager?.address
    ? (await engineRequest<SwarmNodeSummary[]>(manager.address, '/nodes')).map((n) => ({ id: n.ID, hostname: n.Description.Hostname, state: n.Status.State, addr: n.Status.Addr }))
    : null;
  return { name, nodes, swarmNodes };
}

/**
 * Removes the nodes (everything that ran in them goes with their namespaces and tmpfs), the
 * network, and the cgroups the nested engines made under the host's tree. Throws naming what
 * is left, so a leak fails loudly.
 */
export async function removeSwarmTestbed(options: Pick<SwarmTestbedOptions, 'name' | 'log'> = {}): Promise<void> {
  const name = testbedName(options);
  const log = options.log ?? defaultLog;
  const before = await swarmTestbedParts({ name });
  if (before.containers.length) await docker('rm', '-f', ...before.containers);
  for (const network of before.networks) await docker('network', 'rm', network);
  const cgroupsLeft = await removeNodeCgroups(name);
  const after = await swarmTestbedParts({ name });
  const left = [...after.containers, ...after.networks, ...cgroupsLeft];
  if (left.length) throw new Error(`the Swarm testbed "${name}" was not removed completely; left: ${left.join(', ')}`);
  if (before.containers.length || before.networks.length) log(`removed ${[...before.containers, ...before.networks].join(', ')}`);
}

/** The engine API of a node, over its tcp port (JSON in, JSON out). */
export async function engineRequest<T>(address: string, pathname: string, init: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<T> {
  const response = await fetch(`http://${address}:${ENGINE_PORT}${pathname}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${pathname} on ${address}: ${response.status} ${text.trim()}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

// ---- steps of ensureSwarmTestbed ----

interface PlacedNode {
  name: string;
  containerId: string;
  address: string;
}

/** The node image, built when missing; returns its reference. */
export async function ensureNodeImage(log: (line: string) => void = defaultLog): Promise<string> {
  requireLocalEngine();
  const image = (await run('bash', [BUILD_SCRIPT, '--print-image'])).stdout.trim();
  if (await hostImageId(image)) return image;
  const started = Date.now();
  log(`building the node image ${image} (about 2 minutes)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} exited with ${code}`))));
  });
  log(`node image built in ${seconds(started)}`);
  return image;
}

async function ensureNetwork(name: string): Promise<string> {
  const exists = await docker('network', 'inspect', name).then(
    () => true,
    () => false,
  );
  if (!exists) await docker('network', 'create', '--label', `${TESTBED_LABEL}=${name}`, '--label', `${ROLE_LABEL}=network`, name);
  return name;
}

async function ensureNode(testbed: string, name: string, image: string, network: string, log: (line: string) => void): Promise<PlacedNode> {
  let inspect = await inspectContainer(name);
  const reusable = inspect?.State.Running && inspect.Config.Image === image && inspect.NetworkSettings.Networks[network]?.IPAddress;
  if (inspect && !reusable) {
    // Stopped (its tmpfs and swarm state are gone), from an older image, or off the network.
    log(`replacing ${name}`);
    await docker('rm', '-f', inspect.Id);
    inspect = undefined;
  }
  if (!inspect) {
    await docker('run', '-d', '--name', name, '--hostname', name, '--network', network,
      '--label', `${TESTBED_LABEL}=${testbed}`, '--label', `${ROLE_LABEL}=node`, ...NODE_RUN_FLAGS, image);
    inspect = await inspectContainer(name);
    if (!inspect) throw new Error(`the node container ${name} vanished right after it was created`);
  }
  const address = inspect.NetworkSettings.Networks[network]?.IPAddress;
  if (!address) throw new Error(`the node container ${name} has no address on ${network}`);
  if (!(await engineAnswers(address))) {
    // A new node starts its engine itself; one whose engine was killed (a test that died
    // between kill and restart) gets it started again.
    await docker('exec', inspect.Id, 'sonde-testbed-dockerd', 'start');
    await waitForEngine(address, 30_000);
  }
  return { name, containerId: inspect.Id, address };
}

async function ensureSwarm(manager: PlacedNode, worker: PlacedNode, log: (line: string) => void): Promise<{ manager: string; worker: string }> {
  const managerAddr = `${manager.address}:${SWARM_PORT}`;
  let m = await swarmInfo(manager);
  if (!(m.LocalNodeState === 'active' && m.ControlAvailable && m.NodeAddr === manager.address)) {
    if (m.LocalNodeState !== 'inactive') await nodeDocker(manager, 'swarm', 'leave', '--force');
    await nodeDocker(manager, 'swarm', 'init', '--advertise-addr', manager.address, '--listen-addr', managerAddr);
    log(`swarm initialised on ${manager.name}`);
    m = await swarmInfo(manager);
  }
  const spec = await engineRequest<{ Spec: { Dispatcher?: { HeartbeatPeriod?: number } } }>(manager.address, '/swarm');
  if (spec.Spec.Dispatcher?.HeartbeatPeriod !== HEARTBEAT_SECONDS * 1e9) {
    await nodeDocker(manager, 'swarm', 'update', '--dispatcher-heartbeat', `${HEARTBEAT_SECONDS}s`);
  }

  let w = await swarmInfo(worker);
  const members = await engineRequest<SwarmNodeSummary[]>(manager.address, '/nodes');
  const joined = w.LocalNodeState === 'active' && members.some((n) => n.ID === w.NodeID) && (w.RemoteManagers ?? []).some((r) => r.Addr === managerAddr);
  if (!joined) {
    // Not in a swarm, or still in one whose manager is gone (node 1 was replaced).
    if (w.LocalNodeState !== 'inactive') await nodeDocker(worker, 'swarm', 'leave', '--force');
    const token = await nodeDocker(manager, 'swarm', 'join-token', '-q', 'worker');
    await nodeDocker(worker, 'swarm', 'join', '--token', token, managerAddr);
    log(`${worker.name} joined the swarm`);
    w = await swarmInfo(worker);
  }

  // Entries of nodes that left or were replaced stay "down" in the manager's list; tests
  // counting nodes must see exactly these two.
  const current = new Set([m.NodeID, w.NodeID]);
  for (const stale of (await engineRequest<SwarmNodeSummary[]>(manager.address, '/nodes')).filter((n) => !current.has(n.ID))) {
    await nodeDocker(manager, 'node', 'rm', '--force', stale.ID);
  }
  await waitFor(`both nodes Ready in the swarm of ${manager.name}`, 60_000, async () => {
    const listed = await engineRequest<SwarmNodeSummary[]>(manager.address, '/nodes');
    return [...current].every((id) => listed.some((n) => n.ID === id && n.Status.State === 'ready'));
  });
  return { manager: m.NodeID, worker: w.NodeID };
}

async function ensureImages(nodes: PlacedNode[], images: string[], log: (line: string) => void): Promise<void> {
  const wanted = await Promise.all(
    images.map(async (ref) => {
      const id = await hostImageId(ref);
      if (!id) throw new Error(`the image ${ref} is not on this machine's engine, so it cannot be loaded into the testbed`);
      return { ref, id };
    }),
  );
  await Promise.all(
    nodes.map(async (node) => {
      const missing: string[] = [];
      for (const { ref, id } of wanted) {
        const have = await engineRequest<{ Id: string }>(node.address, `/images/${encodeURIComponent(ref)}/json`).catch(() => undefined);
        if (have?.Id !== id) missing.push(ref);
      }
      if (!missing.length) return;
      const started = Date.now();
      await run('bash', ['-o', 'pipefail', '-c', 'node="$1"; shift; docker save "$@" | docker exec -i "$node" docker load -q', 'load', node.containerId, ...missing], {
        maxBuffer: 16 * 1024 * 1024,
      });
      log(`loaded ${missing.join(', ')} into ${node.name} in ${seconds(started)}`);
    }),
  );
}

// ---- small pieces ----

async function docker(...args: string[]): Promise<string> {
  requireLocalEngine();
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * The testbed lives on this machine's engine: the host reaches the nodes' addresses and
 * removes their cgroups from its own /sys/fs/cgroup. DOCKER_HOST pointing at a tcp engine
 * (a testbed node's, say, left exported in a shell) would build and nest everything there.
 */
function requireLocalEngine(): void {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) {
    throw new Error(`the Swarm testbed runs on this machine's own Docker engine, but DOCKER_HOST is ${host}: unset it (or point it at a local unix socket)`);
  }
}

/** The docker CLI inside a node, against its own engine. */
async function nodeDocker(node: PlacedNode, ...args: string[]): Promise<string> {
  return docker('exec', node.containerId, 'docker', ...args);
}

async function swarmInfo(node: PlacedNode): Promise<SwarmInfo> {
  return (await engineRequest<{ Swarm: SwarmInfo }>(node.address, '/info')).Swarm;
}

async function inspectContainer(name: string): Promise<ContainerInspect | undefined> {
  try {
    return (JSON.parse(await docker('container', 'inspect', name)) as ContainerInspect[])[0];
  } catch {
    return undefined;
  }
}

async function hostImageId(ref: string): Promise<string | undefined> {
  return docker('image', 'inspect', '--format', '{{.Id}}', ref).catch(() => undefined);
}

async function engineAnswers(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}:${ENGINE_PORT}/_ping`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitForEngine(address: string, timeoutMs: number): Promise<void> {
  await waitFor(`the engine at ${address}:${ENGINE_PORT}`, timeoutMs, () => engineAnswers(address));
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The nested engines put their containers' cgroups under /<node name> in the host's tree
 * (`--cgroup-parent`, see node/sonde-testbed-dockerd). Killing a node leaves those folders
 * empty but present; rmdir removes them (deepest first). Returns the ones that stay.
 */
async function removeNodeCgroups(name: string): Promise<string[]> {
  return removeCgroupFolders(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-node\\d+$`));
}

/** Removes the cgroup folders (in every hierarchy) whose name matches; returns the ones that stay. */
export async function removeCgroupFolders(pattern: RegExp): Promise<string[]> {
  const cgroupRoot = '/sys/fs/cgroup';
  // cgroup v1: one hierarchy per controller folder; v2: the root itself.
  const hierarchies = [cgroupRoot, ...subfolders(cgroupRoot).map((d) => path.join(cgroupRoot, d))];
  const found = hierarchies.flatMap((h) => subfolders(h).filter((d) => pattern.test(d)).map((d) => path.join(h, d)));
  const left: string[] = [];
  for (const dir of found) {
    // Processes of a node just removed may take a moment to leave their cgroups.
    const removed = await retry(2_000, () => removeTree(dir));
    if (!removed) left.push(dir);
  }
  return left;
}

function removeTree(dir: string): boolean {
  for (const child of subfolders(dir)) removeTree(path.join(dir, child));
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

async function retry(timeoutMs: number, attempt: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (attempt()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function lines(text: string): string[] {
  return text ? text.split('\n') : [];
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
