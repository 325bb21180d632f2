import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '@sonde/shared';
import type { Caller } from './support/api-client.js';
import { DockerFixtures, TARGET_IMAGE, TEST_LABEL, docker, uniqueName } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * GET /api/topology against the real engine, on a small Compose-like project this file creates:
 * two services on their network (one publishing a port), and what a viewer, an admin and nobody
 * get. Everything is named sonde-diagnosis-topo-… and removed at the end.
 */
describe('topology map (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  const project = uniqueName('sonde-diagnosis-topo');
  let network: string;
  let web: { id: string; name: string };
  let db: { id: string; name: string };
  let viewer: Caller;

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: uniqueName('sonde-diagnosis-topo-test') });
    network = await fixtures.network(`${project}_default`);
    const compose = (service: string) => ['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${service}`];
    // Published by docker run directly (DockerFixtures has no port option).
    const webName = `${project}-web-1`;
    const webId = await docker('run', '-d', '--name', webName, '--label', TEST_LABEL, ...compose('web'), '--network', network, '-p', '127.0.0.1::80', TARGET_IMAGE);
    web = { id: webId, name: webName };
    db = await fixtures.container({ name: `${project}-db-1`, network, labels: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=db'] });
    viewer = sonde.caller({ token: sonde.app.identities.createToken('sonde-diagnosis-topo-viewer', 'viewer', 'test').secret });
  });

  afterAll(async () => {
    try {
      await sonde?.close();
    } finally {
      if (web) await docker('rm', '-f', web.id).catch(() => undefined);
      await fixtures.dispose();
    }
  });

  /** A refused read: its status and body, compared whole (a client would not send these queries). */
  async function refusal(auth: Record<string, string>, query = ''): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${sonde.baseUrl}/api/topology${query}`, { headers: auth });
    const body: unknown = await response.json();
    return { status: response.status, body };
  }

  it("draws the project's network, both containers with their addresses, the published port, for a viewer", async () => {
    const started = performance.now();
    // The client checks the graph against the shared Topology schema.
    const graph = await viewer.client.topology();
    const elapsed = Math.round(performance.now() - started);
    const networkId = await docker('network', 'inspect', '-f', '{{.Id}}', network);
    const networkNode = graph.nodes.find((n) => n.kind === 'network' && n.dockerId === networkId)!;
    expect(networkNode).toMatchObject({ id: `network:local:${networkId}`, label: network, engine: 'local', driver: 'bridge' });
    for (const [container, service] of [
      [web, 'web'],
      [db, 'db'],
    ] as const) {
      const node = graph.nodes.find((n) => n.kind === 'container' && n.dockerId === container.id)!;
      expect(node).toMatchObject({ label: container.name, project, service, state: 'running' });
      const ip = await fixtures.ipv4(container.id, network);
      expect(graph.edges).toContainEqual({ from: node.id, to: networkNode.id, kind: 'interface', ipv4: ip });
    }
    const hostPort = Number((await docker('port', web.id, '80/tcp')).split(':').pop());
    const port = graph.nodes.find((n) => n.id === `port:local:${web.id}:80/tcp`)!;
    expect(port).toMatchObject({ kind: 'port', label: `80/tcp → 127.0.0.1:${hostPort}`, port: { privatePort: 80, publicPort: hostPort, hostIp: '127.0.0.1' } });
    expect(graph.edges).toContainEqual({ from: `container:local:${web.id}`, to: port.id, kind: 'publishes' });
    expect(graph.edges).toContainEqual({ from: 'engine:local', to: networkNode.id, kind: 'hosts' });
    // An engine's address is for admins, as in GET /api/engines.
    expect(graph.nodes.find((n) => n.id === 'engine:local')).toMatchObject({ kind: 'engine', reachable: true });
    expect(graph.nodes.find((n) => n.id === 'engine:local')!.endpoint).toBeUndefined();
    console.log(`topology read in ${elapsed} ms (${graph.nodes.length} nodes, ${graph.edges.length} edges)`);
  });

  it('shows an admin the engine endpoint, and refuses what it must', async () => {
    const admin = await sonde.client.topology({ engine: 'local' });
    expect(admin.nodes.find((n) => n.id === 'engine:local')!.endpoint).toMatch(/^(unix|tcp|ssh|npipe):\/\//);
    expect(await refusal({})).toMatchObject({ status: 401 });
    await expect(viewer.client.topology({ engine: 'elsewhere' })).rejects.toMatchObject({ status: 404, code: 'ENGINE_NOT_FOUND' });
    expect(await refusal(viewer.auth, '?engine=Not_A_Name')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect(await refusal(viewer.auth, '?other=1')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
  });

  it("draws the containers GET /api/containers lists the caller, less Sonde's toolboxes; the policy decides what may be entered, not what is drawn", async () => {
    // Decided: like every inventory read, the map shows a viewer or operator each container the
    // engine has, refused or not (the policy answers "may I open it", and says why when asked);
    // it never shows more than GET /api/containers does, and leaves out Sonde's own toolboxes.
    const operator = await sonde.newToken('operator', 'sonde-diagnosis-topo-operator');
    // A doctor run's toolbox stands for every toolbox: it lives for the run (seconds), long enough
    // for the reads below; were it gone early, the inventory check fails rather than passing empty.
    const doctor = await sonde.client.createDoctorRun({ target: { kind: 'container', container: web.name } });
    const toolboxIds = (await docker('ps', '-q', '--no-trunc', '--filter', `label=sonde.doctor=${doctor.id}`)).split('\n').filter(Boolean);
    sonde.app.policy.set({ ...DEFAULT_POLICY, operator: { ...DEFAULT_POLICY.operator, denyLabels: ['com.docker.compose.service'] } });
    try {
      expect(toolboxIds).toHaveLength(1);
      await expect(operator.client.createDoctorRun({ target: { kind: 'container', container: db.name } })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      for (const caller of [viewer, operator]) {
        const [graph, listed] = await Promise.all([caller.client.topology(), caller.client.containers()]);
        const drawn = graph.nodes.filter((n) => n.kind === 'container').map((n) => n.dockerId);
        // The toolbox is in the inventory (flagged) but not on the map.
        expect(listed.find((c) => c.id === toolboxIds[0])).toMatchObject({ toolbox: true });
        expect(drawn).not.toContain(toolboxIds[0]);
        expect(graph.nodes.some((n) => n.kind === 'container' && n.label === `sonde-doctor-${doctor.id.slice(0, 12)}`)).toBe(false);
        // Sonde's own toolboxes are not part of anyone's wiring.
        expect(graph.nodes.some((n) => n.label.startsWith('sonde-') && n.kind === 'container' && n.label.includes(sonde.instance))).toBe(false);
        // This project's containers are on both, refused by the policy or not, and nothing else of it.
        const ours = (ids: (string | undefined)[]) => ids.filter((id) => id === web.id || id === db.id).sort();
        expect(ours(drawn)).toEqual([web.id, db.id].sort());
        expect(ours(listed.map((c) => c.id))).toEqual([web.id, db.id].sort());
        const projectDrawn = graph.nodes.filter((n) => n.kind === 'container' && n.project === project).map((n) => n.dockerId);
        expect(projectDrawn.length).toBeGreaterThanOrEqual(2);
        expect(projectDrawn.every((id) => listed.some((c) => c.id === id))).toBe(true);
      }
    } finally {
      sonde.app.policy.set(DEFAULT_POLICY);
      await sonde.client.cancelDoctorRun(doctor.id);
    }
  });

  it('follows a change: a container that joins appears on the next read', async () => {
    const late = await fixtures.container({ name: `${project}-cache-1`, network });
    const graph = await viewer.client.topology();
    expect(graph.nodes.find((n) => n.dockerId === late.id)).toMatchObject({ kind: 'container', label: late.name });
  });
});
