import { randomBytes } from 'node:crypto';
import { CreatedApiToken, CreatedEmbed, EMBED_PROTOCOL_PREFIX, ErrorBody, RunInfo, SessionInfo, TERMINAL_PROTOCOL } from '@sonde/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checked } from './support/api-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';
import { TerminalClient } from './support/terminal-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * Issue 14, point 5 (server side): embed tokens reach one object with one role, are minted only
 * by someone allowed to do that on that object, do nothing else, and end their sockets when they
 * expire, are revoked, or their minter loses access. The browser side is e2e/tests/embed.spec.ts.
 */

const unique = () => randomBytes(4).toString('hex');
const json = { 'content-type': 'application/json' };

describe('embed tokens', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let target: { id: string; name: string };
  let operator: { authorization: string; tokenId: string };
  let otherOperator: { authorization: string };
  let viewer: { authorization: string };
  /** The operator's session on the target, and a run of theirs. */
  let sessionId: string;
  let runId: string;

  async function token(role: string): Promise<{ authorization: string; tokenId: string }> {
    const r = await sonde.app.inject({ method: 'POST', url: '/api/tokens', headers: sonde.auth, payload: { name: `embed ${role} ${unique()}`, role } });
    expect(r.statusCode).toBe(201);
    return { authorization: `Bearer ${checked(CreatedApiToken, r.json()).token}`, tokenId: checked(CreatedApiToken, r.json()).id };
  }

  async function mint(headers: Record<string, string>, body: unknown) {
    return sonde.app.inject({ method: 'POST', url: '/api/embeds', headers: { ...headers, ...json }, payload: JSON.stringify(body) });
  }

  /** Connects like an embed page: no Authorization, the token as a subprotocol. */
  function connectAsPage(path: string, secret: string): Promise<TerminalClient> {
    return TerminalClient.connect(`${sonde.wsUrl}${path}`, {}, { protocols: [TERMINAL_PROTOCOL, `${EMBED_PROTOCOL_PREFIX}${secret}`] });
  }

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: `sonde-dash-${unique()}` });
    target = await fixtures.container({ name: `sonde-dash-target-${unique()}` });
    operator = await token('operator');
    otherOperator = await token('operator');
    viewer = await token('viewer');
    const session = await sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: { ...operator, ...json }, payload: { target: { kind: 'container', container: target.name } } });
    expect(session.statusCode).toBe(201);
    sessionId = checked(SessionInfo, session.json()).id;
    const run = await sonde.app.inject({ method: 'POST', url: '/api/runs', headers: { ...operator, ...json }, payload: { tool: 'ip-addr', target: { kind: 'container', container: target.name } } });
    expect(run.statusCode).toBe(201);
    runId = checked(RunInfo, run.json()).id;
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  it('is minted only by someone who may do that on that object, never for host data', async () => {
    const session = await mint(operator, { scope: { kind: 'session', sessionId }, role: 'viewer', expiresInSeconds: 600 });
    expect(session.statusCode).toBe(201);
    expect(session.json()).toMatchObject({ role: 'viewer', scope: { kind: 'session', sessionId }, url: expect.stringMatching(new RegExp(`/embed/sessions/${sessionId}#token=`)) });
    // The container embed is bound to the container's full id, not the name typed.
    const shell = await mint(operator, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 });
    expect(shell.statusCode).toBe(201);
    expect(checked(CreatedEmbed, shell.json()).scope).toEqual({ kind: 'container', engine: 'local', container: target.id });
    expect(checked(CreatedEmbed, shell.json()).url).toContain(`/embed/containers/${target.id}/shell#token=`);
    expect((await mint(operator, { scope: { kind: 'run', runId }, role: 'viewer', expiresInSeconds: 600 })).statusCode).toBe(201);

    const refusals: [Record<string, string>, unknown, number, string][] = [
      // Someone else's session and run do not exist for them.
      [otherOperator, { scope: { kind: 'session', sessionId }, role: 'viewer', expiresInSeconds: 600 }, 404, 'SESSION_NOT_FOUND'],
      [otherOperator, { scope: { kind: 'run', runId }, role: 'viewer', expiresInSeconds: 600 }, 404, 'RUN_NOT_FOUND'],
      // Viewers open nothing, so they embed nothing.
      [viewer, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 }, 403, 'ROLE_REQUIRED'],
      // A shell is typed into; a run is read-only.
      [operator, { scope: { kind: 'container', container: target.name }, role: 'viewer', expiresInSeconds: 600 }, 400, 'INVALID_REQUEST'],
      [operator, { scope: { kind: 'run', runId }, role: 'driver', expiresInSeconds: 600 }, 400, 'INVALID_REQUEST'],
      // Short-lived: at most 12 hours.
      [operator, { scope: { kind: 'session', sessionId }, role: 'viewer', expiresInSeconds: 13 * 3600 }, 400, 'INVALID_REQUEST'],
    ];
    for (const [headers, body, status, code] of refusals) {
      const r = await mint(headers, body);
      expect([r.statusCode, checked(ErrorBody, r.json()).error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    // Host data: admins may open a host shell, but its screen cannot be embedded.
    const host = await sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: { ...sonde.auth, ...json }, payload: { target: { kind: 'host' } } });
    expect(host.statusCode).toBe(201);
    const hostEmbed = await mint(sonde.auth, { scope: { kind: 'session', sessionId: checked(SessionInfo, host.json()).id }, role: 'viewer', expiresInSeconds: 600 });
    expect([hostEmbed.statusCode, checked(ErrorBody, hostEmbed.json()).error.code]).toEqual([403, 'TARGET_NOT_ALLOWED']);
    // A container the policy refuses cannot be embedded either.
    const denied = await fixtures.container({ name: `sonde-dash-denied-${unique()}`, labels: ['sonde.deny=true'] });
    const deniedEmbed = await mint(operator, { scope: { kind: 'container', container: denied.name }, role: 'driver', expiresInSeconds: 600 });
    expect([deniedEmbed.statusCode, checked(ErrorBody, deniedEmbed.json()).error.code]).toEqual([403, 'TARGET_NOT_ALLOWED']);
  });

  it('does nothing but its one view: every other route of the live table refuses it', async () => {
    const sessionToken = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'session', sessionId }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const runToken = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'run', runId }, role: 'viewer', expiresInSeconds: 600 })).json()).token;
    const shellToken = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const otherSession = 'f'.repeat(32);
    let refused = 0;
    for (const secret of [sessionToken, runToken, shellToken]) {
      const headers = { authorization: `Bearer ${secret}`, ...json };
      for (const [key, access] of sonde.app.routeAccess) {
        const [method, pattern] = key.split(' ') as [string, string];
        if (method === 'HEAD' || access === 'public' || access === 'embed' || pattern.endsWith('/tty')) continue;
        // Its own session and run ids included: only the routes that declare embed admit it.
        for (const id of [sessionId, runId, otherSession]) {
          const url = pattern.replace(':id', id).replace(':shareId', '00000000-0000-0000-0000-000000000000').replace('*', 'x');
          const r = await sonde.app.inject({ method: method as 'GET', url, headers, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
          expect([r.statusCode, checked(ErrorBody, r.json()).error.code], `${method} ${url}`).toEqual([403, 'FORBIDDEN']);
          refused++;
        }
      }
      // Not a login either: the form and the ?token= page both refuse it.
      expect((await sonde.app.inject({ method: 'POST', url: '/api/login', headers: json, payload: { token: secret } })).statusCode).toBe(401);
      const page = await sonde.app.inject({ url: `/?token=${secret}` });
      expect(page.headers.location).toBe('/?token-error=invalid');
      expect(page.headers['set-cookie']).toBeUndefined();
    }
    expect(refused).toBeGreaterThan(150);
    // And what each may do: read what it opens; only a container embed opens a shell.
    const info = await sonde.app.inject({ url: '/api/embed', headers: { authorization: `Bearer ${runToken}` } });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ scope: { kind: 'run', runId }, role: 'viewer', run: { id: runId } });
    expect((await sonde.app.inject({ method: 'POST', url: '/api/embed/shell', headers: { authorization: `Bearer ${sessionToken}` } })).statusCode).toBe(403);
    // The embed-only routes are nobody else's.
    expect((await sonde.app.inject({ url: '/api/embed', headers: sonde.auth })).statusCode).toBe(403);
    // Sockets: its own session, not another; the run's socket, not the session's.
    const other = await sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: { ...operator, ...json }, payload: { target: { kind: 'container', container: target.name } } });
    await expect(connectAsPage(`/api/sessions/${checked(SessionInfo, other.json()).id}/tty`, sessionToken)).rejects.toThrow(/HTTP 403/);
    await expect(connectAsPage(`/api/sessions/${sessionId}/tty`, runToken)).rejects.toThrow(/HTTP 403/);
    const run = await connectAsPage(`/api/runs/${runId}/tty`, runToken);
    expect(run.protocol).toBe(TERMINAL_PROTOCOL);
    await run.waitClosed();
    // The run's record came with its end: state, exit code, result.
    expect(run.controls).toContainEqual({ type: 'run', run: expect.objectContaining({ id: runId, state: 'exited', exitCode: 0 }) });
  });

  it('drives or watches a session over the subprotocol, never a cookie, and an API token is not taken from there', async () => {
    const driver = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'session', sessionId }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const watcher = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'session', sessionId }, role: 'viewer', expiresInSeconds: 600 })).json()).token;
    const typing = await connectAsPage(`/api/sessions/${sessionId}/tty`, driver);
    expect(typing.protocol).toBe(TERMINAL_PROTOCOL);
    const watching = await connectAsPage(`/api/sessions/${sessionId}/tty`, watcher);
    expect(await typing.run('echo embedded-$((40 + 2))')).toContain('embedded-42');
    await watching.waitFor(/embedded-42/);
    // A viewer's keystrokes never reach the shell (had they, the shell would echo them before
    // the driver's next command's output).
    watching.send('echo viewer-typed\r');
    expect(await typing.run('echo after-viewer')).toContain('after-viewer');
    expect(typing.text()).not.toContain('viewer-typed');
    // An API token offered as the subprotocol is a wrong token: only embed tokens ride there.
    await expect(connectAsPage(`/api/sessions/${sessionId}/tty`, operator.authorization.slice('Bearer '.length))).rejects.toThrow(/HTTP 401/);
    // With a user's login cookie beside it, the embed token still decides (and only it).
    const login = await sonde.app.inject({ method: 'POST', url: '/api/login', headers: json, payload: { token: sonde.token } });
    const cookie = `sonde_auth=${/sonde_auth=([^;]+)/.exec(String(login.headers['set-cookie']))![1]}`;
    const both = await TerminalClient.connect(`${sonde.wsUrl}/api/sessions/${sessionId}/tty`, { cookie, origin: 'http://evil.example' }, { protocols: [TERMINAL_PROTOCOL, `${EMBED_PROTOCOL_PREFIX}${watcher}`] });
    await both.waitFor(() => both.controls.some((c) => c.type === 'presence'));
    expect(both.controls.find((c) => c.type === 'presence')).toMatchObject({ role: 'viewer', you: expect.stringMatching(/^embed:/) });
  });

  it('opens a container shell held for the embed, which no other embed can reach', async () => {
    const secret = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const opened = await sonde.app.inject({ method: 'POST', url: '/api/embed/shell', headers: { authorization: `Bearer ${secret}` } });
    expect(opened.statusCode).toBe(201);
    const shell = opened.json();
    expect(shell).toMatchObject({ target: { kind: 'container', containerId: target.id }, owner: { id: expect.stringMatching(/^embed:/) } });
    const client = await connectAsPage(shell.ttyPath, secret);
    expect(await client.run('hostname')).toContain(target.id.slice(0, 12));
    const another = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const stranger = await connectAsPage(shell.ttyPath, another);
    expect((await stranger.waitClosed()).code).toBe(4004);
  });

  it('ends its sockets and shells when it expires, is revoked, or its minter loses access', async () => {
    // Expiry: made directly in the store with a 3-second life (the API's minimum is a minute).
    const minter = sonde.app.authenticator.byId(`token:${operator.tokenId}`)!;
    const short = sonde.app.embeds.create({ kind: 'session', sessionId }, 'viewer', 3, minter);
    const expiring = await connectAsPage(`/api/sessions/${sessionId}/tty`, short.token);
    expect((await expiring.waitClosed(10_000)).code).toBe(4003);
    expect(expiring.controls).toContainEqual({ type: 'error', code: 'ACCESS_REVOKED', message: expect.stringMatching(/expired/) });
    const after = await sonde.app.inject({ url: '/api/embed', headers: { authorization: `Bearer ${short.token}` } });
    expect([after.statusCode, checked(ErrorBody, after.json()).error.code]).toEqual([403, 'EMBED_EXPIRED']);

    // Revoked by its minter.
    const revocable = (await mint(operator, { scope: { kind: 'session', sessionId }, role: 'viewer', expiresInSeconds: 600 })).json();
    const watched = await connectAsPage(`/api/sessions/${sessionId}/tty`, revocable.token);
    await watched.waitFor(() => watched.controls.some((c) => c.type === 'hello'));
    expect((await sonde.app.inject({ method: 'DELETE', url: `/api/embeds/${revocable.id}`, headers: otherOperator })).statusCode).toBe(404);
    expect((await sonde.app.inject({ method: 'DELETE', url: `/api/embeds/${revocable.id}`, headers: operator })).statusCode).toBe(204);
    expect((await watched.waitClosed(5_000)).code).toBe(4003);

    // The minter's token is revoked: its embeds stop, and the shell a container embed opened ends.
    const shellToken = checked(CreatedEmbed, (await mint(operator, { scope: { kind: 'container', container: target.name }, role: 'driver', expiresInSeconds: 600 })).json()).token;
    const shell = (await sonde.app.inject({ method: 'POST', url: '/api/embed/shell', headers: { authorization: `Bearer ${shellToken}` } })).json();
    const inShell = await connectAsPage(shell.ttyPath, shellToken);
    await inShell.waitFor(() => inShell.controls.some((c) => c.type === 'hello'));
    expect((await sonde.app.inject({ method: 'DELETE', url: `/api/tokens/${operator.tokenId}`, headers: sonde.auth })).statusCode).toBe(204);
    expect((await inShell.waitClosed(5_000)).code).toBe(4003);
    const gone = await sonde.app.inject({ url: `/api/sessions/${shell.id}`, headers: sonde.auth });
    expect(gone.json()).toMatchObject({ state: 'exited', endReason: 'access-revoked' });
    const refused = await sonde.app.inject({ url: '/api/embed', headers: { authorization: `Bearer ${shellToken}` } });
    expect([refused.statusCode, checked(ErrorBody, refused.json()).error.code]).toEqual([403, 'EMBED_REVOKED']);
  });
});
