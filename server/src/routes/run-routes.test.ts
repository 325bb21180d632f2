import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunInfo, SessionInfo } from '@sonde/shared';
import type { FakePty } from '../engine/fake-processes.js';
import { checked, HOOK_TIMEOUT_MS, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * Tool runs through the real routes on the fake engine: the tool's scripted output streams to
 * the run's socket and becomes its result; runs are read-only, cancellable, their owner's, and
 * refused before anything starts when the request is wrong. Real tools: server/test/runs.test.ts.
 */

const PING_START = 'PING db (172.20.0.3) 56(84) bytes of data.\r\n';
const PING_END = [
  '64 bytes from db.backend (172.20.0.3): icmp_seq=1 ttl=64 time=0.161 ms',
  '',
  '--- db ping statistics ---',
  '1 packets transmitted, 1 received, 0% packet loss, time 0ms',
  'rtt min/avg/max/mdev = 0.161/0.161/0.161/0.000 ms',
  '',
].join('\r\n');

describe('run routes', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let operator: { principal: string; headers: Headers };
  /** The ping tools started, newest last; each prints its first line and waits for the test. */
  const pings: FakePty[] = [];

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addNetwork({ name: 'backend' });
    sonde.engine.addNetwork({ name: 'elsewhere' });
    sonde.engine.addContainer({ name: 'web', networks: ['backend'] });
    sonde.engine.addContainer({ name: 'db', networks: ['backend'] });
    sonde.engine.addContainer({ name: 'island', networks: ['elsewhere'] });
    sonde.engine.onTty('ping', (pty) => {
      pings.push(pty);
      pty.print(PING_START);
    });
    operator = await sonde.token('operator');
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  async function start(body: object, headers = operator.headers) {
    const r = await sonde.call('POST', '/api/runs', headers, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return checked(RunInfo, r.body);
  }

  const ping = { tool: 'ping', target: { kind: 'container', container: 'web' }, params: { host: 'db', count: 1 } };

  it("streams the tool's output as it prints, then its exit code and parsed result; the toolbox runs the tool's argv", async () => {
    const run = await start(ping);
    const toolbox = sonde.engine.toolboxes().find((t) => t.id === run.toolbox.containerId)!;
    expect(toolbox.spec).toMatchObject({ entrypoint: ['ping', '-c', '1', '-i', '1', '-W', '2', '--', 'db'], capAdd: ['NET_RAW'], capDrop: ['ALL'], labels: { 'sonde.run': run.id } });
    const term = await sonde.terminal(run.ttyPath, operator.headers);
    await term.waitFor(/bytes of data\.\r\n$/);
    expect((await sonde.call('GET', `/api/runs/${run.id}`, operator.headers)).body).toMatchObject({ state: 'running', exitCode: null });

    // Read-only: keystrokes and resizes never reach the tool.
    term.send('q\x03');
    term.control({ type: 'resize', cols: 40, rows: 10 });
    const tool = pings.at(-1)!;
    tool.print(PING_END);
    tool.exit(0);
    expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the tool exited' });
    expect(term.text()).toBe(PING_START + PING_END);
    expect(term.controlsOf('exit')).toEqual([{ type: 'exit', code: 0, reason: 'the tool exited' }]);
    expect(tool.typed()).toBe('');
    expect(tool.sizes).toEqual([]);
    const info = await sonde.call('GET', `/api/runs/${run.id}`, operator.headers);
    expect(info.body).toMatchObject({
      state: 'exited',
      exitCode: 0,
      endReason: 'exited',
      limitReached: false,
      result: { kind: 'ping', host: 'db', address: '172.20.0.3', transmitted: 1, received: 1, lossPercent: 0, rtt: { avgMs: 0.161 } },
    });
    await expect.poll(() => toolbox.exists, POLL).toBe(false);
  });

  it('DELETE cancels a run: its viewers get the exit message and 4000, its toolbox is removed', async () => {
    const run = await start(ping);
    const term = await sonde.terminal(run.ttyPath, operator.headers);
    await term.waitFor(/bytes of data/);
    expect((await sonde.call('DELETE', `/api/runs/${run.id}`, operator.headers)).status).toBe(204);
    expect(sonde.engine.toolboxes().map((t) => t.id)).not.toContain(run.toolbox.containerId);
    expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the run was cancelled' });
    expect((await sonde.call('GET', `/api/runs/${run.id}`, operator.headers)).body).toMatchObject({ state: 'exited', exitCode: -1, endReason: 'deleted' });
  });

  it("a run is its owner's: to other operators it does not exist (404, 4004), admins see it", async () => {
    const run = await start(ping);
    const other = await sonde.token('operator');
    for (const [method, url] of [
      ['GET', `/api/runs/${run.id}`],
      ['DELETE', `/api/runs/${run.id}`],
    ] as const) {
      const r = await sonde.call(method, url, other.headers);
      expect([r.status, r.body.error.code], `${method} ${url}`).toEqual([404, 'RUN_NOT_FOUND']);
    }
    expect((await sonde.call('GET', '/api/runs', other.headers)).body).toEqual([]);
    const socket = await sonde.terminal(run.ttyPath, other.headers);
    expect((await socket.waitClosed()).code).toBe(4004);
    expect(socket.controls).toEqual([{ type: 'error', code: 'RUN_NOT_FOUND', message: expect.any(String) }]);
    const viewer = await sonde.token('viewer');
    await expect(sonde.terminal(run.ttyPath, viewer.headers)).rejects.toThrow('403');
    expect((await sonde.call('GET', '/api/runs', sonde.admin)).body.map((r: { id: string }) => r.id)).toContain(run.id);
    expect((await sonde.call('DELETE', `/api/runs/${run.id}`, sonde.admin)).status).toBe(204);
  });

  it('refuses a wrong request before touching the engine: unknown tool, bad or hostile parameters', async () => {
    const before = sonde.engine.calls.length;
    const refusals: [object, number, string, RegExp][] = [
      [{ tool: 'nope', target: ping.target }, 404, 'TOOL_NOT_FOUND', /GET \/api\/tools/],
      [{ ...ping, params: { host: 'db', count: 1000 } }, 400, 'INVALID_REQUEST', /body\.params\.count/],
      [{ ...ping, params: { host: '-oProxyCommand=sh' } }, 400, 'INVALID_REQUEST', /body\.params\.host/],
      [{ ...ping, params: { count: 1 } }, 400, 'INVALID_REQUEST', /body\.params\.host/],
      [{ ...ping, params: { host: 'db', extra: 1 } }, 400, 'INVALID_REQUEST', /extra/],
    ];
    for (const [body, status, code, message] of refusals) {
      const r = await sonde.call('POST', '/api/runs', operator.headers, body);
      expect([r.status, r.body.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(r.body.error.message).toMatch(message);
    }
    expect(sonde.engine.calls.slice(before)).toEqual([]);
  });

  it('says which binary the image lacks (424), leaving no probe container behind', async () => {
    sonde.engine.addImage(sonde.config.toolboxImage, ['sh', 'ping']);
    try {
      const r = await sonde.call('POST', '/api/runs', operator.headers, { tool: 'dig', target: ping.target, params: { host: 'db' } });
      expect([r.status, r.body.error.code]).toEqual([424, 'TOOL_MISSING']);
      expect(r.body.error.message).toContain('"dig"');
      const probe = sonde.engine.history().filter((t) => t.mode === 'command-probe').at(-1)!;
      expect(probe).toMatchObject({ exists: false, spec: { entrypoint: ['dig'], labels: { 'sonde.managed': 'true', 'sonde.instance': sonde.config.instance } } });
    } finally {
      sonde.engine.addImage(sonde.config.toolboxImage);
    }
  });

  it('two-sided tools: the peer starts in the other container and must say it is ready; a peer that fails leaves nothing', async () => {
    const iperf = { tool: 'iperf3', target: ping.target, params: { server: 'db', seconds: 1 } };
    const unregister = sonde.engine.onTty('iperf3', (pty, spec) => {
      if (spec.entrypoint.includes('-s')) {
        pty.print('iperf3: error - unable to start listener for connections: Address already in use\r\n');
        pty.exit(1);
      }
    });
    const before = sonde.engine.toolboxes().length;
    const failed = await sonde.call('POST', '/api/runs', operator.headers, iperf);
    expect([failed.status, failed.body.error.code]).toEqual([502, 'PEER_FAILED']);
    expect(failed.body.error.message).toContain('Address already in use');
    expect(sonde.engine.toolboxes()).toHaveLength(before);
    unregister();

    // The peer is ready, then the client cannot start: the peer goes too.
    const inUse = sonde.app.admission.toolboxesInUse;
    const unregisterReady = sonde.engine.onTty('iperf3', (pty) => {
      pty.print('Server listening on 5201\r\n');
      sonde.engine.failNext('create');
    });
    const clientFailed = await sonde.call('POST', '/api/runs', operator.headers, iperf);
    expect([clientFailed.status, clientFailed.body.error.code]).toEqual([502, 'DOCKER_ERROR']);
    expect(sonde.engine.toolboxes()).toHaveLength(before);
    expect(sonde.app.admission.toolboxesInUse).toBe(inUse);
    unregisterReady();

    const apart = await sonde.call('POST', '/api/runs', operator.headers, { ...iperf, params: { server: 'island', seconds: 1 } });
    expect([apart.status, apart.body.error.code]).toEqual([409, 'NO_SHARED_NETWORK']);

    sonde.engine.onTty('iperf3', (pty, spec) => {
      if (spec.entrypoint.includes('-s')) {
        pty.print('-----------------------------------------------------------\r\nServer listening on 5201\r\n');
        return;
      }
      const report = { start: { test_start: { protocol: 'TCP', reverse: 0 } }, intervals: [], end: { sum_sent: { bytes: 1e9, bits_per_second: 8e9, seconds: 1 }, sum_received: { bytes: 1e9, bits_per_second: 8e9, seconds: 1 } } };
      pty.print(JSON.stringify(report, null, 2).replace(/\n/g, '\r\n'));
      pty.exit(0);
    });
    const run = await start(iperf);
    const peer = sonde.engine.history().find((t) => t.name === `sonde-${run.id}-peer`)!;
    expect(peer.spec.placement).toMatchObject({ kind: 'container', containerId: (await sonde.engine.inspectContainer('db'))!.id });
    const client = sonde.engine.history().find((t) => t.id === run.toolbox.containerId)!;
    // The client reaches the peer at the server's address on the network they share.
    const db = (await sonde.engine.listContainers()).find((c) => c.name === 'db')!;
    expect(client.spec.entrypoint.slice(0, 3)).toEqual(['iperf3', '-c', db.networks[0]!.ipv4]);
    const term = await sonde.terminal(run.ttyPath, operator.headers);
    expect((await term.waitClosed()).code).toBe(4000);
    const info = await sonde.call('GET', `/api/runs/${run.id}`, operator.headers);
    expect(info.body).toMatchObject({ state: 'exited', exitCode: 0, peer: { role: 'iperf3 server', containerName: 'db' }, result: { kind: 'throughput', protocol: 'TCP' } });
    await expect.poll(() => [client.exists, peer.exists], POLL).toEqual([false, false]);
  });

  it('a run in a container ends when the container stops', async () => {
    const target = sonde.engine.addContainer({ name: 'short-lived', networks: ['backend'] });
    const run = await start({ ...ping, target: { kind: 'container', container: 'short-lived' } });
    const term = await sonde.terminal(run.ttyPath, operator.headers);
    sonde.engine.stopContainer(target.id);
    expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the target container stopped' });
    expect((await sonde.call('GET', `/api/runs/${run.id}`, operator.headers)).body.endReason).toBe('target-stopped');
  });

  describe("runs from a session's drawer", () => {
    async function openSession(target: object, headers: Headers) {
      const r = await sonde.call('POST', '/api/sessions', headers, { target });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return checked(SessionInfo, r.body);
    }

    /** The session's recording as the cast file says so far: its marker events. */
    async function markersOf(sessionId: string): Promise<[number, string][]> {
      const list = await sonde.call('GET', `/api/recordings?sessionId=${sessionId}`, sonde.admin);
      expect(list.body).toHaveLength(1);
      const cast = await sonde.call('GET', `/api/recordings/${list.body[0].id}/cast`, sonde.admin);
      expect(cast.status).toBe(200);
      const events = String(cast.body)
        .split('\n')
        .slice(1)
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as [number, string, string]);
      return events.filter((e) => e[1] === 'm').map((e) => [e[0], e[2]]);
    }

    it('marks the run on the recording where it started and where it ended, with the verdict', async () => {
      const session = await openSession({ kind: 'container', container: 'web' }, operator.headers);
      const run = await start({ ...ping, sessionId: session.id });
      expect(run.sessionId).toBe(session.id);
      await expect.poll(() => markersOf(session.id), POLL).toEqual([[expect.any(Number), 'ping db count=1']]);
      const tool = pings.at(-1)!;
      tool.print(PING_END);
      tool.exit(0);
      await expect.poll(() => markersOf(session.id), POLL).toEqual([
        [expect.any(Number), 'ping db count=1'],
        [expect.any(Number), 'ping: ok, reachable, no loss'],
      ]);
      const times = (await markersOf(session.id)).map(([t]) => t);
      expect(times[1]!).toBeGreaterThanOrEqual(times[0]!);
      // A run without a session marks nothing anywhere.
      const plain = await start(ping);
      expect(plain.sessionId).toBeUndefined();
      pings.at(-1)!.exit(0);
      await expect.poll(async () => (await sonde.call('GET', `/api/runs/${plain.id}`, operator.headers)).body.state, POLL).toBe('exited');
      expect(await markersOf(session.id)).toHaveLength(2);
      await sonde.call('DELETE', `/api/sessions/${session.id}`, operator.headers);
    });

    it('refuses, before anything starts or is written: a session one may not see or drive, a viewer, a share link, another target, an unknown id', async () => {
      const mine = await openSession({ kind: 'container', container: 'web' }, operator.headers);
      const other = await sonde.token('operator');
      const viewer = await sonde.token('viewer');
      const hostSession = await openSession({ kind: 'host' }, sonde.admin);
      const shared = await sonde.call('POST', `/api/sessions/${mine.id}/shares`, operator.headers, { role: 'viewer', expiresInSeconds: 600 });
      expect(shared.status).toBe(201);
      const driverShare = await sonde.call('POST', `/api/sessions/${mine.id}/shares`, operator.headers, { role: 'driver', expiresInSeconds: 600 });
      expect(driverShare.status).toBe(201);
      const toolboxes = sonde.engine.toolboxes().length;
      const started = pings.length;

      const refusals: [string, { headers: Headers }, object, number, string][] = [
        // Operators see each other's sessions (to watch them), not drive them.
        ["another operator's session", other, { ...ping, sessionId: mine.id }, 403, 'FORBIDDEN'],
        ['a session one may not see', operator, { tool: 'ping', target: { kind: 'host' }, params: { host: 'db', count: 1 }, sessionId: hostSession.id }, 404, 'SESSION_NOT_FOUND'],
        ['an unknown session', operator, { ...ping, sessionId: 'f'.repeat(32) }, 404, 'SESSION_NOT_FOUND'],
        ['another container than the session', operator, { ...ping, target: { kind: 'container', container: 'db' }, sessionId: mine.id }, 400, 'INVALID_REQUEST'],
        ['a viewer', viewer, { ...ping, sessionId: mine.id }, 403, 'ROLE_REQUIRED'],
        ['a viewer share link', { headers: { authorization: `Bearer ${shared.body.token}` } }, { ...ping, sessionId: mine.id }, 403, 'FORBIDDEN'],
        ['a driver share link (no console role)', { headers: { authorization: `Bearer ${driverShare.body.token}` } }, { ...ping, sessionId: mine.id }, 403, 'FORBIDDEN'],
        ['a malformed id', operator, { ...ping, sessionId: 'not-a-session' }, 400, 'INVALID_REQUEST'],
      ];
      for (const [what, who, body, status, code] of refusals) {
        const r = await sonde.call('POST', '/api/runs', who.headers, body);
        expect([what, r.status, r.body.error?.code], JSON.stringify(r.body)).toEqual([what, status, code]);
      }
      expect(sonde.engine.toolboxes()).toHaveLength(toolboxes);
      expect(pings).toHaveLength(started);
      expect(await markersOf(mine.id)).toEqual([]);
      expect(await markersOf(hostSession.id)).toEqual([]);

      // An ended session takes no more markers.
      await sonde.call('DELETE', `/api/sessions/${mine.id}`, operator.headers);
      const ended = await sonde.call('POST', '/api/runs', operator.headers, { ...ping, sessionId: mine.id });
      expect([ended.status, ended.body.error.code]).toEqual([410, 'SESSION_ENDED']);
      await sonde.call('DELETE', `/api/sessions/${hostSession.id}`, sonde.admin);
    });
  });
});
