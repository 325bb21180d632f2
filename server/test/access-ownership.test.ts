import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Caller } from './support/api-client.js';
import { DockerFixtures, containersWithLabels } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * Issue 10, points 3, 4, 5 and 7, against the real engine: objects have owners, host data is
 * admin-only everywhere, and access follows the owner: when a principal's access ends (token
 * revoked, user disabled or demoted, the policy changes), what it opened ends too, and every
 * long-lived stream it held is closed.
 */

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

  /** The status of a GET the client has no method for (streams, downloads), as `who`. */
  async function status(url: string, who: Caller): Promise<number> {
    return (await sonde.app.inject({ url, headers: who.auth })).statusCode;
  }

  const token = async (role: 'operator' | 'admin' | 'viewer') => {
    const created = await sonde.newToken(role);
    return { ...created, principal: `token:${created.id}` };
  };

  async function user(role: 'operator' | 'admin'): Promise<Caller & { id: string }> {
    const username = `u${Math.random().toString(36).slice(2, 10)}`;
    const password = 'a-long-enough-password-1';
    const { id } = await sonde.client.createUser({ username, password, role });
    return { ...(await sonde.login(username, password)), id };
  }

  /** A server-sent or streamed HTTP response, read until it ends; `ended` resolves then. */
  async function stream(url: string, headers: Record<string, string>): Promise<{ status: number; ended: Promise<void> }> {
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
    const run = await alice.client.createRun({ tool: 'ping', target: { kind: 'container', container: target.name }, params: { host: '127.0.0.1', count: 30 } });
    const capture = await alice.client.createCapture({ target: { kind: 'container', container: target.name }, interface: 'eth0' });
    expect(run.owner).toMatchObject({ id: alice.principal });
    expect(capture.owner).toMatchObject({ id: alice.principal });

    expect((await bob.client.runs()).map((r) => r.id)).not.toContain(run.id);
    expect((await bob.client.captures()).map((c) => c.id)).not.toContain(capture.id);
    await expect(bob.client.run(run.id), 'GET run').rejects.toMatchObject({ status: 404 });
    await expect(bob.client.cancelRun(run.id), 'DELETE run').rejects.toMatchObject({ status: 404 });
    await expect(bob.client.capture(capture.id), 'GET capture').rejects.toMatchObject({ status: 404 });
    await expect(bob.client.stopCapture(capture.id), 'DELETE capture').rejects.toMatchObject({ status: 404 });
    for (const url of [`/api/captures/${capture.id}/pcap`, `/api/captures/${capture.id}/events`]) {
      expect(await status(url, bob), url).toBe(404);
    }
    const peek = await TerminalClient.connect(`${sonde.wsUrl}/api/runs/${run.id}/tty`, bob.auth);
    expect((await peek.waitClosed()).code).toBe(4004);
    expect(peek.text()).toBe('');

    // The owner and admins still may.
    expect((await alice.client.run(run.id)).state).toBe('running');
    expect((await sonde.client.capture(capture.id)).state).toBe('running');
    await alice.client.stopCapture(capture.id);
    await sonde.client.cancelRun(run.id);
    expect((await alice.client.run(run.id)).state).toBe('exited');
  });

  it('host data is for admins only: sessions, their recordings and input, runs and captures', async () => {
    const operator = await token('operator');
    const admin = await token('admin');
    const session = await admin.client.createSession({ kind: 'host', engine: 'local' });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, admin.auth);
    await term.run('echo host-secret-$((6*7))');
    const run = await admin.client.createRun({ tool: 'ip-addr', target: { kind: 'host', engine: 'local' } });
    const capture = await admin.client.createCapture({ target: { kind: 'host', engine: 'local' }, interface: 'lo', limits: { seconds: 60 } });
    const [recording] = await admin.client.recordings({ sessionId: session.id });
    if (!recording) throw new Error(`no recording of session ${session.id}`);

    expect((await operator.client.sessions()).map((s) => s.id)).not.toContain(session.id);
    expect((await operator.client.recordings()).map((r) => r.id)).not.toContain(recording.id);
    for (const [what, read] of [
      ['session', () => operator.client.session(session.id)],
      ['recording', () => operator.client.recording(recording.id)],
      ['cast', () => operator.client.recordingCast(recording.id)],
      ['run', () => operator.client.run(run.id)],
      ['capture', () => operator.client.capture(capture.id)],
    ] as const) {
      await expect(read(), what).rejects.toMatchObject({ status: 404 });
    }
    for (const url of [`/api/captures/${capture.id}/pcap`, `/api/captures/${capture.id}/events`]) {
      expect(await status(url, operator), url).toBe(404);
    }
    await expect(operator.client.recordingInput(recording.id)).rejects.toMatchObject({ status: 403 });
    for (const path of [session.ttyPath, run.ttyPath]) {
      const watcher = await TerminalClient.connect(`${sonde.wsUrl}${path}`, operator.auth);
      expect((await watcher.waitClosed()).code, path).toBe(4004);
      expect(watcher.text()).not.toContain('host-secret');
    }
    // Nor can an admin hand a host shell's screen to someone with no role through a link.
    await expect(admin.client.createShare(session.id, { role: 'viewer', expiresInSeconds: 600 })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    // Admins see all of it.
    await expect(admin.client.recordingCast(recording.id)).resolves.toEqual(expect.any(String));
    await admin.client.stopCapture(capture.id);
    await admin.client.endSession(session.id);
    term.close();
  });

  it('the event stream tells each principal only of the sessions it may see', async () => {
    const viewer = await token('viewer');
    const operator = await token('operator');
    const texts = { viewer: '', operator: '', admin: '' };
    const controllers: AbortController[] = [];
    for (const [who, headers] of [['viewer', viewer.auth], ['operator', operator.auth], ['admin', sonde.auth]] as const) {
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
    const host = await sonde.client.createSession({ kind: 'host' });
    const shell = await sonde.client.createSession({ kind: 'container', container: target.name });
    await vi.waitFor(() => expect(texts.admin).toContain(shell.id), { timeout: 10_000 });
    expect(texts.admin).toContain(host.id);
    // Operators hear of container sessions they could open, never of the host's; viewers of none.
    expect(texts.operator).toContain(shell.id);
    expect(texts.operator).not.toContain(host.id);
    expect(texts.viewer).not.toMatch(/event: session/);
    for (const abort of controllers) abort.abort();
    await sonde.client.endSession(host.id);
    await sonde.client.endSession(shell.id);
  });

  it('revoking a token ends its sessions, runs, captures, share links and every stream it held', async () => {
    const ci = await token('operator');
    const session = await ci.client.createSession({ kind: 'container', container: target.name });
    const mine = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, ci.auth);
    await mine.run('echo ready');
    const link = await ci.client.createShare(session.id, { role: 'viewer', expiresInSeconds: 3600 });
    const guestCaller = sonde.caller({ token: link.token });
    const guest = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, guestCaller.auth);
    const admin = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, sonde.auth);
    await admin.waitFor(/ready/);
    const run = await ci.client.createRun({ tool: 'ping', target: { kind: 'container', container: target.name }, params: { host: '127.0.0.1', count: 60 } });
    const runSocket = await TerminalClient.connect(`${sonde.wsUrl}${run.ttyPath}`, ci.auth);
    const capture = await ci.client.createCapture({ target: { kind: 'container', container: target.name }, interface: 'eth0' });
    const events = await stream('/api/events', ci.auth);
    const feed = await stream(`/api/captures/${capture.id}/events`, ci.auth);
    const pcap = await stream(`/api/captures/${capture.id}/pcap`, ci.auth);
    expect([events.status, feed.status, pcap.status]).toEqual([200, 200, 200]);

    await sonde.client.revokeApiToken(ci.id);

    // Its own sockets hear 4003; the guest's link was revoked with it.
    expect((await mine.waitClosed()).code).toBe(4003);
    expect((await guest.waitClosed()).code).toBe(4003);
    expect((await runSocket.waitClosed()).code).toBeOneOf([4003, 4000]);
    await within(Promise.all([events.ended, feed.ended, pcap.ended]));
    // Everyone else attached is told why the session ended.
    expect((await admin.waitClosed()).code).toBe(4000);
    expect(admin.controlsOf('notice').map((n) => n.message).join('\n')).toMatch(/This session is ending: the access of its owner, .* was revoked/);
    expect(admin.controlsOf('exit')[0]?.reason).toBe("its owner's access was revoked");
    expect(await sonde.client.session(session.id)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    expect(await sonde.client.run(run.id)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    await vi.waitFor(async () => expect(await sonde.client.capture(capture.id)).toMatchObject({ state: 'ended', endReason: 'access-revoked' }));
    // The link admits no one any more, and nothing of the token's is left running.
    await expect(guestCaller.client.session(session.id)).rejects.toMatchObject({ status: 403 });
    const shares = await sonde.client.shares(session.id);
    expect(shares[0]?.revokedAt).toBeDefined();
    for (const id of [session.id, run.id, capture.id]) {
      await vi.waitFor(async () => expect(await containersWithLabels(`sonde.instance=${sonde.instance}`, `sonde.session=${id}`)).toEqual([]), { timeout: 15_000 });
    }
  });

  it('disabling or demoting a user ends what they opened; so does a change made outside the API', async () => {
    const carol = await user('operator');
    const dave = await user('admin');
    const erin = await user('operator');
    const carolSession = await carol.client.createSession({ kind: 'container', container: target.name });
    const daveSession = await dave.client.createSession({ kind: 'host', engine: 'local' });
    const erinSession = await erin.client.createSession({ kind: 'container', container: target.name });
    const daveLink = await sonde.client.createShare(erinSession.id, { role: 'viewer', expiresInSeconds: 600 });
    expect(daveLink.token).toBeDefined();

    await sonde.client.updateUser(carol.id, { disabled: true });
    await sonde.client.updateUser(dave.id, { role: 'operator' });
    expect(await sonde.client.session(carolSession.id)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    expect(await sonde.client.session(daveSession.id)).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    // Dave may still log in, with his new role.
    expect(await dave.client.me()).toMatchObject({ role: 'operator' });

    // A user disabled behind the console's back (the `sonde-user` command writes the database) is caught by the sweep.
    sonde.app.identities.updateUser(erin.id, { disabled: true });
    await vi.waitFor(async () => expect(await sonde.client.session(erinSession.id)).toMatchObject({ state: 'exited', endReason: 'access-revoked' }), {
      timeout: 10_000,
      interval: 250,
    });
  });

  it('a policy change that refuses a live session\'s target ends it within seconds, with a notice', async () => {
    const operator = await token('operator');
    const session = await operator.client.createSession({ kind: 'container', container: target.name });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, operator.auth);
    await term.run('echo before');
    const adminSession = await sonde.client.createSession({ kind: 'container', container: target.name });
    const policy = await sonde.client.policy();
    const started = Date.now();
    await sonde.client.savePolicy({ ...policy, operator: { ...policy.operator, denyLabels: ['team=red'] } });
    try {
      expect((await term.waitClosed(5000)).code).toBe(4000);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(term.controlsOf('notice').map((n) => n.message).join('\n')).toMatch(/This session is ending: the target policy no longer allows it: containers labelled team=red are excluded/);
      expect(await sonde.client.session(session.id)).toMatchObject({ state: 'exited', endReason: 'policy' });
      // The admin's rules did not change: their session on the same target lives on.
      expect((await sonde.client.session(adminSession.id)).state).toBe('running');
    } finally {
      await sonde.client.savePolicy(policy);
      await sonde.client.endSession(adminSession.id);
    }
  });
});
