/**
 * Global setup of the Swarm e2e: the two-node Swarm testbed (server/test/support/swarm-testbed.ts,
 * reused when it is up, removed after when this run created it), an attachable overlay with a
 * two-replica service spread over both nodes, a non-attachable overlay, and a console configured
 * with both nodes' engines. Playwright starts `webServer` before global setup, and this console
 * needs the nodes' addresses, so it is started here. The returned teardown stops the console,
 * checks it left no toolbox on either node, and removes the service and the overlays.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SondeClient } from '@sonde/client';
import { ensureSwarmTestbed, removeSwarmTestbed, restartNodeEngine, swarmTestbedParts, testbedName, type SwarmTestbedNode } from '../../server/test/support/swarm-testbed.js';
import { startConsoleProcess, type ConsoleProcess } from '../support/console-process.js';
import { root } from '../support/environment.js';
import { swarmBaseURL, swarmFixtureFile, swarmInstance, swarmPort, swarmToken, type SwarmFixtures } from '../support/swarm-environment.js';

const TARGET_IMAGE = process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest';
/** Every wait here is bounded: the whole setup gives up after these. */
const TASKS_RUNNING_MS = 90_000;

function on(node: SwarmTestbedNode, ...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: node.engineUrl } }).trim();
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${last instanceof Error ? ` (${last.message})` : ''}`);
    await sleep(500);
  }
}

export default async function swarmSetup(): Promise<() => Promise<void>> {
  execFileSync('bash', [path.join(root, 'scripts/test-fixtures/build-target-image.sh')], { stdio: 'inherit' });
  const testbed = testbedName();
  const existed = (await swarmTestbedParts({ name: testbed })).containers.length > 0;
  const { nodes } = await ensureSwarmTestbed({ name: testbed });
  const [node1, node2] = nodes as [SwarmTestbedNode, SwarmTestbedNode];
  const suffix = Math.random().toString(16).slice(2, 8);
  const overlay = `${swarmInstance}-ov-${suffix}`;
  const closedOverlay = `${swarmInstance}-closed-${suffix}`;
  const service = `${swarmInstance}-web-${suffix}`;
  let sonde: ConsoleProcess | undefined;

  const teardown = async () => {
    const problems: string[] = [];
    await sonde?.stop();
    for (const node of nodes) {
      // A test that failed between killing and restarting node 2's engine left it down.
      await restartNodeEngine(node).catch((error: unknown) => problems.push(`restart ${node.name}: ${String(error)}`));
      const left = on(node, 'ps', '-aq', '--filter', `label=sonde.instance=${swarmInstance}`);
      if (left) {
        problems.push(`toolboxes left on ${node.name}: ${left.split('\n').join(' ')}`);
        on(node, 'rm', '-f', ...left.split('\n'));
      }
    }
    try {
      on(node1, 'service', 'rm', service);
    } catch {
      // Not created: the setup failed before.
    }
    for (const network of [overlay, closedOverlay]) {
      // The tasks' endpoints go a moment after the service.
      await until(`removing ${network}`, 30_000, async () => {
        try {
          on(node1, 'network', 'rm', network);
        } catch (error) {
          if (!/not found/i.test(String(error))) throw error;
        }
        return true;
      }).catch((error: unknown) => problems.push(String(error)));
    }
    if (!existed && !process.env.SONDE_E2E_KEEP_TESTBED) await removeSwarmTestbed({ name: testbed });
    if (problems.length) throw new Error(`Swarm e2e teardown: ${problems.join('; ')}`);
  };

  try {
    on(node1, 'network', 'create', '--driver', 'overlay', '--attachable', overlay);
    on(node1, 'network', 'create', '--driver', 'overlay', closedOverlay);
    // dnsrr: this machine's kernel has no IPVS for service VIPs (scripts/testbed/README.md).
    on(node1, 'service', 'create', '--detach', '--name', service, '--replicas', '2', '--replicas-max-per-node', '1', '--endpoint-mode', 'dnsrr', '--stop-signal', 'KILL', '--network', overlay, TARGET_IMAGE);

    const dataDir = path.join(root, 'test-results/e2e-swarm-data');
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const api = new SondeClient({ baseUrl: swarmBaseURL, token: swarmToken });
    // Ready once both engines answer (health "ok", not "degraded").
    sonde = await startConsoleProcess(
      {
        SONDE_PORT: String(swarmPort),
        SONDE_HOST: '127.0.0.1',
        SONDE_TOKEN: swarmToken,
        SONDE_INSTANCE: swarmInstance,
        SONDE_TOOLBOX_IMAGE: process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest',
        SONDE_DATA_DIR: dataDir,
        SONDE_LOG_LEVEL: 'warn',
        SONDE_ENGINES: JSON.stringify([
          { name: 'node1', host: node1.engineUrl },
          { name: 'node2', host: node2.engineUrl },
        ]),
        SONDE_ENGINE_DEADLINE_MS: '2000',
      },
      async () => (await api.health()).status === 'ok',
    );
    const tasks = await until('both replicas running, one per node', TASKS_RUNNING_MS, async () => {
      const running = (await api.swarmServices()).find((s) => s.name === service)?.tasks.filter((t) => t.state === 'running' && t.containerId && t.engine) ?? [];
      if (running.length !== 2 || new Set(running.map((t) => t.engine)).size !== 2) return undefined;
      const containers = await api.containers();
      const found = running.map((t) => ({
        slot: t.slot ?? 0,
        engine: t.engine!,
        containerName: containers.find((c) => c.id === t.containerId && c.engine === t.engine)?.name ?? '',
        ip: t.addresses.find((a) => a.network === overlay)?.address ?? '',
      }));
      // Each engine lists its task container, and Swarm gave each its overlay address.
      return found.every((t) => t.containerName && t.ip) ? found : undefined;
    });
    const fixtures: SwarmFixtures = {
      testbed,
      service,
      overlay,
      closedOverlay,
      nodes: nodes.map((n, i) => ({ name: n.name, engine: `node${i + 1}`, containerId: n.containerId, address: n.address })),
      tasks,
    };
    mkdirSync(path.dirname(swarmFixtureFile), { recursive: true });
    writeFileSync(swarmFixtureFile, JSON.stringify(fixtures, null, 2));
    return teardown;
  } catch (error) {
    await teardown().catch(() => undefined);
    throw error;
  }
}
