import { afterEach, describe, expect, it } from 'vitest';
import type { Duplex } from 'node:stream';
import type { ResolvedTarget } from '@sonde/shared';
import { KubernetesEngine } from '../src/engine/kubernetes-engine.js';
import { EngineError } from '../src/engine/types.js';
import { buildToolboxSpec } from '../src/toolboxes/toolbox-spec.js';
import { loadRecording, startReplay, type ReplayServer } from './support/kube-replay.js';

/**
 * The Kubernetes engine against recorded API exchanges (server/test/fixtures/kubernetes): the
 * real @kubernetes/client-node, configured by a kubeconfig file, talks HTTPS and websockets to a
 * replay server that answers only what the recording has. Every test ends by asserting that the
 * client made exactly the recorded calls: nothing else (problems) and nothing less (unused).
 */

let replay: ReplayServer | undefined;
const engines: KubernetesEngine[] = [];

async function cluster(recording: string): Promise<{ engine: KubernetesEngine; replay: ReplayServer }> {
  replay = await startReplay(loadRecording(recording));
  const engine = new KubernetesEngine({ name: 'prod', kubeconfig: replay.kubeconfig, context: 'replay', instance: 'ci', podCapabilities: ['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID'], startTimeoutMs: 5000 });
  engines.push(engine);
  return { engine, replay };
}

const settings = { image: 'sonde-toolbox:latest', kubernetesImage: 'nicolaka/netshoot', instance: 'ci', limits: { memoryBytes: 512 * 1024 * 1024, pids: 512, nanoCpus: 1e9 } };
const POD: ResolvedTarget = { kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart-7d9f', podUid: 'uid-cart', container: 'cart', node: 'worker-1' };
const NODE: ResolvedTarget = { kind: 'node', engine: 'prod', node: 'worker-2' };
const id = (n: number) => String(n).repeat(32).slice(0, 32);

/** Reads a stream until its output (since the last call) contains `text`. */
function reader(stream: Duplex): (text: string) => Promise<string> {
  let seen = '';
  const waiting: { text: string; resolve: (s: string) => void }[] = [];
  stream.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8');
    for (const w of [...waiting]) {
      const at = seen.indexOf(w.text);
      if (at >= 0) {
        waiting.splice(waiting.indexOf(w), 1);
        const got = seen.slice(0, at + w.text.length);
        seen = seen.slice(at + w.text.length);
        w.resolve(got);
      }
    }
  });
  return (text) =>
    new Promise((resolve, reject) => {
      const at = seen.indexOf(text);
      if (at >= 0) {
        const got = seen.slice(0, at + text.length);
        seen = seen.slice(at + text.length);
        resolve(got);
        return;
      }
      waiting.push({ text, resolve });
      setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} within 5 s (have ${JSON.stringify(seen)})`)), 5000).unref();
    });
}

function ended(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (stream.readableEnded) resolve();
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
}

function exactly(server: ReplayServer): void {
  expect(server.problems()).toEqual([]);
  expect(server.unused()).toEqual([]);
}

afterEach(async () => {
  await replay?.close();
  replay = undefined;
});

describe('Kubernetes engine: inventory and reads (recorded exchanges)', () => {
  it('reads the version, lists and reads objects in Sonde terms, and maps API errors to engine errors', async () => {
    const { engine, replay } = await cluster('inventory');
    expect(engine.endpoint).toBe(replay.url);
    expect(await engine.info()).toEqual({ version: 'v1.31.4' });

    const namespaces = await engine.listNamespaces();
    expect(namespaces.map((n) => n.name)).toEqual(['kube-system', 'shop', 'vault']);
    expect(namespaces[2]).toMatchObject({ engine: 'prod', phase: 'Active', labels: { 'sonde.deny': 'true' } });

    const pods = await engine.listPods();
    expect(pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['kube-system/coredns-6f6b', 'shop/cart-7d9f', 'shop/web-5c6b', 'vault/secrets-0']);
    const cart = pods[1]!;
    expect(cart).toMatchObject({ engine: 'prod', uid: 'uid-cart', phase: 'Running', node: 'worker-1', podIP: '10.244.1.17', hostNetwork: false, defaultContainer: 'cart', toolbox: false });
    expect(cart.containers).toEqual([
      { name: 'cart', image: 'shop/cart:1.4', state: 'running', ready: true, restartCount: 0, role: 'main', toolbox: false },
      { name: 'envoy', image: 'envoyproxy/envoy:v1.32', state: 'running', ready: true, restartCount: 0, role: 'main', toolbox: false },
    ]);
    expect((await engine.listPods('shop')).map((p) => p.name)).toEqual(['cart-7d9f', 'web-5c6b']);

    const nodes = await engine.listNodes();
    expect(nodes.map((n) => [n.name, n.ready])).toEqual([['worker-1', true], ['worker-2', true], ['worker-3', false]]);
    expect(nodes[0]).toMatchObject({ addresses: [{ type: 'InternalIP', address: '192.168.49.3' }, { type: 'Hostname', address: 'worker-1' }], kubeletVersion: 'v1.31.4', unschedulable: false });

    const services = await engine.listServices();
    expect(services).toEqual([
      {
        engine: 'prod',
        namespace: 'shop',
        name: 'cart',
        type: 'ClusterIP',
        clusterIP: '10.96.12.34',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: '8080' }],
        selector: { app: 'cart' },
        labels: { app: 'cart' },
        endpoints: [
          { addresses: ['10.244.1.17'], ready: true, pod: 'cart-7d9f', node: 'worker-1' },
          { addresses: ['10.244.2.11'], ready: false, pod: 'cart-9a1c', node: 'worker-2' },
        ],
      },
    ]);

    expect(await engine.readPod('shop', 'cart-7d9f')).toMatchObject({ name: 'cart-7d9f', uid: 'uid-cart' });
    expect(await engine.readPod('shop', 'gone-1')).toBeUndefined();
    expect(await engine.readNamespace('vault')).toMatchObject({ name: 'vault', labels: { 'sonde.deny': 'true' } });
    expect(await engine.readNode('worker-3')).toMatchObject({ name: 'worker-3', ready: false });
    const forbidden = await engine.readNode('worker-1').catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(EngineError);
    expect(forbidden).toMatchObject({ kind: 'failed', statusCode: 403, message: expect.stringContaining('cannot get resource "nodes"') });

    expect(await engine.listToolboxes({ 'sonde.managed': 'true', 'sonde.instance': 'ci' })).toEqual([]);
    await engine.removeContainer('pod/sonde/sonde-gone');
    exactly(replay);
  });
});

describe('Kubernetes engine: sessions (recorded exchanges)', () => {
  it('adds its ephemeral container to a pod once, execs a shell per session in it, and kills each shell when its session ends', async () => {
    const { engine, replay } = await cluster('pod-sessions');
    const first = await engine.startToolbox(buildToolboxSpec(id(1), POD, settings));
    const fromFirst = reader(first.stream);
    await fromFirst('cart-7d9f:~# ');
    first.stream.write('echo $HOSTNAME\r');
    expect(await fromFirst('cart-7d9f:~# ')).toBe('echo $HOSTNAME\r\ncart-7d9f\r\ncart-7d9f:~# ');
    await first.resize(120, 40);

    // A second session in the same pod: the pod is read, the ephemeral container reused (no patch).
    const second = await engine.startToolbox(buildToolboxSpec(id(2), POD, settings));
    const fromSecond = reader(second.stream);
    await fromSecond('cart-7d9f:~# ');
    second.stream.write('exit\r');
    await ended(second.stream);
    expect(await second.exitCode()).toBe(3);

    await engine.removeContainer(first.id);
    await engine.removeContainer(second.id);
    await ended(first.stream);
    await replay.scriptsDone();
    exactly(replay);
  });
});

describe('Kubernetes engine: node sessions (recorded exchanges)', () => {
  it('starts a hostNetwork pod pinned to the node, attaches, sends the go line, reads the exit code, deletes the pod', async () => {
    const { engine, replay } = await cluster('node-session');
    const toolbox = await engine.startToolbox(buildToolboxSpec(id(3), NODE, settings));
    expect(toolbox.id).toMatch(/^pod\/sonde\/sonde-3{32}$/);
    const read = reader(toolbox.stream);
    await read('root@worker-2:/# ');
    toolbox.stream.write('exit\r');
    await ended(toolbox.stream);
    expect(await toolbox.exitCode()).toBe(0);
    await engine.removeContainer(toolbox.id);
    await replay.scriptsDone();
    exactly(replay);
  });
});

describe('Kubernetes engine: watches (recorded exchanges)', () => {
  it('lists and watches namespaces, pods, nodes, services and EndpointSlices; serves the inventory from the caches; pods that fail or go end what lives in them', async () => {
    const { engine, replay } = await cluster('watches');
    const stream = await engine.openEvents();
    const events: unknown[] = [];
    stream.onEvent((e) => events.push(e));
    await expect.poll(() => events.length, { timeout: 5000 }).toBe(5);
    expect(events).toEqual(
      expect.arrayContaining([
        { kind: 'namespace', action: 'create', id: 'payments' },
        { kind: 'pod', action: 'create', id: 'uid-web-new' },
        { kind: 'pod', action: 'update', id: 'uid-cart', ends: true },
        { kind: 'pod', action: 'destroy', id: 'uid-web', ends: true },
        { kind: 'service', action: 'update', id: 'shop/cart' },
      ]),
    );
    // From the caches: no further calls (the recording has none).
    expect((await engine.listNamespaces()).map((n) => n.name)).toEqual(['kube-system', 'payments', 'shop', 'vault']);
    expect((await engine.listPods('shop')).map((p) => [p.name, p.phase])).toEqual([['cart-7d9f', 'Failed'], ['web-8e2f', 'Pending']]);
    expect((await engine.listServices('shop'))[0]?.endpoints).toHaveLength(2);
    let endedWith: Error | undefined | 'not yet' = 'not yet';
    stream.onEnd((error) => (endedWith = error));
    stream.close();
    expect(endedWith).toBeUndefined();
    exactly(replay);
  });
});

describe('Kubernetes engine: streams, runs to completion, exec (recorded exchanges)', () => {
  it('keeps pcap bytes apart from stderr, ends input with a v5 close frame (and not on v4), and runs argv in an idle node pod', async () => {
    const { engine, replay } = await cluster('streams');
    const capture = await engine.startStreamingToolbox(buildToolboxSpec(id(4), POD, settings, { entrypoint: ['tcpdump', '-i', 'eth0', '-U', '-w', '-', '-c', '10', '--', 'port 8080'], capabilities: ['NET_RAW'] }));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    capture.stdout.on('data', (c: Buffer) => out.push(c));
    capture.stderr.on('data', (c: Buffer) => err.push(c));
    await new Promise((resolve) => capture.stdout.once('end', resolve));
    expect(Buffer.concat(out).toString('hex')).toBe(`d4c3b2a1020004000000000000000000ffff0000010000005f0d7567000000003c0000003c000000${Buffer.from([...Array(60).keys()]).toString('hex')}`);
    expect(Buffer.concat(err).toString()).toBe('tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n1 packet captured\n');
    expect(await capture.exitCode()).toBe(0);
    await engine.removeContainer(capture.id);

    const restored = await engine.runToCompletion(buildToolboxSpec(id(5), POD, settings, { entrypoint: ['iptables-restore', '--noflush'] }), { stdin: '*filter\nCOMMIT\n', timeoutMs: 5000, maxOutputBytes: 1024 });
    expect(restored).toEqual({ exitCode: 0, stdout: Buffer.from('restored\n'), stderr: Buffer.alloc(0), truncated: false });
    const v4 = await engine.runToCompletion(buildToolboxSpec(id(6), POD, settings, { entrypoint: ['cat'] }), { stdin: 'hello', timeoutMs: 5000, maxOutputBytes: 3 });
    expect(v4).toEqual({ exitCode: 137, stdout: Buffer.from('hel'), stderr: Buffer.alloc(0), truncated: true });

    const idle = await engine.startIdleToolbox(buildToolboxSpec(id(9), NODE, settings, { name: 'sonde-doctor-0badcafe', labels: { 'sonde.purpose': 'doctor' } }));
    const result = await engine.exec(idle, ['ip', '-brief', 'address'], { timeoutMs: 5000, maxOutputBytes: 4096 });
    expect(result).toMatchObject({ exitCode: 0, stdout: Buffer.from('lo UNKNOWN 127.0.0.1/8\neth0 UP 192.168.49.4/24\n'), stderr: Buffer.from('a warning\n'), truncated: false, timedOut: false });
    await engine.removeContainer(idle);
    await replay.scriptsDone();
    exactly(replay);
  });
});

describe('Kubernetes engine: failures (recorded exchanges)', () => {
  it('reports RBAC refusals and images the kubelet cannot pull, and leaves no pod behind', async () => {
    const { engine, replay } = await cluster('failures');
    const refused = await engine.startToolbox(buildToolboxSpec(id(7), POD, settings)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'failed', statusCode: 403, message: expect.stringContaining('cannot patch resource "pods/ephemeralcontainers"') });
    const unpulled = await engine.startToolbox(buildToolboxSpec(id(8), NODE, settings)).catch((e: unknown) => e);
    expect(unpulled).toBeInstanceOf(EngineError);
    expect(unpulled).toMatchObject({ kind: 'image-missing', message: expect.stringContaining('ErrImagePull') });
    exactly(replay);
  });

  it('fails a test on any call the recording does not have', async () => {
    const { engine, replay } = await cluster('inventory');
    await expect(engine.readPod('shop', 'not-recorded')).rejects.toThrow(/not in the recording/);
    expect(replay.problems()).toEqual(['not in the recording: GET /api/v1/namespaces/shop/pods/not-recorded {}']);
    expect(replay.unused()).toHaveLength(14);
  });
});
