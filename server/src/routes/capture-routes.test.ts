import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureInfo, CapturePacketsEvent } from '@sonde/shared';
import { pcapGlobalHeader, pcapRecord, type FakeStreamProcess } from '../engine/fake-processes.js';
import { eventReader } from '../testing/server-sent-events.js';
import { checked, HOOK_TIMEOUT_MS, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * Packet captures through the real routes on the fake engine: the scripted tcpdump's pcap
 * becomes a counted, decoded, downloadable capture; captures are their owner's; a filter
 * tcpdump refuses is the client's mistake and leaves nothing. Real tcpdump: server/test/captures.test.ts.
 */

/** An Ethernet frame carrying an ICMP echo request from 10.0.0.1 to 10.0.0.2. */
function icmpEcho(sequence: number): Buffer {
  const frame = Buffer.alloc(14 + 20 + 8);
  Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]).copy(frame, 0);
  frame.writeUInt16BE(0x0800, 12);
  frame.writeUInt8(0x45, 14);
  frame.writeUInt16BE(28, 16);
  frame.writeUInt8(64, 22);
  frame.writeUInt8(1, 23);
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(frame, 26);
  frame.writeUInt8(8, 34);
  frame.writeUInt16BE(sequence, 40);
  return frame;
}

describe('capture routes', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let operator: { principal: string; headers: Headers };

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addContainer({ name: 'web' });
    operator = await sonde.token('operator');
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  async function start(body: object = { target: { kind: 'container', container: 'web' }, interface: 'eth0' }, headers = operator.headers) {
    const r = await sonde.call('POST', '/api/captures', headers, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const capture = checked(CaptureInfo, r.body);
    const tcpdump = sonde.engine.toolboxes().find((t) => t.id === capture.toolbox.containerId)!;
    return { capture, tcpdump: tcpdump.process!, spec: tcpdump.spec };
  }

  const info = async (id: string) => (await sonde.call('GET', `/api/captures/${id}`, operator.headers)).body;

  it('counts and decodes what tcpdump writes, feeds it live, stops on DELETE, and serves the exact pcap', async () => {
    const { capture, tcpdump, spec } = await start({ target: { kind: 'container', container: 'web' }, interface: 'eth0', filter: 'icmp' });
    expect(spec).toMatchObject({ entrypoint: ['tcpdump', '-U', '--immediate-mode', '-n', '-w', '-', '-i', 'eth0', '-c', '10000', '--', 'icmp'], capDrop: ['ALL'], labels: { 'sonde.capture': capture.id } });
    const reply = await sonde.app.inject({ url: capture.eventsPath, headers: operator.headers, payloadAsStream: true });
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    const feed = eventReader(reply.stream());

    const packets = [icmpEcho(1), icmpEcho(2)];
    const records = packets.map((p, i) => pcapRecord(p, 1_700_000_000 + i));
    for (const record of records) tcpdump.stdout(record);
    await expect.poll(async () => (await info(capture.id)).packets, POLL).toBe(2);
    await expect.poll(() => feed.events.filter((e) => e.event === 'packets').flatMap((e) => checked(CapturePacketsEvent, e.data).lines), POLL).toEqual([
      expect.objectContaining({ number: 1, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'ICMP', info: expect.stringContaining('echo request') }),
      expect.objectContaining({ number: 2 }),
    ]);

    expect((await sonde.call('DELETE', `/api/captures/${capture.id}`, operator.headers)).status).toBe(204);
    await expect.poll(() => feed.ended(), POLL).toBe(true);
    expect(feed.events.at(-1)).toMatchObject({ event: 'end', data: { state: 'ended', endReason: 'stopped', packets: 2 } });
    expect(await info(capture.id)).toMatchObject({ state: 'ended', endReason: 'stopped', packets: 2, linkType: 1, fileAvailable: true });
    expect(sonde.engine.toolboxes().map((t) => t.id)).not.toContain(capture.toolbox.containerId);

    const pcap = await sonde.app.inject({ url: capture.pcapPath, headers: operator.headers });
    expect(pcap.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect(pcap.headers['content-disposition']).toMatch(/^attachment; filename="sonde-[0-9a-f]{8}\.pcap"$/);
    expect(pcap.rawPayload.equals(Buffer.concat([pcapGlobalHeader(), ...records]))).toBe(true);
  });

  it("a capture is its owner's: others get 404 for every use, viewers 403, admins see it", async () => {
    const { capture } = await start();
    const other = await sonde.token('operator');
    for (const url of [`/api/captures/${capture.id}`, capture.pcapPath, capture.eventsPath]) {
      const r = await sonde.call('GET', url, other.headers);
      expect([r.status, r.body.error.code], url).toEqual([404, 'CAPTURE_NOT_FOUND']);
    }
    expect((await sonde.call('DELETE', `/api/captures/${capture.id}`, other.headers)).status).toBe(404);
    expect((await sonde.call('GET', '/api/captures', other.headers)).body).toEqual([]);
    const viewer = await sonde.token('viewer');
    expect((await sonde.call('GET', '/api/captures', viewer.headers)).status).toBe(403);
    expect((await sonde.call('GET', '/api/captures', sonde.admin)).body.map((c: { id: string }) => c.id)).toContain(capture.id);
    expect((await info(capture.id)).state).toBe('running');
    expect((await sonde.call('DELETE', `/api/captures/${capture.id}`, sonde.admin)).status).toBe(204);
  });

  it('a filter tcpdump refuses is a 400 naming the filter; neither it nor an engine failure leaves a capture, file or toolbox', async () => {
    const unregister = sonde.engine.onStream('tcpdump', (proc: FakeStreamProcess) => {
      proc.stderr('tcpdump: syntax error in filter expression\n');
      proc.exit(1);
    });
    try {
      const before = (await sonde.call('GET', '/api/captures', sonde.admin)).body.length;
      const r = await sonde.call('POST', '/api/captures', operator.headers, { target: { kind: 'container', container: 'web' }, filter: 'port 99999' });
      expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(r.body.error.message).toMatch(/body\.filter was refused by tcpdump: tcpdump: syntax error/);
      expect((await sonde.call('GET', '/api/captures', sonde.admin)).body).toHaveLength(before);
      expect(sonde.engine.toolboxes().filter((t) => t.mode === 'streaming')).toEqual([]);
      const directory = path.join(sonde.config.dataDir, 'captures');
      const running = (await sonde.call('GET', '/api/captures', sonde.admin)).body.length;
      expect(existsSync(directory) ? readdirSync(directory).length : 0).toBe(running);
    } finally {
      unregister();
    }
    // The engine failing to start tcpdump leaves nothing either.
    sonde.engine.failNext('start');
    const failed = await sonde.call('POST', '/api/captures', operator.headers, { target: { kind: 'container', container: 'web' } });
    expect([failed.status, failed.body.error.code]).toEqual([502, 'DOCKER_ERROR']);
    expect(sonde.engine.toolboxes().filter((t) => t.mode === 'streaming')).toEqual([]);
    const directory = path.join(sonde.config.dataDir, 'captures');
    expect(existsSync(directory) ? readdirSync(directory).length : 0).toBe((await sonde.call('GET', '/api/captures', sonde.admin)).body.length);
  });

  it('ends by itself at its packet limit, and with its target', async () => {
    const { capture, tcpdump } = await start({ target: { kind: 'container', container: 'web' }, limits: { packets: 2 } });
    tcpdump.stdout(Buffer.concat([pcapRecord(icmpEcho(1)), pcapRecord(icmpEcho(2))]));
    tcpdump.exit(0); // tcpdump -c 2 exits after its second packet
    await expect.poll(async () => (await info(capture.id)).state, POLL).toBe('ended');
    expect(await info(capture.id)).toMatchObject({ endReason: 'packets', packets: 2 });

    const db = sonde.engine.addContainer({ name: 'db' });
    const second = await start({ target: { kind: 'container', container: 'db' } });
    sonde.engine.stopContainer(db.id);
    await expect.poll(async () => (await info(second.capture.id)).endReason, POLL).toBe('target-stopped');
  });
});
