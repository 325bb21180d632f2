/**
 * A nested Docker engine of a test's own: one container from the Swarm testbed's node image
 * (scripts/testbed), run the way the testbed runs its nodes but alone, on a network of its own,
 * with its engine started on demand: plain tcp on 2375, or TLS with client certificates on 2376,
 * and sshd for ssh:// engines. Images reach it by `docker save | docker load`, never a registry.
 *
 * Only Node built-ins and the docker CLI here: the transport bench (server/bench) runs it compiled.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_LABEL } from './docker-fixtures.js';
import { NODE_RUN_FLAGS, ensureNodeImage, removeCgroupFolders } from './swarm-testbed.js';

const run = promisify(execFile);

/** Where a node's engine looks for ca.pem, server-cert.pem and server-key.pem (sonde-testbed-dockerd). */
const NODE_TLS_DIR = '/etc/sonde-testbed/tls';

export interface EngineNode {
  /** Container name, hostname and the name of its network; also its engine's cgroup parent. */
  name: string;
  containerId: string;
  /** Its address on its own network, reachable from this machine only. */
  address: string;
  /** The node image it runs. */
  image: string;
}

export interface EngineNodeOptions {
  /** Container and network name; start it with `sonde-transport-` or the branch's prefix. */
  name: string;
  /** Extra labels (`key=value`) on the container and the network, beside `sonde.test=true`. */
  labels?: string[];
  log?: (line: string) => void;
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Starts the node container with its engine stopped (the command only idles), so the test can
 * first make a server certificate for the node's address and then choose how the engine listens.
 */
export async function startEngineNode(options: EngineNodeOptions): Promise<EngineNode> {
  const image = await ensureNodeImage(options.log);
  const labels = [TEST_LABEL, ...(options.labels ?? [])].flatMap((l) => ['--label', l]);
  await docker('network', 'create', ...labels, options.name);
  try {
    const containerId = await docker('run', '-d', '--name', options.name, '--hostname', options.name, '--network', options.name, ...labels, ...NODE_RUN_FLAGS, image, 'sleep', 'infinity');
    const address = await docker('container', 'inspect', '--format', `{{(index .NetworkSettings.Networks "${options.name}").IPAddress}}`, containerId);
    if (!address) throw new Error(`the node ${options.name} has no address on its network`);
    return { name: options.name, containerId, address, image };
  } catch (error) {
    await removeEngineNode({ name: options.name }).catch(() => undefined);
    throw error;
  }
}

/**
 * Starts the node's engine (and waits until it answers on its unix socket). With `tls`, a
 * directory on this machine holding ca.pem, server-cert.pem and server-key.pem: they are copied
 * in and the engine listens on tcp 2376 with --tlsverify; without, plain tcp on 2375.
 * Returns the URL a console's engine list takes.
 */
export async function startNodeEngine(node: Pick<EngineNode, 'containerId' | 'address'>, options: { tls?: string } = {}): Promise<string> {
  if (options.tls) {
    await docker('exec', node.containerId, 'mkdir', '-p', NODE_TLS_DIR);
    await docker('cp', `${options.tls}/.`, `${node.containerId}:${NODE_TLS_DIR}`);
  }
  // The exec's environment decides how this start listens; the container's stays as it was.
  await docker('exec', '-e', `SONDE_TESTBED_TLS_DIR=${options.tls ? NODE_TLS_DIR : ''}`, node.containerId, 'sonde-testbed-dockerd', 'start');
  return options.tls ? `tcp://${node.address}:2376` : `tcp://${node.address}:2375`;
}

/** SIGKILLs the node's engine (its containers keep running, as after a crash). */
export async function killNodeEngine(node: Pick<EngineNode, 'containerId'>): Promise<void> {
  await docker('exec', node.containerId, 'sonde-testbed-dockerd', 'kill');
}

/** Starts sshd in the node with `publicKey` (one OpenSSH public key line) as root's only authorised key. */
export async function startNodeSshd(node: Pick<EngineNode, 'containerId'>, publicKey: string): Promise<void> {
  const script = 'umask 077 && mkdir -p /root/.ssh && cat > /root/.ssh/authorized_keys && sonde-testbed-dockerd sshd';
  await new Promise<void>((resolve, reject) => {
    const child = execFile('docker', ['exec', '-i', node.containerId, 'sh', '-c', script], (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(`${publicKey.trim()}\n`);
  });
}

/**
 * Loads host images the node's engine lacks (compared by image id) in one `docker save | docker
 * load`, over the node's unix socket, so it works whatever its tcp endpoint is.
 */
export async function loadImages(node: Pick<EngineNode, 'containerId'>, images: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const ref of images) {
    const want = await docker('image', 'inspect', '--format', '{{.Id}}', ref);
    const have = await docker('exec', node.containerId, 'docker', 'image', 'inspect', '--format', '{{.Id}}', ref).catch(() => '');
    if (have !== want) missing.push(ref);
  }
  if (missing.length) {
    await run('bash', ['-o', 'pipefail', '-c', 'node="$1"; shift; docker save "$@" | docker exec -i "$node" docker load -q', 'load', node.containerId, ...missing], { maxBuffer: 16 * 1024 * 1024 });
  }
  return missing;
}

/**
 * Removes the node (what ran in it goes with its namespaces and tmpfs), its network and the
 * cgroup folders its engine made under the host's tree; throws naming anything left. A paused
 * node is removed too (`rm -f` kills a frozen container).
 */
export async function removeEngineNode(node: Pick<EngineNode, 'name'>): Promise<void> {
  await docker('rm', '-f', node.name).catch(() => undefined);
  await docker('network', 'rm', node.name).catch(() => undefined);
  const escaped = node.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const cgroups = await removeCgroupFolders(new RegExp(`^${escaped}$`));
  const containers = await docker('ps', '-aq', '--filter', `name=^${node.name}$`);
  const network = await docker('network', 'inspect', node.name).then(
    () => true,
    () => false,
  );
  const left = [...(containers ? [`container ${node.name}`] : []), ...(network ? [`network ${node.name}`] : []), ...cgroups];
  if (left.length) throw new Error(`the engine node ${node.name} was not removed completely; left: ${left.join(', ')}`);
}
