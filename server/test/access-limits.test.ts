import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatedShare, type TargetRequest } from '@sonde/shared';
import { SECRET_FAILURES_PER_MINUTE } from '../src/app.js';
import { holdStream, type HeldStream } from '../src/testing/server-sent-events.js';
import { authCookie, checked, refusal } from './support/api-client.js';
import { DockerFixtures, containersWithLabels } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * Issue 10, points 8, 10 and 12: limits an operator cannot exceed, guessing tokens throttled
 * like passwords, bootstrap logins that end with their token, and a console behind a proxy that
 * sees the client's address and scheme (and only from proxies it trusts).
 */

describe('per-user limits and the toolbox budget', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let target: { id: string; name: string };
  let peer: { id: string; name: string };

  beforeAll(async () => {
    const network = await fixtures.network();
    target = await fixtures.container({ network });
    peer = await fixtures.container({ network });
    sonde = await startConsole({
      SONDE_MAX_SESSIONS_PER_USER: '2',
      SONDE_MAX_RUNS_PER_USER: '1',
      SONDE_MAX_CAPTURES_PER_USER: '1',
      SONDE_MAX_STREAMS_PER_USER: '2',
      SONDE_MAX_SOCKETS_PER_SESSION: '2',
      SONDE_MAX_TOOLBOXES: '4',
    });
  });

  afterAll(async () => {
    await sonde?.close();
    if (sonde) expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
    await fixtures.dispose();
  });

  it('caps live sessions, runs and captures per user, and toolboxes for the console (429, with the variable named)', async () => {
    const alice = (await sonde.newToken('operator')).client;
    const bob = (await sonde.newToken('operator')).client;
    const on: TargetRequest = { kind: 'container', container: target.name };
    const a1 = await alice.createSession(on);
    const a2 = await alice.createSession(on);
    await expect(alice.createSession(on)).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_SESSIONS', message: expect.stringContaining('SONDE_MAX_SESSIONS_PER_USER') });
    // Another user is not limited by Alice's sessions.
    const b1 = await bob.createSession(on);
    // Three toolboxes run; a two-sided tool needs two more, and the budget is four.
    await expect(bob.createRun({ tool: 'iperf3', target: on, params: { server: peer.name, seconds: 1 } })).rejects.toMatchObject({
      status: 429,
      code: 'TOO_MANY_TOOLBOXES',
      message: expect.stringContaining('SONDE_MAX_TOOLBOXES'),
    });
    const ping = await bob.createRun({ tool: 'ping', target: on, params: { host: '127.0.0.1', count: 20 } });
    await expect(alice.createRun({ tool: 'ping', target: on, params: { host: '127.0.0.1', count: 1 } })).rejects.toMatchObject({ code: 'TOO_MANY_TOOLBOXES' });
    expect(sonde.app.admission.toolboxesInUse).toBe(4);

    // Ending things gives their room back, exactly once (ending an ended session is a 204 too).
    await bob.cancelRun(ping.id);
    await alice.endSession(a1.id);
    await alice.endSession(a1.id);
    expect(sonde.app.admission.toolboxesInUse).toBe(2);
    const run = await bob.createRun({ tool: 'ping', target: on, params: { host: '127.0.0.1', count: 20 } });
    await expect(bob.createRun({ tool: 'ping', target: on, params: { host: '127.0.0.1', count: 1 } })).rejects.toMatchObject({
      code: 'TOO_MANY_RUNS',
      message: expect.stringContaining('SONDE_MAX_RUNS_PER_USER'),
    });
    const capture = await alice.createCapture({ target: on, interface: 'eth0' });
    expect((await refusal(alice.createCapture({ target: on, interface: 'eth0' }))).code).toBeOneOf(['TOO_MANY_CAPTURES', 'TOO_MANY_TOOLBOXES']);

    await bob.cancelRun(run.id);
    await alice.stopCapture(capture.id);
    await alice.endSession(a2.id);
    await bob.endSession(b1.id);
    expect(sonde.app.admission.toolboxesInUse).toBe(0);
  });

  it('caps event streams per user and sockets per session', async () => {
    const carol = await sonde.newToken('operator');
    const streams: HeldStream[] = [];
    const open = async () => {
      const stream = await holdStream(carol.client.eventsUrl(), carol.auth);
      streams.push(stream);
      return stream;
    };
    expect((await open()).status).toBe(200);
    expect((await open()).status).toBe(200);
    const third = await open();
    expect(third.status).toBe(429);
    await third.ended;
    expect(JSON.parse(third.text)).toMatchObject({ error: { code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SONDE_MAX_STREAMS_PER_USER') } });
    await streams[0]!.close();
    await new Promise((r) => setTimeout(r, 200));
    expect((await open()).status).toBe(200);
    for (const s of streams) await s.close();

    const session = await carol.client.createSession({ kind: 'container', container: target.name });
    const url = `${sonde.wsUrl}${session.ttyPath}`;
    const one = await TerminalClient.connect(url, carol.auth);
    const two = await TerminalClient.connect(url, sonde.auth);
    const three = await TerminalClient.connect(url, carol.auth);
    expect((await three.waitClosed()).code).toBe(4029);
    expect(three.controlsOf('error')[0]).toMatchObject({ code: 'TOO_MANY_STREAMS', message: expect.stringContaining('SONDE_MAX_SOCKETS_PER_SESSION') });
    expect(one.closed).toBeUndefined();
    one.close();
    two.close();
    await carol.client.endSession(session.id);
  });
});

describe('guessing tokens', () => {
  let sonde: TestConsole;

  beforeAll(async () => {
    sonde = await startConsole();
  });

  afterAll(async () => {
    await sonde?.close();
  });

  it('throttles wrong bearer tokens and query credentials per address, like passwords', async () => {
    const attacker = '10.66.0.1';
    for (let i = 0; i < SECRET_FAILURES_PER_MINUTE - 2; i++) {
      const r = await sonde.app.inject({ url: '/api/me', headers: { authorization: `Bearer guess-${i}-0123456789abcdef` }, remoteAddress: attacker });
      expect(r.statusCode).toBe(401);
    }
    // Guesses in the address bar count too.
    expect((await sonde.app.inject({ url: '/?token=guess-in-the-url-0123456789', remoteAddress: attacker })).statusCode).toBe(303);
    expect((await sonde.app.inject({ url: '/?share=guess-in-the-url-0123456789', remoteAddress: attacker })).statusCode).toBe(303);
    const locked = await sonde.app.inject({ url: '/api/me', headers: { authorization: 'Bearer one-more-guess-0123456789' }, remoteAddress: attacker });
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: { code: 'TOO_MANY_ATTEMPTS' } });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // While locked, even the right token from that address is refused: a hit would tell the guesser.
    expect((await sonde.app.inject({ url: '/api/me', headers: sonde.auth, remoteAddress: attacker })).statusCode).toBe(429);
    // Other clients are not affected.
    expect((await sonde.app.inject({ url: '/api/me', headers: sonde.auth, remoteAddress: '10.66.0.2' })).statusCode).toBe(200);
  });

  it('ends browser logins made with the bootstrap token when the console restarts with another token', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-bootstrap-'));
    const login = async (console: TestConsole) => {
      const r = await console.app.inject({ url: `/?token=${encodeURIComponent(console.config.token.value)}` });
      return authCookie(r.headers['set-cookie']);
    };
    try {
      let console = await startConsole({ SONDE_DATA_DIR: dataDir, SONDE_TOKEN: 'first-bootstrap-token-0123456789' });
      const cookie = await login(console);
      expect((await console.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
      await console.close();
      console = await startConsole({ SONDE_DATA_DIR: dataDir, SONDE_TOKEN: 'first-bootstrap-token-0123456789' });
      expect((await console.app.inject({ url: '/api/me', headers: { cookie } })).statusCode, 'same token: still logged in').toBe(200);
      await console.close();
      console = await startConsole({ SONDE_DATA_DIR: dataDir, SONDE_TOKEN: 'second-bootstrap-token-0123456789' });
      expect((await console.app.inject({ url: '/api/me', headers: { cookie } })).statusCode, 'another token: logged out').toBe(401);
      await console.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('behind a TLS proxy', () => {
  let proxied: TestConsole;
  let direct: TestConsole;
  const fixtures = new DockerFixtures();

  beforeAll(async () => {
    proxied = await startConsole({ SONDE_TLS_PROXY: '1', SONDE_ALLOWED_HOSTS: 'sonde.example.com' });
    direct = await startConsole();
  });

  afterAll(async () => {
    await proxied?.close();
    await direct?.close();
    await fixtures.dispose();
  });

  const forwarded = (client: string) => ({ 'x-forwarded-for': client, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'sonde.example.com' });

  it('sees the client address in the login limiter and the audit trail, from trusted proxies only', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await proxied.app.inject({ method: 'POST', url: '/api/login', headers: forwarded('203.0.113.7'), remoteAddress: '127.0.0.1', payload: { username: 'nobody', password: 'wrong-password-123' } });
      expect(r.statusCode).toBe(401);
    }
    const failures = proxied.app.audit.list({}).filter((e) => e.action === 'login-failed');
    expect(failures.map((e) => e.detail?.address)).toEqual(Array(5).fill('203.0.113.7'));
    // Locked: that user name from anywhere, and nothing else.
    const locked = await proxied.app.inject({ method: 'POST', url: '/api/login', headers: forwarded('203.0.113.8'), remoteAddress: '127.0.0.1', payload: { username: 'nobody', password: 'x-password-0123' } });
    expect(locked.statusCode).toBe(429);
    // A proxy the console does not trust cannot choose the address it is seen as.
    const spoofed = await proxied.app.inject({ method: 'POST', url: '/api/login', headers: forwarded('198.51.100.1'), remoteAddress: '8.8.8.8', payload: { token: 'wrong-token-0123456789' } });
    expect(spoofed.statusCode).toBe(401);
    expect(proxied.app.audit.list({}).at(-1)?.detail?.address).toBe('8.8.8.8');
    // Without SONDE_TLS_PROXY nobody is trusted.
    await direct.app.inject({ method: 'POST', url: '/api/login', headers: forwarded('203.0.113.9'), remoteAddress: '127.0.0.1', payload: { token: 'wrong-token-0123456789' } });
    expect(direct.app.audit.list({}).at(-1)?.detail?.address).toBe('127.0.0.1');
  });

  it('builds share links with the client-facing scheme and host, and sends HSTS', async () => {
    const target = await fixtures.container();
    const session = await proxied.client.createSession({ kind: 'container', container: target.name });
    // Raw: the request comes through the proxy, with its X-Forwarded-* headers.
    const share = await proxied.app.inject({
      method: 'POST',
      url: `/api/sessions/${session.id}/shares`,
      headers: { ...proxied.auth, ...forwarded('203.0.113.7') },
      remoteAddress: '127.0.0.1',
      payload: { role: 'viewer', expiresInSeconds: 60 },
    });
    expect(share.statusCode, share.body).toBe(201);
    expect(checked(CreatedShare, share.json()).url).toMatch(/^https:\/\/sonde\.example\.com\/\?share=/);
    expect(share.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await direct.app.inject({ url: '/api/health' })).headers['strict-transport-security']).toBeUndefined();
    await proxied.client.endSession(session.id);
  });
});
