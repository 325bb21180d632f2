import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DockerFixtures, containersWithLabels } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * Issue 10, points 3, 4, 5 and 7, against the real engine: objects have owners, host data is
 * admin-only everywhere, and access follows the owner: when a principal's access ends (token
 * revoked, user disabled or demoted, the policy changes), what it opened ends too, and every
 * long-lived stream it held is closed.
 */

type Headers = Record<string, string>;

describe('owners, host data and revocation', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let target: { id: string; name: string };

  beforeAll(async () => {
    sonde = await startConsole();
    target = await fixtures.container({ labels: ['team=red'] });
  });

  afterAll(async () => {
    await sonde?.close();
    if (sonde) expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
    await fixtures.dispose();
  });

  async function call(method: string, url: string, headers: Headers, payload?: object) {
    const r = await sonde.app.inject({ method: method as 'GET', url, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}) });
    return { status: r.statusCode, body: String(r.headers['content-type'] ?? '').startsWith('application/json') ? r.json() : r.body };
  }

  async function token(role: 'operator' | 'admin' | 'viewer', name = `${role}-${Math.random().toString(36).slice(2, 8)}`): Promise<{ id: string; principal: string; headers: Headers }> {
    const r = await call('POST', '/api/tokens', sonde.auth, { name, role });
    expect(r.status).toBe(201);
    return { id: r.body.id, principal: `token:${r.body.id}`, headers: { authorization: `Bearer ${r.body.token}` } };
  }

  async function user(role: 'operator' | 'admin'): Promise<{ id: string; headers: Headers }> {
    const username = `u${Math.random().toString(36).slice(2, 10)}`;
    const password = 'a-long-enough-password-1';
    const created = await call('POST', '/api/users', sonde.auth, { username, password, role });
    expect(created.status).toBe(201);
    const login = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
    expect(login.statusCode).toBe(204);
    const cookie = `sonde_auth=${/sonde_auth=([^;]+)/.exec(String(login.headers['set-cookie']))![1]}`;
    return { id: created.body.id, headers: { cookie, 'x-sonde-request': '1', origin: sonde.baseUrl } };
  }

  async function ok(method: string, url: string, headers: Headers, payload?: object) {
    const r = await call(method, url, headers, payload);
    expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  }

  /** A server-sent or streamed HTTP response, read until it ends; `ended` resolves then. */
  async function stream(url: string, headers: Headers): Promise<{ status: number; ended: Promise<void> }> {
    const response = await fetch(`${sonde.baseUrl}${url}`, { headers });
    const reader = response.body!.getReader();
    const ended = (async () => {
      for (;;) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
      }
    })();
    return { status: response.status, ended };
  }

  const within = <T>(promise: Promise<T>, ms = 10_000): Promise<T> =>
    Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

  it('runs and captures belong to whoever started them: others get 404 for every use', async () => {
    const alice = await token('operator');
    const bob = await token('operator');
    const run = await ok('POST', '/api/runs', alice.headers, { tool: 'ping', target: { kind: 'container', container: target.name }, params: { host: '127.0.0.1', count: 30 } });
    const capture = await ok('POST', '/api/captures', alice.headers, { target: { kind: 'container', container: target.name }, interface: 'eth0' });
    expect(run.owner).toMatchObject({ id: alice.principal });
    expect(capture.owner).toMatchObject({ id: alice.principal });

    expect((await ok('GET', '/api/runs', bob.headers)).map((r: { id: string }) => r.id)).not.toContain(run.id);
    expect((await ok('GET', '/api/captures', bob.headers)).map((c: { id: string }) => c.id)).not.toContain(capture.id);
    for (const [method, url] of [
      ['GET', `/api/runs/${run.id}`],
      ['DELETE', `/api/runs/${run.id}`],
      ['GET', `/api/captures/${capture.id}`],
      ['DELETE', `/api/captures/${capture.id}`],
      ['GET', `/api/captures/${capture.id}/pcap`],
      ['GET', `/api/captures/${capture.id}/events`],
    ] as const) {
      const r = await call(method, url, bob.headers);
      expect(r.status, `${method} ${url}`).toBe(404);
    }
    const peek = await TerminalClient.connect(`${sonde.wsUrl}/api/runs/${run.id}/tty`, bob.headers);
    expect((await peek.waitClosed()).code).toBe(4004);
    expect(peek.text()).toBe('');

    // The owner and admins still may.
    expect((await ok('GET', `/api/runs/${run.id}`, alice.headers)).state).toBe('running');
    expect((await ok('GET', `/api/captures/${capture.id}`, sonde.auth)).state).toBe('running');
    await ok('DELETE', `/api/captures/${capture.id}`, alice.headers);
    await ok('DELETE', `/api/runs/${run.id}`, sonde.auth);
    expect((await ok('GET', `/api/runs/${run.id}`, alice.headers)).state).toBe('exited');
  });

  it('host data is for admins only: sessions, their recordings and input, runs and captures', async () => {
    const operator = await token('operator');
    const admin = await token('admin');
    const session = await ok('POST', '/api/sessions', admin.headers, { target: { kind: 'host', engine: 'local' } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, admin.headers);
    await term.run('echo host-secret-$((6*7))');
    const run = await ok('POST', '/api/runs', admin.headers, { tool: 'ip-addr', target: { kind: 'host', engine: 'local' } });
    const capture = await ok('POST', '/api/captures', admin.headers, { target: { kind: 'host', engine: 'local' }, interface: 'lo', limits: { seconds: 60 } });
    const recording = (await ok('GET', `/api/recordings?sessionId=${session.id}`, admin.headers))[0];
    expect(recording).toBeDefined();

    expect((await ok('GET', '/api/sessions', operator.headers)).map((s: { id: string }) => s.id)).not.toContain(session.id);
    expect((await ok('GET', '/api/recordings', operator.headers)).map((r: { id: string }) => r.id)).not.toContain(recording.id);
    for (const url of [
      `/api/sessions/${session.id}`,
      `/api/recordings/${recording.id}`,
      `/api/recordings/${recording.id}/cast`,
      `/api/runs/${run.id}`,
      `/api/captures/${capture.id}`,
      `/api/captures/${capture.id}/pcap`,
      `/api/captures/${capture.id}/events`,
    ]) {
      expect((await call('GET', url, operator.headers)).status, url).toBe(404);
    }
    expect((await call('GET', `/api/recordings/${recording.id}/input`, operator.headers)).status).toBe(403);
    for (const path of [session.ttyPath, run.ttyPath]) {
      const watcher = await TerminalClient.connect(`${sonde.wsUrl}${path}`, operator.headers);
      expect((await watcher.waitClosed()).code, path).toBe(4004);
      expect(watcher.text()).not.toContain('host-secret');
    }
    // Nor can an admin hand a host shell's screen to someone with no role through a link.
    const share = await call('POST', `/api/sessions/${session.id}/shares`, admin.headers, { role: 'viewer', expiresInSeconds: 600 });
    expect(share.status).toBe(403);
    expect(share.body.error.code).toBe('TARGET_NOT_ALLOWED');
    // Admins see all of it.
    expect((await call('GET', `/api/recordings/${recording.id}/cast`, admin.headers)).status).toBe(200);
    await ok('DELETE', `/api/captures/${capture.id}`, admin.headers);
    await ok('DELETE', `/api/sessions/${session.id}`, admin.headers);
    term.close();
  });

  it('the event stream tells each principal only of the sessions it may see', async () => {
    const viewer = await token('viewer');
    const operator = await token('operator');
    const texts = { viewer: '', operator: '', admin: '' };
    const controllers: AbortController[] = [];
    for (const [who, headers] of [['viewer', viewer.headers], ['operator', operator.headers], ['admin', sonde.auth]] as const) {
      const abort = new AbortController();
      controllers.push(abort);
      const response = await fetch(`${sonde.baseUrl}/api/events`, { headers, signal: abort.signal });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done) return;
          texts[who] += new TextDecoder().decode(value);
        }
      })();
    }
    const host = await ok('POST', '/api/sessions', sonde.auth, { target: { kind: 'host' } });
    const shell = await ok('POST', '/api/sessions', sonde.auth, { target: { kind: 'container', container: target.name } });
    await vi.waitFor(() => expect(texts.admin).toContain(shell.id), { timeout: 10_000 });
    expect(texts.admin).toContain(host.id);
    // Operators hear of container sessions they could open, never of the host's; viewers of none.
    expect(texts.operator).toContain(shell.id);
    expect(texts.operator).not.toContain(host.id);
    expect(texts.viewer).not.toMatch(/event: session/);
    for (const abort of controllers) abort.abort();
    await ok('DELETE', `/api/sessions/${host.id}`, sonde.auth);
    await ok('DELETE', `/api/sessions/${shell.id}`, sonde.auth);
  });

  it('revoking a token ends its sessions, runs, captures, share links and every stream it held', async () => {
    const ci = await token('operator');
    const session = await ok('POST', '/api/sessions', ci.headers, { target: { kind: 'container', container: target.name } });
    const mine = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, ci.headers);
    await mine.run('echo ready');
    const link = await ok('POST', `/api/sessions/${session.id}/shares`, ci.headers, { role: 'viewer', expiresInSeconds: 3600 });
    const guestHeaders = { authorization: `Bearer ${link.token}` };
    const guest = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, guestHeaders);
    const admin = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, sonde.auth);
    await admin.waitFor(/ready/);
    const run = await ok('POST', '/api/runs', ci.headers, { tool: 'ping', target: { kind: 'container', container: target.name }, params: { host: '127.0.0.1', count: 60 } });
    const runSocket = await TerminalClient.connect(`${sonde.wsUrl}${run.ttyPath}`, ci.headers);
    const capture = await ok('POST', '/api/captures', ci.headers, { target: { kind: 'container', container: target.name }, interface: 'eth0' });
    const events = await stream('/api/events', ci.headers);
    const feed = await stream(`/api/captures/${capture.id}/events`, ci.headers);
    const pcap = await stream(`/api/captures/${capture.id}/pcap`, ci.headers);
    expect([events.status, feed.status, pcap.status]).toEqual([200, 200, 200]);

    await ok('DELETE', `/api/tokens/${ci.id}`, sonde.auth);

    // Its own sockets hear 4003; the guest's link was revoked with it.
    expect((await mine.waitClosed()).code).toBe(4003);
    expect((await guest.waitClosed()).code).toBe(4003);
    expect((await runSocket.waitClosed()).code).toBeOneOf([4003, 4000]);
    await within(Promise.all([events.ended, feed.ended, pcap.ended]));
    // Everyone else attached is told why the session ended.
    expect((await admin.waitClosed()).code).toBe(4000);
    expect(admin.controlsOf('notice').map((n) => n.message).join('\n')).toMatch(/This session is ending: the access of its owner, .* was revoked/);
    expect(admin.controlsOf('exit')[0]?.reason).toBe("its owner's access was revoked");
    const after = await ok('GET', `/api/sessions/${session.id}`, sonde.auth);
    expect(after).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    expect(await ok('GET', `/api/runs/${run.id}`, sonde.auth)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    await vi.waitFor(async () => expect(await ok('GET', `/api/captures/${capture.id}`, sonde.auth)).toMatchObject({ state: 'ended', endReason: 'access-revoked' }));
    // The link admits no one any more, and nothing of the token's is left running.
    expect((await call('GET', `/api/sessions/${session.id}`, guestHeaders)).status).toBe(403);
    const shares = await ok('GET', `/api/sessions/${session.id}/shares`, sonde.auth);
    expect(shares[0].revokedAt).toBeDefined();
    for (const id of [session.id, run.id, capture.id]) {
      await vi.waitFor(async () => expect(await containersWithLabels(`sonde.instance=${sonde.instance}`, `sonde.session=${id}`)).toEqual([]), { timeout: 15_000 });
    }
  });

  it('disabling or demoting a user ends what they opened; so does a change made outside the API', async () => {
    const carol = await user('operator');
    const dave = await user('admin');
    const erin = await user('operator');
    const carolSession = await ok('POST', '/api/sessions', carol.headers, { target: { kind: 'container', container: target.name } });
    const daveSession = await ok('POST', '/api/sessions', dave.headers, { target: { kind: 'host', engine: 'local' } });
    const erinSession = await ok('POST', '/api/sessions', erin.headers, { target: { kind: 'container', container: target.name } });
    const daveLink = await ok('POST', '/api/sessions/' + erinSession.id + '/shares', sonde.auth, { role: 'viewer', expiresInSeconds: 600 });
    expect(daveLink.token).toBeDefined();

    await ok('PATCH', `/api/users/${carol.id}`, sonde.auth, { disabled: true });
    await ok('PATCH', `/api/users/${dave.id}`, sonde.auth, { role: 'operator' });
    expect(await ok('GET', `/api/sessions/${carolSession.id}`, sonde.auth)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    expect(await ok('GET', `/api/sessions/${daveSession.id}`, sonde.auth)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    // Dave may still log in, with his new role.
    expect((await call('GET', '/api/me', dave.headers)).body).toMatchObject({ role: 'operator' });

    // A user disabled behind the console's back (the `sonde-user` command writes the database) is caught by the sweep.
    sonde.app.identities.updateUser(erin.id, { disabled: true });
    await vi.waitFor(async () => expect(await ok('GET', `/api/sessions/${erinSession.id}`, sonde.auth)).toMatchObject({ state: 'exited', endReason: 'access-revoked' }), {
      timeout: 10_000,
      interval: 250,
    });
  });

  it('a policy change that refuses a live session\'s target ends it within seconds, with a notice', async () => {
    const operator = await token('operator');
    const session = await ok('POST', '/api/sessions', operator.headers, { target: { kind: 'container', container: target.name } });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, operator.headers);
    await term.run('echo before');
    const adminSession = await ok('POST', '/api/sessions', sonde.auth, { target: { kind: 'container', container: target.name } });
    const policy = await ok('GET', '/api/policy', sonde.auth);
    const started = Date.now();
    await ok('PUT', '/api/policy', sonde.auth, { ...policy, operator: { ...policy.operator, denyLabels: ['team=red'] } });
    try {
      expect((await term.waitClosed(5000)).code).toBe(4000);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(term.controlsOf('notice').map((n) => n.message).join('\n')).toMatch(/This session is ending: the target policy no longer allows it: containers labelled team=red are excluded/);
      expect(await ok('GET', `/api/sessions/${session.id}`, sonde.auth)).toMatchObject({ state: 'exited', endReason: 'policy' });
      // The admin's rules did not change: their session on the same target lives on.
      expect((await ok('GET', `/api/sessions/${adminSession.id}`, sonde.auth)).state).toBe('running');
    } finally {
      await ok('PUT', '/api/policy', sonde.auth, policy);
      await ok('DELETE', `/api/sessions/${adminSession.id}`, sonde.auth);
    }
  });
});
