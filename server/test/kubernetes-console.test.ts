import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecording, startReplay, type ReplayServer } from './support/kube-replay.js';
import { openTerminal } from './support/terminal-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * A whole console whose one engine is a Kubernetes cluster, configured as an operator would
 * (SONDE_ENGINES with a kubeconfig and a context), against the recorded exchanges of
 * fixtures/kubernetes/console.json: the engine monitor's watches, the inventory routes, a pod
 * session opened and typed into through the console's own terminal socket, a tool run, and the
 * targets the resolver refuses. The recording holds every call the console makes, no more.
 */
describe('a console with a Kubernetes engine (recorded exchanges)', () => {
  let replay: ReplayServer;
  let sonde: TestConsole;
  const printed: string[] = [];

  beforeAll(async () => {
    replay = await startReplay(loadRecording('console'));
    sonde = await startConsole(
      {
        SONDE_ENGINES: JSON.stringify([{ name: 'prod', kind: 'kubernetes', kubeconfig: replay.kubeconfig, context: 'replay', namespace: 'sonde' }]),
        SONDE_INSTANCE: 'ci',
        // Pulls on, for an image no engine has: a Kubernetes engine is still left alone (its
        // kubelets pull). The engine list (no toolboxImage), the terminal and the recording
        // (exactly its calls) show it; no Docker engine is configured, so nothing else pulls.
        SONDE_TOOLBOX_PULL: 'missing',
        SONDE_TOOLBOX_IMAGE: 'nicolaka/netshoot',
      },
      { print: (line) => printed.push(line) },
    );
  });

  afterAll(async () => {
    await sonde?.close();
    await replay?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sonde.baseUrl}${path}`, { method, headers: { ...sonde.auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      reply = undefined;
    }
    return { status: response.status, body: reply };
  };

  it('says what the engine is, and lists namespaces, pods, nodes and services from its watches', async () => {
    // The monitor's watches are open (the inventory comes from their caches).
    await expect.poll(() => replay.unused().filter((note) => /^watch (namespaces|pods|nodes|services|EndpointSlices) /.test(note)), { timeout: 10_000 }).toEqual([]);
    await expect.poll(async () => (await api('GET', '/api/engines')).body, { timeout: 10_000 }).toEqual([{ name: 'prod', kind: 'kubernetes', reachable: true, version: 'v1.31.4', source: 'configured', endpoint: replay.url }]);
    expect(sonde.app.toolboxImages.status('prod')).toBeUndefined();
    expect(printed.filter((line) => /pull/.test(line))).toEqual([]);
    expect(((await api('GET', '/api/kubernetes/namespaces')).body as { name: string }[]).map((n) => n.name)).toEqual(['kube-system', 'shop', 'vault']);
    const pods = (await api('GET', '/api/kubernetes/pods?engine=prod&namespace=shop')).body as { name: string; containers: { name: string }[] }[];
    expect(pods.map((p) => p.name)).toEqual(['cart-7d9f', 'web-5c6b']);
    expect(((await api('GET', '/api/kubernetes/nodes')).body as { name: string; ready: boolean }[]).map((n) => [n.name, n.ready])).toEqual([['worker-1', true], ['worker-2', true], ['worker-3', false]]);
    expect(((await api('GET', '/api/kubernetes/services')).body as { endpoints: unknown[] }[])[0]?.endpoints).toHaveLength(2);
    // A Kubernetes engine has no Docker containers or networks: it adds none, and is not "unreachable" for it.
    const containers = await fetch(`${sonde.baseUrl}/api/containers`, { headers: sonde.auth });
    expect(await containers.json()).toEqual([]);
    expect(containers.headers.get('x-sonde-unreachable')).toBeNull();
  });

  it('opens a session in a pod through the same session API and terminal socket as Docker, and ends it', async () => {
    const { info, term } = await openTerminal(sonde, { kind: 'pod', namespace: 'shop', pod: 'cart-7d9f' });
    expect(info.target).toEqual({ kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart-7d9f', podUid: 'uid-cart', container: 'cart', node: 'worker-1' });
    expect(info.toolbox.image).toBe('nicolaka/netshoot');
    term.resize(120, 40);
    await term.waitFor(/cart-7d9f:~# $/);
    term.send('echo $HOSTNAME\r');
    await term.waitFor(/echo \$HOSTNAME\r\ncart-7d9f\r\ncart-7d9f:~# $/);
    expect((await api('DELETE', `/api/sessions/${info.id}`)).status).toBe(204);
    await term.waitClosed();
  });

  it('runs a catalog tool in the pod (argv only, the run terminal size) and reports its result', async () => {
    const created = await api('POST', '/api/runs', { tool: 'resolver-config', target: { kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart-7d9f' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { id: string }).id;
    await expect.poll(async () => ((await api('GET', `/api/runs/${id}`)).body as { state: string }).state, { timeout: 10_000 }).toBe('exited');
    expect((await api('GET', `/api/runs/${id}`)).body).toMatchObject({ exitCode: 0, argv: ['head', '-v', '-n', '500', '--', '/etc/resolv.conf', '/etc/hosts'] });
  });

  it('refuses pods in namespaces labelled sonde.deny=true and nodes that are not ready, before anything starts', async () => {
    expect(await api('POST', '/api/sessions', { target: { kind: 'pod', namespace: 'vault', pod: 'secrets-0' } })).toMatchObject({ status: 403, body: { error: { code: 'TARGET_NOT_ALLOWED' } } });
    expect(await api('POST', '/api/sessions', { target: { kind: 'node', node: 'worker-3' } })).toMatchObject({ status: 409, body: { error: { code: 'TARGET_NOT_RUNNING' } } });
    // Docker targets on a Kubernetes engine are a client mistake, said as such, with no API call.
    expect(await api('POST', '/api/sessions', { target: { kind: 'container', container: 'web' } })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', message: expect.stringContaining('is a Kubernetes cluster') } } });
  });

  it('made exactly the recorded calls', async () => {
    await replay.scriptsDone();
    expect(replay.problems()).toEqual([]);
    expect(replay.unused()).toEqual([]);
  });
});
