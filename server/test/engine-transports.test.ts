import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DockerFixtures, TARGET_IMAGE, TEST_LABEL, TOOLBOX_IMAGE, uniqueName } from './support/docker-fixtures.js';
import { makeCertificateAuthority, makeClientDirectory, makeServerCertificate } from './support/engine-certificates.js';
import { loadImages, removeEngineNode, startEngineNode, startNodeEngine, startNodeSshd, type EngineNode } from './support/engine-node.js';
import { SshAgent } from './support/ssh-agent.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { openTerminal } from './support/terminal-client.js';

const run = promisify(execFile);

/** How long the consoles here wait for one engine (SONDE_ENGINE_DEADLINE_MS), and what a reply may take beyond it. */
const DEADLINE_MS = 1500;
const MARGIN_MS = 1000;

/**
 * Engines reached the two remote ways SONDE_ENGINES offers, against a real nested engine (the
 * Swarm testbed's node image, run alone): `tcp://…:2376` with TLS client certificates made here
 * with openssl, and `ssh://root@…` with a key in an ssh-agent of the test's own and the node's
 * host key in a known_hosts file. Sessions open on containers there; a wrong certificate, an
 * unknown host key and a paused (hung) engine each leave the local engine working.
 */
describe("engines over TLS and ssh (a nested engine of the test's own)", () => {
  const fixtures = new DockerFixtures();
  let dir: string;
  let node: EngineNode | undefined;
  let agent: SshAgent | undefined;
  let secureUrl: string;
  let clientDir: string;
  let wrongClientDir: string;
  let knownHosts: string;
  let remoteTarget: { name: string; ip: string };
  let localTarget: { name: string };
  const consoles: TestConsole[] = [];

  /** The docker CLI inside the node, against its own engine (unix socket). */
  const onNode = async (...args: string[]): Promise<string> => (await run('docker', ['exec', node!.containerId, 'docker', ...args])).stdout.trim();

  async function open(engines: object[], env: Record<string, string> = {}): Promise<TestConsole> {
    const sonde = await startConsole({
      SONDE_ENGINES: JSON.stringify(engines),
      SONDE_ENGINE_DEADLINE_MS: String(DEADLINE_MS),
      SSH_AUTH_SOCK: agent!.socket,
      SONDE_SSH_KNOWN_HOSTS: knownHosts,
      ...env,
    });
    consoles.push(sonde);
    return sonde;
  }

  /** What a call answered, and how long it took. */
  async function timed<T>(call: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await call;
    return { value, ms: performance.now() - started };
  }

  /** A shell on `target` of `engine`: its eth0 address, then the toolbox is gone from that engine once the session is deleted. */
  async function sessionShows(sonde: TestConsole, engine: string, container: string): Promise<string> {
    const { info, term } = await openTerminal(sonde, { kind: 'container', engine, container });
    expect(info.target).toMatchObject({ kind: 'container', engine, containerName: container });
    const address = (await term.run("ip -4 -o addr show eth0 | awk '{print $4}'", 30_000)).trim();
    term.close();
    await sonde.client.endSession(info.id);
    return address;
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sonde-transport-'));
    node = await startEngineNode({ name: uniqueName('sonde-transport') });

    const ca = makeCertificateAuthority(dir, 'engine-ca');
    const otherCa = makeCertificateAuthority(dir, 'other-ca');
    const serverDir = makeServerCertificate(ca, path.join(dir, 'server'), { address: node.address, hostname: node.name });
    clientDir = makeClientDirectory({ issuer: ca, trust: ca, dir: path.join(dir, 'client'), commonName: 'sonde-console' });
    // Trusts the engine, but its own certificate comes from a CA the engine does not know.
    wrongClientDir = makeClientDirectory({ issuer: otherCa, trust: ca, dir: path.join(dir, 'wrong-client'), commonName: 'sonde-console' });
    secureUrl = await startNodeEngine(node, { tls: serverDir });
    expect(secureUrl).toBe(`tcp://${node.address}:2376`);

    agent = await SshAgent.start(dir);
    await startNodeSshd(node, agent.publicKey);
    // The host key as an operator checks it: read from the node itself, not trusted on first use.
    const hostKey = (await run('docker', ['exec', node.containerId, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.trim().split(/\s+/);
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${node.address} ${hostKey[0]} ${hostKey[1]}\n`);

    await loadImages(node, [TOOLBOX_IMAGE, TARGET_IMAGE]);
    const name = uniqueName('sonde-transport-target');
    await onNode('run', '-d', '--name', name, '--label', TEST_LABEL, TARGET_IMAGE);
    remoteTarget = { name, ip: await onNode('inspect', '-f', '{{.NetworkSettings.IPAddress}}', name) };
    localTarget = await fixtures.container();
  }, 20 * 60_000);

  afterAll(async () => {
    for (const sonde of consoles) {
      await sonde.close();
      if (node) expect(await onNode('ps', '-aq', '--filter', `label=sonde.instance=${sonde.instance}`)).toBe('');
    }
    await fixtures.dispose();
    if (node) {
      await run('docker', ['unpause', node.containerId]).catch(() => undefined);
      await removeEngineNode(node);
    }
    await agent?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('TLS: the engine is reachable with the client certificate, and a session opens on a container there', async () => {
    const sonde = await open([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'secure', host: secureUrl, tlsDir: clientDir },
    ]);
    const engines = await sonde.client.engines();
    expect(engines).toEqual([expect.objectContaining({ name: 'local', reachable: true }), expect.objectContaining({ name: 'secure', reachable: true, version: await onNode('version', '--format', '{{.Server.Version}}'), endpoint: secureUrl, tlsDir: clientDir })]);
    const containers = await sonde.client.containers({ engine: 'secure' });
    expect(containers.find((c) => c.name === remoteTarget.name)).toMatchObject({ engine: 'secure' });
    // The shell is in the target's namespace on the nested engine: its address is the target's there.
    expect(await sessionShows(sonde, 'secure', remoteTarget.name)).toBe(`${remoteTarget.ip}/16`);
  });

  it('TLS: with a client certificate the engine does not take, it is unreachable with a TLS error, and the local engine keeps working', async () => {
    const sonde = await open([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'secure', host: secureUrl, tlsDir: wrongClientDir },
    ]);
    const secure = (await sonde.client.engines()).find((e) => e.name === 'secure');
    expect(secure).toMatchObject({ reachable: false });
    expect(secure?.error).toContain(`TLS to Docker at ${secureUrl} failed: the engine refused this console's client certificate (cert.pem in ${wrongClientDir})`);
    const containers = await sonde.client.containerListing();
    expect(containers.unreachable).toEqual(['secure']);
    expect(containers.items.some((c) => c.name === localTarget.name)).toBe(true);
    await expect(sonde.client.createSession({ kind: 'container', engine: 'secure', container: remoteTarget.name })).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('the engine refused this console'),
    });
    expect(await sessionShows(sonde, 'local', localTarget.name)).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
  });

  it('ssh: the engine is reachable through the agent and the known host key, docker system dial-stdio runs on the node, and a session opens there', async () => {
    const sonde = await open([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'lab', host: `ssh://root@${node!.address}` },
    ]);
    await vi.waitFor(async () => expect((await sonde.client.engines()).find((e) => e.name === 'lab')).toMatchObject({ reachable: true }), {
      timeout: 20_000,
      interval: 250,
    });
    // The console's event stream holds one ssh connection open: docker-modem's transport is
    // `docker system dial-stdio`, run by root's login on the node.
    await vi.waitFor(async () => expect((await run('docker', ['exec', node!.containerId, 'ps', '-eo', 'user,args'])).stdout).toMatch(/^root\s+docker system dial-stdio$/m), { timeout: 10_000, interval: 250 });
    expect(await sessionShows(sonde, 'lab', remoteTarget.name)).toBe(`${remoteTarget.ip}/16`);
  });

  it('ssh: a host key missing from known_hosts, or another key in the agent, leaves the engine unreachable saying why', async () => {
    const emptyKnownHosts = path.join(dir, 'known_hosts.empty');
    writeFileSync(emptyKnownHosts, '');
    const unknown = await open([{ name: 'lab', host: `ssh://root@${node!.address}` }], { SONDE_SSH_KNOWN_HOSTS: emptyKnownHosts });
    const [lab] = await unknown.client.engines();
    expect(lab).toMatchObject({ reachable: false });
    expect(lab?.error).toContain(`SSH to Docker at ssh://root@${node!.address} refused: ${node!.address} is not in ${emptyKnownHosts}`);

    const strangers = await SshAgent.start(mkdtempSync(path.join(dir, 'stranger-')));
    try {
      const refused = await open([{ name: 'lab', host: `ssh://root@${node!.address}` }], { SSH_AUTH_SOCK: strangers.socket });
      const [again] = await refused.client.engines();
      expect(again).toMatchObject({ reachable: false });
      expect(again?.error).toContain('the host accepted no key of the ssh-agent at SSH_AUTH_SOCK');
    } finally {
      await strangers.stop();
    }
  });

  it('a hung engine (paused node): the inventory and health answer within the deadline with the local engine, naming the hung ones', async () => {
    const sonde = await open([
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'secure', host: secureUrl, tlsDir: clientDir },
      { name: 'lab', host: `ssh://root@${node!.address}` },
    ]);
    await vi.waitFor(async () => expect((await sonde.client.health()).status).toBe('ok'), { timeout: 20_000, interval: 250 });
    const healthy = await sonde.client.containerListing();
    expect(healthy.unreachable).toEqual([]);
    expect(new Set(healthy.items.map((c) => c.engine))).toEqual(new Set(['local', 'secure', 'lab']));

    // Frozen, the node's dockerd and sshd accept connections (the kernel does) and never answer.
    await run('docker', ['pause', node!.containerId]);
    try {
      const containers = await timed(sonde.client.containerListing());
      expect(containers.value.unreachable).toEqual(['secure', 'lab']);
      expect(containers.value.items.every((c) => c.engine === 'local')).toBe(true);
      expect(containers.value.items.some((c) => c.name === localTarget.name)).toBe(true);
      expect(containers.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(containers.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);

      const health = await timed(sonde.client.health());
      expect(health.value).toMatchObject({ status: 'degraded', engines: [{ name: 'local', reachable: true }, { name: 'secure', reachable: false }, { name: 'lab', reachable: false }] });
      expect(health.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      // A session on the local engine opens while the others hang.
      expect(await sessionShows(sonde, 'local', localTarget.name)).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    } finally {
      await run('docker', ['unpause', node!.containerId]);
    }
    await vi.waitFor(async () => expect((await sonde.client.health()).status).toBe('ok'), { timeout: 30_000, interval: 500 });
    expect((await sonde.client.containerListing()).unreachable).toEqual([]);
  });
});
