import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, HOOK_TIMEOUT_MS, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * What the workloads plugin promises across sessions, runs and captures, through the real
 * routes on the fake engine: per-user limits and the toolbox budget (429), the target policy,
 * everything a principal held ending with its access, and the engine going away (sessions end
 * with engine-lost, health degrades, orphans are reaped when it is back). Against Docker:
 * server/test/access-limits.test.ts, access-ownership.test.ts, access-policy.test.ts, chaos/.
 */

const WEB = { kind: 'container', container: 'web' } as const;

/** A tool that runs until stopped: its toolbox stays live while a test needs it. */
function keepPingsRunning(sonde: FakeConsole): void {
  sonde.engine.onTty('ping', () => undefined);
}

describe('per-user limits and the toolbox budget', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;

  beforeAll(async () => {
    sonde = await startFakeConsole({
      env: {
        SONDE_MAX_SESSIONS_PER_USER: '2',
        SONDE_MAX_RUNS_PER_USER: '1',
        SONDE_MAX_CAPTURES_PER_USER: '1',
        SONDE_MAX_STREAMS_PER_USER: '2',
        SONDE_MAX_SOCKETS_PER_SESSION: '2',
        SONDE_MAX_TOOLBOXES: '4',
      },
    });
    sonde.engine.addNetwork({ name: 'backend' });
    sonde.engine.addContainer({ name: 'web', networks: ['backend'] });
    sonde.engine.addContainer({ name: 'db', networks: ['backend'] });
    keepPingsRunning(sonde);
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  const post = (url: string, headers: Headers, payload: object) => sonde.call('POST', url, headers, payload);

  it('caps live sessions, runs and captures per user, and toolboxes for the console (429 naming the variable); ending gives room back once', async () => {
    const alice = (await sonde.token('operator')).headers;
    const bob = (await sonde.token('operator')).headers;
    const a1 = await post('/api/sessions', alice, { target: WEB });
    const a2 = await post('/api/sessions', alice, { target: WEB });
    expect([a1.status, a2.status]).toEqual([201, 201]);
    const a3 = await post('/api/sessions', alice, { target: WEB });
    expect([a3.status, a3.body.error.code]).toEqual([429, 'TOO_MANY_SESSIONS']);
    expect(a3.body.error.message).toContain('SONDE_MAX_SESSIONS_PER_USER');
    expect((await post('/api/sessions', bob, { target: WEB })).status).toBe(201);

    // Three toolboxes run; a two-sided tool needs two more, and the budget is four.
    const iperf = await post('/api/runs', bob, { tool: 'iperf3', target: WEB, params: { server: 'db', seconds: 1 } });
    expect([iperf.status, iperf.body.error.code]).toEqual([429, 'TOO_MANY_TOOLBOXES']);
    expect(iperf.body.error.message).toContain('SONDE_MAX_TOOLBOXES');
    const ping = await post('/api/runs', bob, { tool: 'ping', target: WEB, params: { host: 'db' } });
    expect(ping.status).toBe(201);
    expect((await post('/api/runs', alice, { tool: 'ping', target: WEB, params: { host: 'db' } })).body.error.code).toBe('TOO_MANY_TOOLBOXES');
    expect(sonde.app.admission.toolboxesInUse).toBe(4);
    // Sessions idle in their toolbox (their shells are execs), runs are TTY toolboxes.
    expect(sonde.engine.toolboxes().filter((t) => t.mode === 'tty' || t.mode === 'idle')).toHaveLength(4);

    await sonde.call('DELETE', `/api/runs/${ping.body.id}`, bob);
    await sonde.call('DELETE', `/api/sessions/${a1.body.id}`, alice);
    await sonde.call('DELETE', `/api/sessions/${a1.body.id}`, alice);
    expect(sonde.app.admission.toolboxesInUse).toBe(2);
    const run = await post('/api/runs', bob, { tool: 'ping', target: WEB, params: { host: 'db' } });
    expect(run.status).toBe(201);
    const second = await post('/api/runs', bob, { tool: 'ping', target: WEB, params: { host: 'db' } });
    expect([second.status, second.body.error.code]).toEqual([429, 'TOO_MANY_RUNS']);
    expect(second.body.error.message).toContain('SONDE_MAX_RUNS_PER_USER');
    const capture = await post('/api/captures', alice, { target: WEB });
    expect(capture.status).toBe(201);
    const capture2 = await post('/api/captures', alice, { target: WEB });
    expect(capture2.status).toBe(429);

    for (const [url, headers] of [
      [`/api/runs/${run.body.id}`, bob],
      [`/api/captures/${capture.body.id}`, alice],
      [`/api/sessions/${a2.body.id}`, alice],
    ] as const) {
      expect((await sonde.call('DELETE', url, headers)).status).toBe(204);
    }
    const b1 = (await sonde.call('GET', '/api/sessions', bob)).body.find((s: { state: string }) => s.state === 'running');
    await sonde.call('DELETE', `/api/sessions/${b1.id}`, bob);
    expect(sonde.app.admission.toolboxesInUse).toBe(0);
    expect(sonde.engine.toolboxes().filter((t) => t.mode !== 'completion')).toEqual([]);
  });

  it('caps live event streams per user, and sockets per session (4029)', async () => {
    const carol = (await sonde.token('operator')).headers;
    const open = () => sonde.app.inject({ url: '/api/events', headers: carol, payloadAsStream: true });
    expect([(await open()).statusCode, (await open()).statusCode]).toEqual([200, 200]);
    const third = await open();
    expect(third.statusCode).toBe(429);
    let refusal = '';
    for await (const chunk of third.stream()) refusal += String(chunk);
    expect(JSON.parse(refusal)).toMatchObject({ error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SONDE_MAX_STREAMS_PER_USER') } });

    const session = (await post('/api/sessions', carol, { target: WEB })).body;
    const one = await sonde.terminal(session.ttyPath, carol);
    const two = await sonde.terminal(session.ttyPath, sonde.admin);
    const three = await sonde.terminal(session.ttyPath, carol);
    expect((await three.waitClosed()).code).toBe(4029);
    expect(three.controlsOf('error')[0]).toMatchObject({ code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SONDE_MAX_SOCKETS_PER_SESSION') });
    expect([one.closed, two.closed]).toEqual([undefined, undefined]);
    await sonde.call('DELETE', `/api/sessions/${session.id}`, carol);
  });
});

/** One console for what follows: access ending, the policy, then the engine going away. */
describe('with default limits', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addNetwork({ name: 'backend' });
    sonde.engine.addContainer({ name: 'web', networks: ['backend'] });
    sonde.engine.addContainer({ name: 'db', labels: { tier: 'db' } });
    sonde.engine.addContainer({ name: 'vault', labels: { 'sonde.deny': 'true' } });
    keepPingsRunning(sonde);
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  describe('access ending, and the target policy', () => {
    it('revoking a token closes its sockets and streams (4003) and ends everything it opened; others are told why', async () => {
      const operator = await sonde.token('operator');
      const session = (await sonde.call('POST', '/api/sessions', operator.headers, { target: WEB })).body;
      const run = (await sonde.call('POST', '/api/runs', operator.headers, { tool: 'ping', target: WEB, params: { host: 'db' } })).body;
      const capture = (await sonde.call('POST', '/api/captures', operator.headers, { target: WEB })).body;
      const own = await sonde.terminal(session.ttyPath, operator.headers);
      const watching = await sonde.terminal(session.ttyPath, sonde.admin);
      const events = await sonde.app.inject({ url: '/api/events', headers: operator.headers, payloadAsStream: true });
      const eventsEnded = new Promise<void>((resolve) => events.stream().on('end', resolve).resume());
      const toolboxes = [session.toolbox.containerId, run.toolbox.containerId, capture.toolbox.containerId];

      expect((await sonde.call('DELETE', `/api/tokens/${operator.id}`, sonde.admin)).status).toBe(204);
      expect(await own.waitClosed()).toMatchObject({ code: 4003 });
      expect(own.controlsOf('error')).toEqual([{ type: 'error', code: 'ACCESS_REVOKED', message: 'Disconnected: the API token was revoked.' }]);
      await eventsEnded;
      expect(await watching.waitClosed()).toMatchObject({ code: 4000, reason: "its owner's access was revoked" });
      expect(watching.controlsOf('notice').at(-1)?.message).toContain('the access of its owner');
      for (const url of [`/api/sessions/${session.id}`, `/api/runs/${run.id}`, `/api/captures/${capture.id}`]) {
        await eventually(async () => (await sonde.call('GET', url, sonde.admin)).body.endReason === 'access-revoked', `${url} ended`);
      }
      await eventually(() => sonde.engine.toolboxes().every((t) => !toolboxes.includes(t.id)), 'its toolboxes are removed');
      expect((await sonde.call('GET', '/api/me', operator.headers)).status).toBe(401);
    });

    it('refuses targets the policy refuses, for sessions, runs and captures alike, before anything starts', async () => {
      const operator = await sonde.token('operator');
      const viewer = await sonde.token('viewer');
      const policy = (await sonde.call('GET', '/api/policy', sonde.admin)).body;
      expect((await sonde.call('PUT', '/api/policy', sonde.admin, { ...policy, operator: { ...policy.operator, denyLabels: ['tier=db'] } })).status).toBe(200);
      const starts = () => sonde.engine.calls.filter((c) => c.startsWith('start') || c === 'hasCommand').length;
      const before = starts();
      const kinds = [
        ['/api/sessions', {}],
        ['/api/runs', { tool: 'ping', params: { host: 'web' } }],
        ['/api/captures', {}],
      ] as const;
      for (const [url, extra] of kinds) {
        const refusals: [Headers, object, number, string][] = [
          [operator.headers, { kind: 'container', container: 'db' }, 403, 'TARGET_NOT_ALLOWED'],
          [operator.headers, { kind: 'host' }, 403, 'TARGET_NOT_ALLOWED'],
          [sonde.admin, { kind: 'container', container: 'vault' }, 403, 'TARGET_NOT_ALLOWED'],
          [viewer.headers, WEB, 403, 'ROLE_REQUIRED'],
        ];
        for (const [headers, target, status, code] of refusals) {
          const r = await sonde.call('POST', url, headers, { ...extra, target });
          expect([r.status, r.body.error.code], `${url} ${JSON.stringify(target)}`).toEqual([status, code]);
        }
      }
      expect(starts()).toBe(before);
      await sonde.call('PUT', '/api/policy', sonde.admin, policy);
    });

    it('a policy change that refuses a live session ends it, with a notice to everyone attached', async () => {
      const operator = await sonde.token('operator');
      const session = (await sonde.call('POST', '/api/sessions', operator.headers, { target: { kind: 'container', container: 'db' } })).body;
      const term = await sonde.terminal(session.ttyPath, operator.headers);
      const policy = (await sonde.call('GET', '/api/policy', sonde.admin)).body;
      await sonde.call('PUT', '/api/policy', sonde.admin, { ...policy, operator: { ...policy.operator, namePatterns: ['web*'] } });
      expect(await term.waitClosed()).toMatchObject({ code: 4000, reason: 'the target policy no longer allows this target' });
      expect(term.controlsOf('notice').at(-1)?.message).toMatch(/^This session is ending: /);
      expect((await sonde.call('GET', `/api/sessions/${session.id}`, sonde.admin)).body.endReason).toBe('policy');
      await sonde.call('PUT', '/api/policy', sonde.admin, policy);
    });

    it('a container joining a network makes it sensitive: sessions on it end for roles that may not reach that member', async () => {
      const operator = await sonde.token('operator');
      const session = (await sonde.call('POST', '/api/sessions', operator.headers, { target: { kind: 'network', network: 'backend' } })).body;
      const term = await sonde.terminal(session.ttyPath, operator.headers);
      sonde.engine.connect('vault', 'backend');
      expect(await term.waitClosed()).toMatchObject({ code: 4000, reason: 'the target policy no longer allows this target' });
      expect(term.controlsOf('notice').at(-1)?.message).toContain('sensitive');
      const again = await sonde.call('POST', '/api/sessions', operator.headers, { target: { kind: 'network', network: 'backend' } });
      expect([again.status, again.body.error.code]).toEqual([403, 'TARGET_NOT_ALLOWED']);
    });
  });

  describe('when the engine goes away', () => {
    it('ends sessions, runs and captures with engine-lost, degrades health, refuses new work (503), and reaps the orphans once it is back', async () => {
      const session = (await sonde.call('POST', '/api/sessions', sonde.admin, { target: WEB })).body;
      const run = (await sonde.call('POST', '/api/runs', sonde.admin, { tool: 'ping', target: WEB, params: { host: 'db' } })).body;
      const capture = (await sonde.call('POST', '/api/captures', sonde.admin, { target: WEB })).body;
      const term = await sonde.terminal(session.ttyPath, sonde.admin);
      await term.waitFor(/\$ $/);

      sonde.engine.setReachable(false);
      expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the connection to Docker was lost' });
      expect(term.controlsOf('exit')).toEqual([{ type: 'exit', code: -1, reason: 'the connection to Docker was lost' }]);
      for (const url of [`/api/sessions/${session.id}`, `/api/runs/${run.id}`, `/api/captures/${capture.id}`]) {
        await eventually(async () => (await sonde.call('GET', url, sonde.admin)).body.endReason === 'engine-lost', `${url} ended with engine-lost`);
      }
      const health = await sonde.call('GET', '/api/health', {});
      expect([health.status, health.body]).toEqual([200, { status: 'degraded', docker: { reachable: false }, engines: [{ name: 'local', reachable: false, error: `Cannot reach Docker at ${sonde.engine.endpoint} (ECONNREFUSED).` }] }]);
      const refused = await sonde.call('POST', '/api/sessions', sonde.admin, { target: WEB });
      expect([refused.status, refused.body.error.code]).toEqual([503, 'DOCKER_UNREACHABLE']);
      expect(refused.body.error.message).toContain(sonde.engine.endpoint);
      // The inventory leaves an engine that is down out, and says so.
      const listed = await sonde.call('GET', '/api/containers', sonde.admin);
      expect([listed.status, listed.body, listed.headers['x-sonde-unreachable']]).toEqual([200, [], 'local']);
      // Their toolboxes could not be removed: the engine still has them.
      const orphans = [session.toolbox.containerId, run.toolbox.containerId, capture.toolbox.containerId];
      expect(sonde.engine.toolboxes().map((t) => t.id)).toEqual(expect.arrayContaining(orphans));

      // Back: a health check finds it (the monitor would on its next retry), and the orphans go.
      sonde.engine.setReachable(true);
      expect((await sonde.call('GET', '/api/health', {})).body).toMatchObject({ status: 'ok', docker: { reachable: true } });
      await eventually(() => sonde.engine.toolboxes().length === 0, 'the orphans are reaped');
      expect((await sonde.call('POST', '/api/sessions', sonde.admin, { target: WEB })).status).toBe(201);
    });

      it('closing the console ends live sessions (4001) and a start in flight (503), leaving no toolbox', async () => {
      const closing = await startFakeConsole({ engine: sonde.engine });
      const session = (await closing.call('POST', '/api/sessions', closing.admin, { target: WEB })).body;
      const term = await closing.terminal(session.ttyPath, closing.admin);
      // Its namespace snapshot is taken (a toolbox of its own, started): the next start is the session's.
      await closing.app.netstate.baselineTaken(session.id);
      const hold = sonde.engine.holdNext('start');
      const starting = closing.call('POST', '/api/sessions', closing.admin, { target: WEB });
      await hold.reached;
      // Released once the sessions' shutdown began, so the start finishes into a closing console.
      const shutdown = vi.spyOn(closing.app.sessions, 'shutdown');
      const closed = closing.close();
      await eventually(() => shutdown.mock.calls.length > 0, 'the sessions shut down');
      hold.release();
      const late = await starting;
      await closed;
      expect([late.status, late.body.error.code]).toEqual([503, 'SHUTTING_DOWN']);
      expect(await term.waitClosed()).toEqual({ code: 4001, reason: 'the Sonde server is shutting down' });
      const mine = sonde.engine.history().filter((t) => t.spec.labels['sonde.instance'] === closing.config.instance);
      expect(mine.filter((t) => t.mode === 'idle')).toHaveLength(2);
      expect(mine.filter((t) => t.exists)).toEqual([]);
    });
  });
});
