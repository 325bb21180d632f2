import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TARGET_IMAGE, uniqueName } from './support/docker-fixtures.js';
import { ensureSwarmTestbed, killNodeEngine, restartNodeEngine, type SwarmTestbedNode } from './support/swarm-testbed.js';
import type { Caller } from './support/api-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

const run = promisify(execFile);

/**
 * Issue 12 against a real two-node Swarm of nested engines (support/swarm-testbed.ts): a console
 * on this machine configured with both nodes' engines shows both hosts, the service and where its
 * tasks run, opens shells into tasks on either node, into an attachable overlay and into the
 * overlay's own namespace, runs iperf3 between tasks on two nodes, and survives one engine dying.
 */
describe('many engines and a Swarm (real nested engines)', () => {
  let sonde: TestConsole;
  let node1: SwarmTestbedNode;
  let node2: SwarmTestbedNode;
  let operator: Caller;
  const overlay = uniqueName('sonde-swarm-overlay');
  const service = uniqueName('sonde-swarm-web');
  const tasks: { slot: number; engine: string; containerId: string; containerName: string; ip: string }[] = [];

  const on = async (node: SwarmTestbedNode, ...args: string[]): Promise<string> =>
    (await run('docker', args, { env: { ...process.env, DOCKER_HOST: node.engineUrl } })).stdout.trim();


  beforeAll(async () => {
    const testbed = await ensureSwarmTestbed();
    [node1, node2] = testbed.nodes as [SwarmTestbedNode, SwarmTestbedNode];
    await on(node1, 'network', 'create', '--driver', 'overlay', '--attachable', overlay);
    // dnsrr: this machine's kernel has no IPVS for service VIPs (scripts/testbed/README.md).
    await on(node1, 'service', 'create', '--detach', '--name', service, '--replicas', '2', '--replicas-max-per-node', '1', '--endpoint-mode', 'dnsrr', '--stop-signal', 'KILL', '--network', overlay, TARGET_IMAGE);
    sonde = await startConsole({
      SONDE_ENGINES: JSON.stringify([
        { name: 'node1', host: node1.engineUrl },
        { name: 'node2', host: node2.engineUrl },
      ]),
      SONDE_ENGINE_DEADLINE_MS: '2000',
    });
    operator = await sonde.newToken('operator', 'swarm-operator');
    // Both engines answer and know their place in the Swarm.
    await vi.waitFor(async () => expect((await sonde.client.engines()).filter((e) => e.swarm)).toHaveLength(2), { timeout: 20_000, interval: 250 });
    await vi.waitFor(
      async () => {
        const services = await sonde.client.swarmServices();
        const running = services.find((s) => s.name === service)?.tasks.filter((t) => t.state === 'running' && t.containerId) ?? [];
        expect(running).toHaveLength(2);
        tasks.length = 0;
        for (const t of running) {
          const containers = await sonde.client.containers({ engine: t.engine! });
          tasks.push({ slot: t.slot!, engine: t.engine!, containerId: t.containerId!, containerName: containers.find((c) => c.id === t.containerId)!.name, ip: t.addresses.find((a) => a.network === overlay)!.address });
        }
      },
      { timeout: 60_000, interval: 500 },
    );
  }, 20 * 60_000);

  afterAll(async () => {
    if (!node1) return;
    if (sonde) {
      const instance = sonde.instance;
      await sonde.close();
      // Every toolbox on every node is gone.
      for (const node of [node1, node2]) {
        await restartNodeEngine(node).catch(() => undefined);
        expect(await on(node, 'ps', '-aq', '--filter', `label=sonde.instance=${instance}`)).toBe('');
      }
    }
    await on(node1, 'service', 'rm', service).catch(() => undefined);
    for (let i = 0; i < 60 && (await on(node1, 'network', 'rm', overlay).then(() => false, () => true)); i++) await new Promise((r) => setTimeout(r, 500));
  }, 120_000);

  const onNode = (engine: string) => tasks.find((t) => t.engine === engine)!;

  it('lists both engines, their Swarm roles, the nodes and where the tasks run; addresses for admins only', async () => {
    const engines = await sonde.client.engines();
    expect(engines).toEqual([
      expect.objectContaining({ name: 'node1', reachable: true, source: 'configured', endpoint: node1.engineUrl, swarm: { nodeId: node1.swarmNodeId, role: 'manager', clusterId: expect.any(String) } }),
      expect.objectContaining({ name: 'node2', reachable: true, source: 'configured', endpoint: node2.engineUrl, swarm: { nodeId: node2.swarmNodeId, role: 'worker' } }),
    ]);
    const asOperator = await operator.client.engines();
    expect(asOperator.map((e) => e.endpoint)).toEqual([undefined, undefined]);
    const nodes = await sonde.client.swarmNodes();
    expect(nodes.map((n) => [n.hostname, n.role, n.engine, n.state]).sort()).toEqual(
      [
        [node1.name, 'manager', 'node1', 'ready'],
        [node2.name, 'worker', 'node2', 'ready'],
      ].sort(),
    );
    expect(tasks.map((t) => t.engine).sort()).toEqual(['node1', 'node2']);
    // The inventory carries each object's engine, and filters by it.
    const containers = await sonde.client.containers();
    for (const t of tasks) expect(containers.find((c) => c.id === t.containerId)).toMatchObject({ engine: t.engine, swarm: { service } });
    expect((await sonde.client.containers({ engine: 'node2' })).every((c) => c.engine === 'node2')).toBe(true);
    expect((await sonde.client.networks({ engine: 'node1' })).find((n) => n.name === overlay)).toMatchObject({ attachable: true });
  });

  it('a target must name its engine when there are several, and an unknown engine is 404', async () => {
    await expect(sonde.client.createSession({ kind: 'host' })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('target.engine is required') });
    await expect(sonde.client.createSession({ kind: 'host', engine: 'nowhere' })).rejects.toMatchObject({ status: 404, code: 'ENGINE_NOT_FOUND' });
    await expect(sonde.client.containers({ engine: 'nowhere' })).rejects.toMatchObject({ status: 404, code: 'ENGINE_NOT_FOUND' });
  });

  it("a session into a task on node 2, asked of the manager, opens on node 2's engine and shows that task's overlay address", async () => {
    const far = onNode('node2');
    const opened = await operator.client.createSession({ kind: 'task', engine: 'node1', service, slot: far.slot });
    expect(opened.target).toMatchObject({ kind: 'container', engine: 'node2', containerId: far.containerId, task: { service, slot: far.slot, manager: 'node1' } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${opened.ttyPath}`, operator.auth);
    expect(await term.run('ip -4 -o addr show | cat')).toContain(`inet ${far.ip}/`);
    // Across the overlay to the task on node 1.
    expect(await term.run(`ping -c 1 -W 3 ${onNode('node1').ip} | tail -2`)).toMatch(/1 received/);
    term.close();
    await operator.client.endSession(opened.id);
    // By task id too.
    const services = await sonde.client.swarmServices();
    const taskId = services.find((s) => s.name === service)!.tasks.find((t) => t.containerId === far.containerId)!.id;
    const byId = await operator.client.createSession({ kind: 'task', engine: 'node1', task: taskId });
    expect(byId.target).toMatchObject({ engine: 'node2', containerId: far.containerId });
    await operator.client.endSession(byId.id);
    // A worker cannot say where tasks run.
    await expect(operator.client.createSession({ kind: 'task', engine: 'node2', service, slot: far.slot })).rejects.toMatchObject({ code: 'NOT_SWARM_MANAGER' });
  });

  it('a session that joins the attachable overlay resolves tasks.<service> to both replicas and reaches both nodes', async () => {
    const opened = await operator.client.createSession({ kind: 'network', engine: 'node1', network: overlay });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${opened.ttyPath}`, operator.auth);
    await vi.waitFor(async () => expect((await term.run(`dig +short tasks.${service} | sort`)).trim().split(/\s+/).filter(Boolean)).toEqual(tasks.map((t) => t.ip).sort()), {
      timeout: 20_000,
      interval: 1000,
    });
    expect(await term.run(`ping -c 1 -W 3 ${onNode('node2').ip} | tail -2`)).toMatch(/1 received/);
    term.close();
    await operator.client.endSession(opened.id);
  });

  it("the overlay's own namespace on node 2 shows its bridge, its VXLAN device and node 1 as a peer; admins only by default", async () => {
    const target = { kind: 'network-namespace', engine: 'node2', network: overlay } as const;
    await expect(operator.client.createSession(target)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/own namespace is not allowed/) });
    const opened = await sonde.client.createSession(target);
    expect(opened.target).toMatchObject({ kind: 'network-namespace', engine: 'node2', networkName: overlay });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${opened.ttyPath}`, sonde.auth);
    const links = await term.run('ip -d link | cat');
    expect(links).toMatch(/br0:/);
    expect(links).toMatch(/vxlan id \d+/);
    await vi.waitFor(async () => expect(await term.run('bridge fdb show | cat')).toContain(`dst ${node1.address}`), { timeout: 15_000, interval: 1000 });
    // What entering needed is gone from the shell: only the toolbox's capabilities are left.
    expect(await term.run('grep --color=never CapEff /proc/self/status')).toMatch(/CapEff:\s+00000000000030c0/);
    term.close();
    await sonde.client.endSession(opened.id);
  });

  it('iperf3 between the tasks on two nodes measures a throughput, and both toolboxes go', async () => {
    const near = onNode('node1');
    const far = onNode('node2');
    const started = await operator.client.createRun({ tool: 'iperf3', target: { kind: 'task', engine: 'node1', service, slot: near.slot }, params: { server: far.containerName, seconds: 2 } });
    expect(started.peer).toMatchObject({ containerId: far.containerId, address: far.ip });
    await vi.waitFor(async () => expect((await operator.client.run(started.id)).state).toBe('exited'), { timeout: 60_000, interval: 500 });
    const done = await operator.client.run(started.id);
    expect(done.exitCode).toBe(0);
    expect(done.result).toMatchObject({ kind: 'throughput' });
    for (const node of [node1, node2]) expect(await on(node, 'ps', '-aq', '--filter', `label=sonde.run=${started.id}`)).toBe('');
  });

  it("node 2's engine dying ends only what runs there, leaves node 1 working, and the inventory answers without waiting for it", async () => {
    const far = await operator.client.createSession({ kind: 'task', engine: 'node1', service, slot: onNode('node2').slot });
    const near = await operator.client.createSession({ kind: 'task', engine: 'node1', service, slot: onNode('node1').slot });
    const farTerm = await TerminalClient.connect(`${sonde.wsUrl}${far.ttyPath}`, operator.auth);
    const nearTerm = await TerminalClient.connect(`${sonde.wsUrl}${near.ttyPath}`, operator.auth);
    await killNodeEngine(node2);
    try {
      expect((await farTerm.waitClosed(20_000)).code).toBe(4000);
      expect(farTerm.controlsOf('exit')[0]?.reason).toBe('the connection to Docker was lost');
      expect(await nearTerm.run('echo still-here')).toContain('still-here');
      await vi.waitFor(async () => expect((await sonde.client.engines()).find((e) => e.name === 'node2')).toMatchObject({ reachable: false, error: expect.any(String) }), {
        timeout: 20_000,
        interval: 500,
      });
      const started = Date.now();
      const containers = await sonde.client.containerListing();
      const took = Date.now() - started;
      expect(containers.unreachable).toEqual(['node2']);
      expect(containers.items.every((c) => c.engine === 'node1')).toBe(true);
      expect(took).toBeLessThan(2000 + 1500);
      expect(await sonde.client.health()).toMatchObject({ status: 'degraded', engines: [{ name: 'node1', reachable: true }, { name: 'node2', reachable: false }] });
    } finally {
      await restartNodeEngine(node2);
    }
    await vi.waitFor(async () => expect((await sonde.client.engines()).find((e) => e.name === 'node2')).toMatchObject({ reachable: true }), { timeout: 30_000, interval: 500 });
    await vi.waitFor(async () => expect((await sonde.client.containers({ engine: 'node2' })).length).toBeGreaterThan(0), { timeout: 30_000, interval: 500 });
    nearTerm.close();
    await operator.client.endSession(near.id);
  });
});
