import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { CaptureInfo, CaptureList, CapturePacketsEvent, type CreateCaptureRequest } from '@sonde/shared';
import { readUntil } from './support/api-client.js';
import { DockerFixtures, containersWithLabels, docker } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { holdStream, parseServerSentEvents } from '../src/testing/server-sent-events.js';

const exec = promisify(execFile);

/** tshark's one-line summaries of a pcap given on stdin (Debian's tshark, on the host). */
function tsharkStdin(): { input: NodeJS.WritableStream; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  // Through cat: Node gives a child a socket as stdin, and tshark reads only files and pipes.
  const child = spawn('sh', ['-c', 'cat | exec tshark -n -r -'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { input: child.stdin, done };
}

/**
 * Packet captures against the real engine: traffic only between containers this file creates.
 */
describe('packet captures (real Docker)', () => {
  let sonde: TestConsole;
  let dataDir: string;
  const fixtures = new DockerFixtures();
  let network: string;
  let a: { id: string; name: string };
  let bIp: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sonde-captures-'));
    sonde = await startConsole({ SONDE_DATA_DIR: dataDir });
    network = await fixtures.network();
    a = await fixtures.container({ network });
    const b = await fixtures.container({ network });
    bIp = await fixtures.ipv4(b.id, network);
  });

  afterAll(async () => {
    await sonde?.close();
    // Nothing of this console's is left running.
    if (sonde) expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
    await fixtures.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const start = (request: CreateCaptureRequest): Promise<CaptureInfo> => sonde.client.createCapture(request);
  const get = (id: string): Promise<CaptureInfo> => sonde.client.capture(id);

  /** A reply body checked against its schema (never cast). */
  async function checked<T extends Type.TSchema>(schema: T, response: Response): Promise<Type.Static<T>> {
    const body: unknown = await response.json();
    if (!Value.Check(schema, body)) throw new Error(`unexpected reply: ${JSON.stringify(body)}`);
    return body;
  }

  const ended = (id: string, timeoutMs = 30_000): Promise<CaptureInfo> =>
    readUntil(() => get(id), (capture) => capture.state === 'ended', { what: `capture ${id} to end`, timeoutMs });

  const ping = (count: number) => docker('exec', a.name, 'ping', '-c', String(count), '-i', '0.2', bIp);

  it('streams a live pcap that tshark reads, with the pings a test sent; the packet limit ends it', async () => {
    const capture = await start({ target: { kind: 'container', container: a.name }, interface: 'eth0', filter: 'icmp', limits: { packets: 10 } });
    expect(capture).toMatchObject({ state: 'running', interface: 'eth0', filter: 'icmp', limits: { packets: 10 }, stopWhenUnwatched: false });
    expect(capture.argv).toEqual(['tcpdump', '-U', '--immediate-mode', '-n', '-w', '-', '-i', 'eth0', '-c', '10', '--', 'icmp']);
    expect(await containersWithLabels(`sonde.capture=${capture.id}`, 'sonde.managed=true')).toHaveLength(1);

    // The stream is open (live, chunked) before the traffic starts.
    const response = await fetch(`${sonde.baseUrl}${capture.pcapPath}`, { headers: sonde.auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    expect(response.headers.get('content-length')).toBeNull();
    const tshark = tsharkStdin();
    const piping = (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) tshark.input.write(chunk);
      tshark.input.end();
    })();
    await ping(5);
    await piping;
    const { code, stdout, stderr } = await tshark.done;
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.filter((l) => /ICMP.*Echo \(ping\) request/.test(l) && l.includes(bIp))).toHaveLength(5);
    expect(lines.filter((l) => /ICMP.*Echo \(ping\) reply/.test(l))).toHaveLength(5);

    const done = await ended(capture.id);
    expect(done).toMatchObject({ state: 'ended', endReason: 'packets', packets: 10, linkType: 1, fileAvailable: true });
    expect(done.bytes).toBe((await stat(path.join(dataDir, 'captures', `${capture.id}.pcap`))).size);
    expect(await containersWithLabels(`sonde.capture=${capture.id}`)).toEqual([]);

    // Finished: a download with its length that tshark opens as a file.
    const download = await fetch(`${sonde.baseUrl}${capture.pcapPath}`, { headers: sonde.auth });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="sonde-[a-f0-9]{8}\.pcap"$/);
    expect(Number(download.headers.get('content-length'))).toBe(done.bytes);
    const file = path.join(dataDir, 'downloaded.pcap');
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const { stdout: fromFile } = await exec('tshark', ['-n', '-r', file]);
    expect(fromFile.trim().split('\n')).toHaveLength(10);
  });

  it('feeds decoded one-line summaries and counters over server-sent events', async () => {
    const capture = await start({ target: { kind: 'network', network }, interface: 'any', filter: 'icmp', limits: { packets: 4 } });
    const controller = new AbortController();
    const response = await fetch(`${sonde.baseUrl}${capture.eventsPath}`, { headers: sonde.auth, signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The toolbox joined the network: ping it from a test container.
    const toolboxIp = (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, capture.toolbox.containerId)).trim();
    const pinging = docker('exec', a.name, 'ping', '-c', '2', '-i', '0.2', toolboxIp);
    let text = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString();
    await pinging;
    const events = parseServerSentEvents(text);
    expect(events[0]?.event).toBe('capture');
    const packets = events.filter((e) => e.event === 'packets').map((e) => e.data);
    expect(packets.every((data) => Value.Check(CapturePacketsEvent, data)), JSON.stringify(packets)).toBe(true);
    const lines = packets.filter((data) => Value.Check(CapturePacketsEvent, data)).flatMap((data) => data.lines);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ protocol: 'ICMP', dst: toolboxIp });
    expect(lines[0]?.info).toMatch(/^echo request/);
    const last = events.at(-1);
    expect(last?.event).toBe('end');
    expect(last?.data).toMatchObject({ state: 'ended', endReason: 'packets', packets: 4, linkType: 276 });
  });

  it('DELETE stops a capture, removes its toolbox and keeps a valid file', async () => {
    const capture = await start({ target: { kind: 'container', container: a.name }, filter: 'icmp' });
    await ping(2);
    // The counters are live: stop once the four packets are counted, as a user would.
    const deadline = Date.now() + 10_000;
    while ((await get(capture.id)).packets < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await sonde.client.stopCapture(capture.id);
    expect(await containersWithLabels(`sonde.capture=${capture.id}`)).toEqual([]);
    const done = await get(capture.id);
    expect(done).toMatchObject({ state: 'ended', endReason: 'stopped', packets: 4 });
    const { stdout } = await exec('tshark', ['-n', '-r', path.join(dataDir, 'captures', `${capture.id}.pcap`)]);
    expect(stdout.trim().split('\n')).toHaveLength(4);
    const listed = await sonde.client.captures();
    expect(listed.map((c) => c.id)).toContain(capture.id);
  });

  it('ends at its time limit', async () => {
    const timed = await start({ target: { kind: 'container', container: a.name }, filter: 'icmp', limits: { seconds: 1 } });
    expect(await ended(timed.id, 15_000)).toMatchObject({ endReason: 'seconds' });
  });

  it('with stopWhenUnwatched, outlives its panel while the owner has the console open, ends once the owner is gone, and is the owner’s alone', async () => {
    const operator = async () => {
      const response = await fetch(`${sonde.baseUrl}/api/tokens`, {
        method: 'POST',
        headers: { ...sonde.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `op-${Math.random().toString(36).slice(2, 8)}`, role: 'operator' }),
      });
      expect(response.status).toBe(201);
      return { authorization: `Bearer ${(await checked(Type.Object({ token: Type.String() }), response)).token}` };
    };
    const alice = await operator();
    const bob = await operator();
    // Alice's browser tab: the console's event stream.
    const tab = await holdStream(`${sonde.baseUrl}/api/events`, alice);
    expect(tab.status).toBe(200);
    const response = await fetch(`${sonde.baseUrl}/api/captures`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { kind: 'container', container: a.name }, filter: 'icmp', stopWhenUnwatched: true }),
    });
    expect(response.status).toBe(201);
    const capture = await checked(CaptureInfo, response);
    // The capture panel follows it, then unmounts (its feed closes): the capture goes on.
    const panel = await holdStream(`${sonde.baseUrl}${capture.eventsPath}`, alice);
    expect(panel.status).toBe(200);
    await panel.close();
    await new Promise((r) => setTimeout(r, 12_000));
    expect((await get(capture.id)).state).toBe('running');

    // Bob, another operator, cannot list, read, download, stop or remove it; an admin lists it.
    const bobsList = await checked(CaptureList, await fetch(`${sonde.baseUrl}/api/captures`, { headers: bob }));
    expect(bobsList.map((c) => c.id)).not.toContain(capture.id);
    for (const [method, suffix] of [['GET', ''], ['GET', '/pcap'], ['GET', '/events'], ['DELETE', ''], ['DELETE', '?remove=true']] as const) {
      expect((await fetch(`${sonde.baseUrl}/api/captures/${capture.id}${suffix}`, { method, headers: bob })).status, `${method} ${suffix}`).toBe(404);
    }
    const adminList = await checked(CaptureList, await fetch(`${sonde.baseUrl}/api/captures`, { headers: sonde.auth }));
    expect(adminList.map((c) => c.id)).toContain(capture.id);
    expect((await get(capture.id)).state).toBe('running');

    // Alice closes her last tab: after the grace (10 s) it ends, and its toolbox goes.
    const closedAt = Date.now();
    await tab.close();
    const done = await ended(capture.id, 30_000);
    expect(done).toMatchObject({ endReason: 'unwatched' });
    expect(Date.parse(done.endedAt!) - closedAt).toBeGreaterThanOrEqual(9_000);
    expect(await containersWithLabels(`sonde.capture=${capture.id}`)).toEqual([]);

    // Removing it forgets it and deletes its file.
    const file = path.join(dataDir, 'captures', `${capture.id}.pcap`);
    expect((await stat(file)).isFile()).toBe(true);
    expect((await fetch(`${sonde.baseUrl}/api/captures/${capture.id}?remove=true`, { method: 'DELETE', headers: alice })).status).toBe(204);
    expect((await fetch(`${sonde.baseUrl}/api/captures/${capture.id}`, { headers: alice })).status).toBe(404);
    await expect.poll(() => stat(file).then(() => true, () => false)).toBe(false);
  }, 90_000);

  it('ends when its target stops', async () => {
    const victim = await fixtures.container({ network });
    const capture = await start({ target: { kind: 'container', container: victim.name } });
    await docker('rm', '-f', victim.id);
    expect(await ended(capture.id, 15_000)).toMatchObject({ state: 'ended' });
    expect(['target-stopped', 'exited']).toContain((await get(capture.id)).endReason);
    expect(await containersWithLabels(`sonde.capture=${capture.id}`)).toEqual([]);
  });

  it.each<[Partial<CreateCaptureRequest>, string]>([
    [{ interface: '-w/tmp/x' }, 'body.interface'],
    [{ filter: 'icmp; id' }, 'body.filter'],
    [{ filter: '$(touch /tmp/p)' }, 'body.filter'],
    [{ limits: { packets: 1_000_000 } }, 'body.limits.packets'],
    [{ limits: { seconds: 0 } }, 'body.limits.seconds'],
    [{ limits: { bytes: 1e12 } }, 'body.limits.bytes'],
    [{ interface: 'nosuch0' }, 'body.interface'],
    [{ filter: 'tcp port and and' }, 'body.filter'],
  ])('refuses %j with 400 naming %s, leaving nothing behind', async (fields, field) => {
    await expect(start({ target: { kind: 'container', container: a.name }, ...fields })).rejects.toMatchObject({
      status: 400,
      code: 'INVALID_REQUEST',
      message: expect.stringContaining(field),
    });
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`, 'sonde.capture')).toEqual([]);
  });

  it('answers 404 for unknown captures and unknown targets', async () => {
    const unknown = '0'.repeat(32);
    await expect(get(unknown)).rejects.toMatchObject({ status: 404, code: 'CAPTURE_NOT_FOUND' });
    await expect(sonde.client.stopCapture(unknown)).rejects.toMatchObject({ status: 404, code: 'CAPTURE_NOT_FOUND' });
    // The streams are read as streams, not through the client.
    for (const suffix of ['/pcap', '/events']) {
      const response = await fetch(`${sonde.baseUrl}/api/captures/${unknown}${suffix}`, { headers: sonde.auth });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'CAPTURE_NOT_FOUND' } });
    }
    await expect(start({ target: { kind: 'container', container: 'sonde-no-such-container' } })).rejects.toMatchObject({ status: 404, code: 'TARGET_NOT_FOUND' });
  });
});
