import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PcapReader, type ResolvedTarget } from '@sonde/shared';
import { buildToolboxSpec, LABELS, SHELL_ENTRYPOINT, type ToolboxOverrides } from '../toolboxes/toolbox-spec.js';
import { FakeEngine } from './fake-engine.js';
import { FAKE_PROMPT, pcapRecord } from './fake-processes.js';
import { EngineError, type ContainerEngine, type EngineEvent, type ToolboxSpec } from './types.js';

/**
 * The fake engine keeps the seam's contracts (types.ts), so route tests built on it mean what
 * they say. Each promise it makes is checked here; the real engine's are in server/test.
 */

const SETTINGS = { image: 'sonde-toolbox:latest', instance: 'fake-test', limits: { memoryBytes: 256 << 20, pids: 256, nanoCpus: 5e8 } };

function spec(target: ResolvedTarget = { kind: 'host', engine: 'local' }, overrides: ToolboxOverrides = {}): ToolboxSpec {
  return buildToolboxSpec(randomBytes(16).toString('hex'), target, SETTINGS, overrides);
}

/** Everything a readable stream carries until it ends. */
function drain(stream: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Output of a stream until `pattern` shows. */
function waitForText(stream: Readable, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) {
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof EngineError ? error.kind : String(error);
  }
}

describe('fake engine: inventory', () => {
  it('lists what a test added like Docker does: Compose labels, addresses, ports, running members only', async () => {
    const fake = new FakeEngine();
    const net = fake.addNetwork({ name: 'backend', labels: { team: 'red' } });
    const web = fake.addContainer({ name: 'web', networks: ['backend'], labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' }, ports: [{ privatePort: 80, publicPort: 8080, protocol: 'tcp' }] });
    fake.addContainer({ name: 'db', networks: [{ name: 'backend', ipv4: '172.99.0.9' }], state: 'exited' });

    const containers = await fake.listContainers();
    expect(containers.find((c) => c.name === 'web')).toMatchObject({ id: web.id, state: 'running', compose: { project: 'shop', service: 'web' }, networks: [{ name: 'backend', ipv4: expect.stringMatching(/^172\.\d+\.0\.2$/) }], ports: [{ privatePort: 80, publicPort: 8080 }], toolbox: false });
    expect(containers.find((c) => c.name === 'db')).toMatchObject({ state: 'exited', status: 'Exited (0)', networks: [{ name: 'backend', ipv4: '172.99.0.9' }] });
    const networks = await fake.listNetworks();
    expect(networks.map((n) => n.name).sort()).toEqual(['backend', 'bridge', 'host', 'none']);
    expect(networks.find((n) => n.id === net.id)).toMatchObject({ driver: 'bridge', labels: { team: 'red' }, containers: [{ id: web.id, name: 'web' }] });
    // Every object carries the engine's name; inspectNetwork answers by id or name, undefined for none.
    expect([...containers, ...networks].every((o) => o.engine === 'local')).toBe(true);
    expect(await fake.inspectNetwork('backend')).toEqual(networks.find((n) => n.id === net.id));
    expect(await fake.inspectNetwork('no-such-network')).toBeUndefined();
  });

  it('a named engine says its name on what it lists; Swarm task labels make a task', async () => {
    const fake = new FakeEngine({ name: 'edge' });
    expect([fake.name, fake.endpoint]).toEqual(['edge', 'fake://edge']);
    fake.addNetwork({ name: 'mesh', driver: 'overlay', scope: 'swarm', attachable: true, subnet: '10.0.1.0/24' });
    fake.addContainer({
      name: 'api.2.abc',
      networks: ['mesh'],
      labels: { 'com.docker.swarm.service.name': 'api', 'com.docker.swarm.task.id': 't2', 'com.docker.swarm.task.name': 'api.2.abc', 'com.docker.swarm.node.id': 'n1' },
    });
    const [task] = (await fake.listContainers()).filter((c) => c.name === 'api.2.abc');
    expect(task).toMatchObject({ engine: 'edge', swarm: { service: 'api', taskId: 't2', slot: 2, nodeId: 'n1' }, networks: [{ name: 'mesh', ipv4: '10.0.1.2' }] });
    expect(await fake.inspectNetwork('mesh')).toMatchObject({ engine: 'edge', driver: 'overlay', scope: 'swarm', attachable: true, subnets: ['10.0.1.0/24'] });
  });

  it('Swarm: no Swarm or a worker answers like Docker (503, failed); a manager reports its cluster', async () => {
    const fake = new FakeEngine();
    expect(await fake.info()).toEqual({ version: '28.0.0-fake' });
    const calls = [() => fake.swarmNodes(), () => fake.swarmServices(), () => fake.swarmTasks()];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ kind: 'failed', statusCode: 503, message: expect.stringMatching(/not a swarm manager\. Use "docker swarm init"/) });
    fake.setSwarm({ nodeId: 'n2', role: 'worker', clusterId: 'c1' });
    expect(await fake.info()).toEqual({ version: '28.0.0-fake', swarm: { nodeId: 'n2', role: 'worker', clusterId: 'c1' } });
    for (const call of calls) await expect(call()).rejects.toMatchObject({ kind: 'failed', statusCode: 503, message: expect.stringMatching(/Worker nodes can't be used/) });
    const node = { id: 'n1', hostname: 'one', address: '10.9.0.1', role: 'manager' as const, availability: 'active', state: 'ready' };
    const service = { id: 's1', name: 'api', mode: 'replicated' as const, replicas: 2, networkIds: ['net1'] };
    const task = (id: string, serviceId: string) => ({ id, serviceId, slot: 1, nodeId: 'n1', state: 'running', desiredState: 'running', addresses: [] });
    fake.setSwarm({ nodeId: 'n1', role: 'manager', clusterId: 'c1', nodes: [node], services: [service], tasks: [task('t1', 's1'), task('t9', 's9')] });
    expect(await fake.swarmNodes()).toEqual([node]);
    expect(await fake.swarmServices()).toEqual([service]);
    expect((await fake.swarmTasks()).map((t) => t.id)).toEqual(['t1', 't9']);
    expect((await fake.swarmTasks({ service: 'api' })).map((t) => t.id)).toEqual(['t1']);
    expect((await fake.swarmTasks({ service: 's9' })).map((t) => t.id)).toEqual(['t9']);
    expect((await fake.swarmTasks({ id: 't9' })).map((t) => t.id)).toEqual(['t9']);
    // What it returns is a copy: a caller cannot change the cluster.
    (await fake.swarmNodes())[0]!.state = 'down';
    expect((await fake.swarmNodes())[0]!.state).toBe('ready');
  });

  it('inspects by id, name or unique prefix; unknown is undefined; a restart is a new start time', async () => {
    const fake = new FakeEngine();
    const web = fake.addContainer({ name: 'web' });
    const first = await fake.inspectContainer(web.id);
    expect(first).toMatchObject({ id: web.id, name: 'web', running: true, labels: {} });
    expect((await fake.inspectContainer('web'))?.id).toBe(web.id);
    expect((await fake.inspectContainer(web.id.slice(0, 12)))?.id).toBe(web.id);
    expect(await fake.inspectContainer('nothing-here')).toBeUndefined();
    fake.stopContainer('web');
    expect((await fake.inspectContainer(web.id))?.running).toBe(false);
    fake.startContainer('web');
    const again = await fake.inspectContainer(web.id);
    expect(again?.running).toBe(true);
    expect(again!.startedAt! > first!.startedAt!).toBe(true);
  });
});

describe('fake engine: toolboxes', () => {
  it('a TTY toolbox runs the line shell: echo, resize, exit N ends the stream with that exit code', async () => {
    const fake = new FakeEngine();
    const toolbox = await fake.startToolbox(spec());
    const pty = fake.toolboxes()[0]!.pty!;
    expect(await waitForText(toolbox.stream, new RegExp(`\\${FAKE_PROMPT.trim()} $`))).toBe(FAKE_PROMPT);
    const echoed = waitForText(toolbox.stream, /hello fake\r\n\$ $/);
    toolbox.stream.write('echo hello fake\r');
    expect(await echoed).toBe('echo hello fake\r\nhello fake\r\n$ ');
    await toolbox.resize(120, 40);
    expect(pty.sizes).toEqual([{ cols: 120, rows: 40 }]);
    expect(await toolbox.exitCode()).toBeUndefined();
    const ended = drain(toolbox.stream);
    toolbox.stream.write('exit 3\r');
    await ended;
    expect(await toolbox.exitCode()).toBe(3);
    expect(pty.typed()).toBe('echo hello fake\rexit 3\r');
  });

  it('lists toolboxes by label, running or not; removal kills, is idempotent, and exit codes are then unknown', async () => {
    const fake = new FakeEngine();
    const a = await fake.startToolbox(spec());
    const b = await fake.startToolbox(spec({ kind: 'host', engine: 'local' }, { labels: { [LABELS.run]: 'r1' } }));
    fake.stopContainer(a.id, 1);
    expect((await fake.listToolboxes({ [LABELS.managed]: 'true', [LABELS.instance]: 'fake-test' })).sort()).toEqual([a.id, b.id].sort());
    expect(await fake.listToolboxes({ [LABELS.run]: 'r1' })).toEqual([b.id]);
    const ended = drain(b.stream);
    await fake.removeContainer(b.id);
    await ended;
    expect(fake.toolboxes().map((t) => t.id)).toEqual([a.id]);
    expect(await b.exitCode()).toBeUndefined();
    await expect(fake.removeContainer(b.id)).resolves.toBeUndefined();
    await expect(fake.removeContainer('never-existed')).resolves.toBeUndefined();
  });

  it('on any failure to start, nothing is left behind (every kind of toolbox, every step)', async () => {
    const fake = new FakeEngine({ images: { 'sonde-toolbox:latest': ['sh', 'tcpdump'] } });
    const target = fake.addContainer({ name: 'web' });
    const stopped = fake.addContainer({ name: 'stopped', state: 'exited' });
    const starts: [string, (s: ToolboxSpec) => Promise<unknown>][] = [
      ['startToolbox', (s) => fake.startToolbox(s)],
      ['startStreamingToolbox', (s) => fake.startStreamingToolbox(s)],
      ['runToCompletion', (s) => fake.runToCompletion(s, { timeoutMs: 1000, maxOutputBytes: 1024 })],
    ];
    for (const [name, start] of starts) {
      for (const step of ['create', 'attach', 'start'] as const) {
        fake.failNext(step);
        expect(await kindOf(start(spec())), `${name} failing at ${step}`).toBe('failed');
      }
      expect(await kindOf(start(spec({ kind: 'container', engine: 'local', containerId: stopped.id, containerName: 'stopped', sharePid: false }))), `${name} into a stopped container`).toBe('conflict');
      expect(await kindOf(start(spec({ kind: 'container', engine: 'local', containerId: 'f'.repeat(64), containerName: 'gone', sharePid: false }))), `${name} into a missing container`).toBe('not-found');
      expect(await kindOf(start(spec({ kind: 'network', engine: 'local', networkId: 'n', networkName: 'no-such-network' }))), `${name} on a missing network`).toBe('not-found');
      expect(await kindOf(start({ ...spec(), image: 'missing:latest' })), `${name} with a missing image`).toBe('image-missing');
      const failed = await kindOf(start(spec({ kind: 'container', engine: 'local', containerId: target.id, containerName: 'web', sharePid: false }, { entrypoint: ['drill', 'example.org'] })));
      expect(failed, `${name} with a binary the image lacks`).toBe('failed');
      expect(fake.toolboxes(), name).toEqual([]);
      expect(await fake.listToolboxes({ [LABELS.managed]: 'true' }), name).toEqual([]);
    }
    // A name in use is refused, and the container that holds it is left alone.
    const taken = spec();
    const first = await fake.startToolbox(taken);
    expect(await kindOf(fake.startToolbox({ ...spec(), name: taken.name }))).toBe('conflict');
    expect(fake.toolboxes().map((t) => t.id)).toEqual([first.id]);
  });

  it('hasCommand looks in a created, never started container labelled as asked, gone when it answers', async () => {
    const fake = new FakeEngine({ images: { 'sonde-toolbox:latest': ['sh', 'ping'], 'busybox:latest': '*' } });
    const labels = { [LABELS.managed]: 'true', [LABELS.run]: 'r2' };
    expect(await fake.hasCommand('sonde-toolbox:latest', 'ping', labels)).toBe(true);
    expect(await fake.hasCommand('sonde-toolbox:latest', 'drill', labels)).toBe(false);
    expect(await fake.hasCommand('busybox:latest', 'anything', labels)).toBe(true);
    expect(await kindOf(fake.hasCommand('nope:latest', 'ping', labels))).toBe('image-missing');
    const probes = fake.history();
    expect(probes).toHaveLength(3);
    expect(probes.every((p) => p.mode === 'command-probe' && !p.exists && p.spec.labels[LABELS.run] === 'r2')).toBe(true);
    expect(fake.toolboxes()).toEqual([]);
  });

  it('a streaming toolbox keeps stdout and stderr apart and byte-exact; tcpdump listens; removal ends both', async () => {
    const fake = new FakeEngine();
    const capture = await fake.startStreamingToolbox(spec({ kind: 'host', engine: 'local' }, { entrypoint: ['tcpdump', '-U', '-w', '-', '-i', 'lo'] }));
    const stdout = drain(capture.stdout);
    const stderr = drain(capture.stderr);
    const packet = Buffer.from([0x0a, 0x0d, 0x00, 0xff]);
    fake.toolboxes()[0]!.process!.stdout(pcapRecord(packet, 1000.5));
    await fake.removeContainer(capture.id);
    const reader = new PcapReader();
    const parsed = reader.push(await stdout);
    expect(parsed.header?.linkType).toBe(1);
    expect(parsed.records.map((r) => [Buffer.from(r.data), r.time])).toEqual([[packet, 1000.5]]);
    expect((await stderr).toString()).toMatch(/^tcpdump: listening on lo, link-type EN10MB/);
    expect(await capture.exitCode()).toBeUndefined();

    // Scripted: a tool that writes and exits by itself.
    fake.onStream('cat', (proc) => {
      proc.stdout('out');
      proc.stderr('err');
      proc.exit(0);
    });
    const cat = await fake.startStreamingToolbox(spec({ kind: 'host', engine: 'local' }, { entrypoint: ['cat'] }));
    expect([(await drain(cat.stdout)).toString(), (await drain(cat.stderr)).toString(), await cat.exitCode()]).toEqual(['out', 'err', 0]);
  });

  it('runToCompletion feeds stdin, truncates output, removes the toolbox before it settles, and times out', async () => {
    const fake = new FakeEngine();
    const seen: (string | undefined)[] = [];
    fake.onCompletion('wc', (_spec, stdin) => {
      seen.push(stdin?.toString());
      expect(fake.toolboxes()).toHaveLength(1);
      return { exitCode: 0, stdout: 'x'.repeat(100), stderr: 'warning' };
    });
    const done = await fake.runToCompletion(spec({ kind: 'host', engine: 'local' }, { entrypoint: ['wc', '-c'] }), { stdin: 'input', timeoutMs: 1000, maxOutputBytes: 10 });
    expect(done).toEqual({ exitCode: 0, stdout: Buffer.from('x'.repeat(10)), stderr: Buffer.from('warning'), truncated: true });
    expect(seen).toEqual(['input']);
    expect(fake.toolboxes()).toEqual([]);

    fake.onCompletion('sleep', () => new Promise(() => undefined));
    expect(await kindOf(fake.runToCompletion(spec({ kind: 'host', engine: 'local' }, { entrypoint: ['sleep', '1000'] }), { timeoutMs: 20, maxOutputBytes: 10 }))).toBe('failed');
    expect(fake.toolboxes()).toEqual([]);
    // The default: exits 0 with no output.
    expect(await fake.runToCompletion(spec({ kind: 'host', engine: 'local' }, { entrypoint: SHELL_ENTRYPOINT }), { timeoutMs: 1000, maxOutputBytes: 10 })).toMatchObject({ exitCode: 0, truncated: false });
  });

  it('an idle toolbox runs commands with exec: scripted output, bounded, killed at its limit; refused when gone or stopped', async () => {
    const fake = new FakeEngine({ images: { 'sonde-toolbox:latest': ['sleep', 'ip', 'ss'] } });
    const id = await fake.startIdleToolbox(spec({ kind: 'host', engine: 'local' }, { entrypoint: ['sleep', '600'] }));
    expect(fake.toolboxes()).toMatchObject([{ id, mode: 'idle' }]);
    fake.onExec('ip', (argv) => ({ exitCode: 0, stdout: `ran ${argv.join(' ')}`, stderr: 'e'.repeat(20) }));
    expect(await fake.exec(id, ['ip', '-j', 'addr'], { timeoutMs: 1000, maxOutputBytes: 10 })).toMatchObject({ exitCode: 0, stdout: Buffer.from('ran ip -j '), stderr: Buffer.from('e'.repeat(10)), truncated: true, timedOut: false });
    expect(await fake.exec(id, ['ss', '-tn'], { timeoutMs: 1000, maxOutputBytes: 100 })).toMatchObject({ exitCode: 0, truncated: false, timedOut: false });
    // A command the image lacks: the `timeout` wrapper says so and exits 127.
    const missing = await fake.exec(id, ['drill', 'example.org'], { timeoutMs: 1000, maxOutputBytes: 200 });
    expect([missing.exitCode, missing.stderr.toString()]).toEqual([127, "timeout: failed to run command 'drill': No such file or directory\n"]);
    fake.onExec('ss', () => new Promise(() => undefined));
    const hung = await fake.exec(id, ['ss', '-tn'], { timeoutMs: 10, maxOutputBytes: 100 });
    expect(hung).toMatchObject({ exitCode: 137, timedOut: true });
    expect(hung.elapsedMs).toBeGreaterThanOrEqual(990);
    fake.stopContainer(id);
    expect(await kindOf(fake.exec(id, ['ip', 'addr'], { timeoutMs: 1000, maxOutputBytes: 10 }))).toBe('conflict');
    await fake.removeContainer(id);
    expect(await kindOf(fake.exec(id, ['ip', 'addr'], { timeoutMs: 1000, maxOutputBytes: 10 }))).toBe('not-found');
    fake.failNext('start');
    expect(await kindOf(fake.startIdleToolbox(spec()))).toBe('failed');
    expect(fake.toolboxes()).toEqual([]);
  });

  it('a held step waits until released', async () => {
    const fake = new FakeEngine();
    const hold = fake.holdNext('start');
    let started = false;
    const starting = fake.startToolbox(spec()).then((t) => ((started = true), t));
    await hold.reached;
    expect(started).toBe(false);
    expect(fake.toolboxes()).toHaveLength(1); // created, not started
    hold.release();
    await starting;
    expect(started).toBe(true);
  });
});

describe('fake engine: events and reachability', () => {
  it('streams container and network events until closed', async () => {
    const fake = new FakeEngine();
    const events = await fake.openEvents();
    const seen: EngineEvent[] = [];
    const ends: (Error | undefined)[] = [];
    events.onEvent((e) => seen.push(e));
    events.onEnd((e) => ends.push(e));
    const web = fake.addContainer({ name: 'web' });
    const net = fake.addNetwork({ name: 'front' });
    fake.connect('web', 'front');
    fake.stopContainer('web');
    await fake.removeContainer(web.id);
    events.close();
    fake.addContainer({ name: 'late' });
    expect(seen.map((e) => `${e.kind} ${e.action}`)).toEqual(['container create', 'container start', 'network create', 'network connect', 'container die', 'container stop', 'container destroy']);
    expect(seen[3]).toEqual({ kind: 'network', action: 'connect', id: net.id, containerId: web.id });
    // As docker-engine.ts marks them: the events after which what lives in the container ends.
    expect(seen.filter((e) => e.ends).map((e) => e.action)).toEqual(['die', 'stop', 'destroy']);
    expect(ends).toEqual([undefined]);
  });

  it('unreachable: every call rejects, event streams end with an error, attach streams drop; then it comes back', async () => {
    const fake = new FakeEngine();
    const events = await fake.openEvents();
    const ended = new Promise<Error | undefined>((resolve) => events.onEnd(resolve));
    const shell = await fake.startToolbox(spec());
    const closed = new Promise<void>((resolve) => shell.stream.once('close', resolve));
    fake.setReachable(false);
    expect(fake.reachable).toBe(false);
    expect(await ended).toBeInstanceOf(Error);
    await closed;
    expect(await kindOf(shell.exitCode())).toBe('unreachable');
    expect(await kindOf(shell.resize(100, 30))).toBe('unreachable');
    const engine: ContainerEngine = fake;
    const calls: [string, () => Promise<unknown>][] = [
      ['version', () => engine.version()],
      ['info', () => engine.info()],
      ['swarmNodes', () => engine.swarmNodes()],
      ['swarmServices', () => engine.swarmServices()],
      ['swarmTasks', () => engine.swarmTasks()],
      ['inspectNetwork', () => engine.inspectNetwork('bridge')],
      ['startIdleToolbox', () => engine.startIdleToolbox(spec())],
      ['exec', () => engine.exec(shell.id, ['ip', 'addr'], { timeoutMs: 100, maxOutputBytes: 10 })],
      ['listContainers', () => engine.listContainers()],
      ['listNetworks', () => engine.listNetworks()],
      ['inspectContainer', () => engine.inspectContainer(shell.id)],
      ['hasImage', () => engine.hasImage(SETTINGS.image)],
      ['hasCommand', () => engine.hasCommand(SETTINGS.image, 'ping', {})],
      ['startToolbox', () => engine.startToolbox(spec())],
      ['startStreamingToolbox', () => engine.startStreamingToolbox(spec())],
      ['runToCompletion', () => engine.runToCompletion(spec(), { timeoutMs: 100, maxOutputBytes: 10 })],
      ['listToolboxes', () => engine.listToolboxes({})],
      ['removeContainer', () => engine.removeContainer(shell.id)],
      ['openEvents', () => engine.openEvents()],
    ];
    for (const [name, call] of calls) expect(await kindOf(call()), name).toBe('unreachable');
    // The daemon kept its containers: the toolbox is an orphan to reap once it is back.
    fake.setReachable(true);
    expect(await fake.listToolboxes({ [LABELS.managed]: 'true' })).toEqual([shell.id]);
    await fake.removeContainer(shell.id);
    expect(fake.toolboxes()).toEqual([]);
  });
});
