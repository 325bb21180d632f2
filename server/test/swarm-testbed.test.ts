import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET_IMAGE, TOOLBOX_IMAGE, uniqueName } from './support/docker-fixtures.js';
import { ENGINE_PORT, ensureSwarmTestbed, killNodeEngine, restartNodeEngine, type SwarmTestbedNode } from './support/swarm-testbed.js';

const run = promisify(execFile);

/**
 * The Swarm testbed itself, checked with the docker CLI and dockerode against the nested
 * engines (no Sonde code): what the multi-engine and Swarm tests rely on. The first run on a
 * machine builds the node image (about 2 minutes) and loads the images into both nodes.
 */
describe('Swarm testbed: two nested engines in one swarm', () => {
  let manager: SwarmTestbedNode;
  let worker: SwarmTestbedNode;
  let api1: Docker;
  let api2: Docker;
  const overlay = uniqueName('sonde-testbed-overlay');
  const service = uniqueName('sonde-testbed-svc');
  const helper = uniqueName('sonde-testbed-netns');
  let overlayId = '';

  /** The docker CLI against one node's engine. */
  const on = async (node: SwarmTestbedNode, ...args: string[]): Promise<string> =>
    (await run('docker', args, { env: { ...process.env, DOCKER_HOST: node.engineUrl } })).stdout.trim();

  beforeAll(async () => {
    const testbed = await ensureSwarmTestbed();
    [manager, worker] = testbed.nodes as [SwarmTestbedNode, SwarmTestbedNode];
    api1 = new Docker({ host: manager.address, port: ENGINE_PORT, protocol: 'http' });
    api2 = new Docker({ host: worker.address, port: ENGINE_PORT, protocol: 'http' });
  }, 15 * 60_000);

  afterAll(async () => {
    if (!manager) return;
    if (!(await api2.ping().then(() => true, () => false))) await restartNodeEngine(worker);
    await api2.getContainer(helper).remove({ force: true }).catch(() => undefined);
    await on(manager, 'service', 'rm', service).catch(() => undefined);
    // The tasks' containers go within seconds; the overlay can be removed once they have.
    // (expect.poll works only inside a test.)
    const ofService = { all: true, filters: { label: [`com.docker.swarm.service.name=${service}`] } };
    await settle('the service\'s containers to go', async () => (await Promise.all([api1, api2].map((api) => api.listContainers(ofService)))).flat().length === 0);
    await settle(`the overlay ${overlay} to be removed`, () => on(manager, 'network', 'rm', overlay).then(() => true, () => false));
  });

  it('both nodes are Ready, node 1 the manager and node 2 a worker, and each engine knows its own node id', async () => {
    const nodes = (await api1.listNodes()) as SwarmNode[];
    expect(nodes.map((n) => [n.ID, n.Description.Hostname, n.Spec.Role, n.Spec.Availability, n.Status.State, n.Status.Addr]).sort()).toEqual(
      [
        [manager.swarmNodeId, manager.name, 'manager', 'active', 'ready', manager.address],
        [worker.swarmNodeId, worker.name, 'worker', 'active', 'ready', worker.address],
      ].sort(),
    );
    const [info1, info2] = (await Promise.all([api1.info(), api2.info()])) as [{ Swarm: SwarmInfo }, { Swarm: SwarmInfo }];
    expect(info1.Swarm).toMatchObject({ NodeID: manager.swarmNodeId, LocalNodeState: 'active', ControlAvailable: true });
    expect(info2.Swarm).toMatchObject({ NodeID: worker.swarmNodeId, LocalNodeState: 'active', ControlAvailable: false });
    // Cluster state is a manager's: a worker's engine refuses to list nodes.
    await expect(api2.listNodes()).rejects.toThrow(/not a swarm manager/);
  });

  it('a two-replica service on an attachable overlay runs one task per node; the tasks ping each other and tasks.<svc> lists both', async () => {
    await on(manager, 'network', 'create', '--driver', 'overlay', '--attachable', overlay);
    overlayId = (await api1.getNetwork(overlay).inspect()).Id as string;
    // Started before any task of the overlay lands on node 2, so its namespace appears only
    // later: the helper reaches it because the bind mount is rslave (see the last test).
    await startNetnsHelper(overlayId);

    // dnsrr: this kernel has no IPVS, so a service VIP would not route (scripts/testbed/README.md).
    await on(manager, 'service', 'create', '--detach', '--name', service, '--replicas', '2', '--replicas-max-per-node', '1',
      '--endpoint-mode', 'dnsrr', '--stop-signal', 'KILL', '--network', overlay, TARGET_IMAGE);
    const tasks = await runningTasks();
    expect(tasks.map((t) => t.nodeId).sort()).toEqual([manager.swarmNodeId, worker.swarmNodeId].sort());
    const onNode1 = tasks.find((t) => t.nodeId === manager.swarmNodeId)!;
    const onNode2 = tasks.find((t) => t.nodeId === worker.swarmNodeId)!;

    // Across the overlay (VXLAN between the two nodes), from node 1's task to node 2's.
    expect(await on(manager, 'exec', onNode1.containerId, 'ping', '-c', '1', '-W', '2', onNode2.ip)).toMatch(/1 packets received/);
    // Swarm's DNS, from a toolbox attached to the overlay on node 1.
    await expect
      .poll(async () => (await on(manager, 'run', '--rm', '--network', overlay, TOOLBOX_IMAGE, 'dig', '+short', `tasks.${service}`)).split('\n').sort(), { timeout: 15_000 })
      .toEqual([onNode1.ip, onNode2.ip].sort());
  });

  it("a container in node 2's task network namespace (--network container:<task>) sees the task's overlay address", async () => {
    const onNode2 = (await runningTasks()).find((t) => t.nodeId === worker.swarmNodeId)!;
    // Only node 2's engine knows that container: a task's container lives on its node.
    await expect(on(manager, 'container', 'inspect', onNode2.containerId)).rejects.toThrow(/No such container/);
    const addresses = await on(worker, 'run', '--rm', '--network', `container:${onNode2.containerId}`, TARGET_IMAGE, 'ip', '-o', '-4', 'addr', 'show');
    expect(addresses).toContain(`inet ${onNode2.ip}/`);
  });

  it("the overlay's own namespace on node 2, entered with SYS_ADMIN through an rslave bind, shows br0, the vxlan device and node 1 as a peer", async () => {
    const result = await api2.getContainer(helper).wait();
    // A TTY's output: lines end in CRLF.
    const output = (await api2.getContainer(helper).logs({ stdout: true, stderr: true })).toString('utf8').replace(/\r/g, '');
    expect(result.StatusCode, output).toBe(0);
    expect(output).toMatch(/^\d+: br0: .*\n.*\n\s+bridge /m);
    expect(output).toMatch(/vxlan id \d+ .*dstport 4789/);
    // The forwarding database names node 1's address for node 1's task's MAC.
    expect(output).toMatch(new RegExp(`dev vxlan\\d+ dst ${manager.address.replace(/\./g, '\\.')} `));
    // The shell ends up with the toolbox's capabilities only (NET_ADMIN, NET_RAW, SETUID, SETGID).
    expect(output).toContain('CapEff:\t00000000000030c0');
  });

  it("node 2's engine killed: node 1 keeps working and reports node 2 down; restarted, node 2 is Ready again as the same node", async () => {
    const onNode1 = (await runningTasks()).find((t) => t.nodeId === manager.swarmNodeId)!;
    await killNodeEngine(worker);
    // Node 2's engine refuses connections. A ping on a connection kept open from before may
    // first be cut (ECONNRESET) as the engine dies; the next one is refused.
    await expect.poll(() => api2.ping().then(() => 'answered', (error: Error) => error.message), { timeout: 10_000, interval: 200 }).toMatch(/ECONNREFUSED/);
    expect(await on(manager, 'exec', onNode1.containerId, 'echo', 'still here')).toBe('still here');
    await expect.poll(async () => ((await api1.getNode(worker.swarmNodeId).inspect()) as SwarmNode).Status.State, { timeout: 30_000, interval: 500 }).toBe('down');

    await restartNodeEngine(worker);
    await expect.poll(async () => ((await api1.getNode(worker.swarmNodeId).inspect()) as SwarmNode).Status.State, { timeout: 30_000, interval: 500 }).toBe('ready');
    expect(((await api2.info()) as { Swarm: SwarmInfo }).Swarm.NodeID).toBe(worker.swarmNodeId);
  });

  /** The service's running tasks once both run: node id, container id and overlay address. */
  async function runningTasks(): Promise<{ nodeId: string; containerId: string; ip: string }[]> {
    let tasks: SwarmTask[] = [];
    await expect
      .poll(
        async () => {
          tasks = (await api1.listTasks({ filters: { service: [service], 'desired-state': ['running'] } })) as SwarmTask[];
          return tasks.filter((t) => t.Status.State === 'running' && t.Status.ContainerStatus?.ContainerID).length;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(2);
    return tasks.map((t) => {
      const attachment = t.NetworksAttachments?.find((a) => a.Network.ID === overlayId);
      return { nodeId: t.NodeID, containerId: t.Status.ContainerStatus!.ContainerID, ip: attachment?.Addresses[0]?.split('/')[0] ?? '' };
    });
  }

  /**
   * The "network-namespace" helper as researched (scripts/testbed/README.md): no network of
   * its own, the toolbox's capabilities plus SYS_ADMIN (setns) and SETPCAP (to drop both
   * again), the engine's netns folder bound read-only and rslave. It waits for the overlay's
   * namespace `<epoch>-<first 10 characters of the network id>` to appear, enters it and prints
   * what an SRE would look at.
   */
  async function startNetnsHelper(networkId: string): Promise<void> {
    const script = [
      'i=0',
      'while :; do',
      '  set -- /run/sonde/netns/[0-9]*-"$SONDE_NETNS_KEY"',
      // Without propagation a later namespace shows up as an empty file nsenter cannot enter.
      '  [ -e "$1" ] && nsenter --net="$1" true 2>/dev/null && break',
      '  i=$((i + 1)); [ "$i" -lt 300 ] || { echo "no namespace for $SONDE_NETNS_KEY"; ls -l /run/sonde/netns; exit 3; }',
      '  sleep 0.1',
      'done',
      // The peer of node 1 is learnt by gossip moments after the local task joins.
      `exec nsenter --net="$1" setpriv --bounding-set=-sys_admin,-setpcap -- sh -c 'j=0; until bridge fdb show | grep -q " dst "; do j=$((j + 1)); [ "$j" -lt 100 ] || break; sleep 0.1; done; grep CapEff /proc/self/status; ip -d link; bridge fdb show'`,
    ].join('\n');
    const container = await api2.createContainer({
      name: helper,
      Image: TOOLBOX_IMAGE,
      Entrypoint: ['/bin/sh', '-c', script],
      Cmd: [],
      Env: [`SONDE_NETNS_KEY=${networkId.slice(0, 10)}`],
      Tty: true,
      HostConfig: {
        NetworkMode: 'none',
        Init: true,
        CapDrop: ['ALL'],
        CapAdd: ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID', 'SYS_ADMIN', 'SETPCAP'],
        SecurityOpt: ['no-new-privileges'],
        Binds: ['/var/run/docker/netns:/run/sonde/netns:ro,rslave'],
      },
    });
    await container.start();
  }
});

async function settle(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface SwarmNode {
  ID: string;
  Description: { Hostname: string };
  Spec: { Role: string; Availability: string };
  Status: { State: string; Addr: string };
}

interface SwarmInfo {
  NodeID: string;
  LocalNodeState: string;
  ControlAvailable: boolean;
}

interface SwarmTask {
  NodeID: string;
  Status: { State: string; ContainerStatus?: { ContainerID: string } };
  NetworksAttachments?: { Network: { ID: string }; Addresses: string[] }[];
}
