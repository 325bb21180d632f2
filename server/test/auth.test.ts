import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorBody } from '@sonde/shared';
import { apiClient, authCookie, checked } from './support/api-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';

function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Authentication on every route, the login flow, and the browser-only guards. */
describe('auth', () => {
  let sonde: TestConsole;
  let sessionId: string;
  const fixtures = new DockerFixtures();

  beforeAll(async () => {
    sonde = await startConsole();
    // A container session: host sessions cannot be shared by link, and this one is shared below.
    const target = await fixtures.container();
    sessionId = (await sonde.client.createSession({ kind: 'container', container: target.name })).id;
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  it('refuses every API route without credentials, or with a wrong token', async () => {
    // Enumerated from the live route table, so a new route cannot be forgotten here.
    const routes: [string, string, string][] = [];
    const stack: string[] = [];
    for (const line of sonde.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([\s│]*)[├└]── (\S+) \(([^)]+)\)/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      stack.length = depth;
      stack.push(m[2]!);
      routes.push(['', stack.join(''), m[3]!]);
    }
    // Named one by one: a route that became public by mistake fails here. The API reference
    // (the OpenAPI document and the page showing it) is public on purpose: no secrets in it.
    const publicRoutes = new Set(['/api/health', '/api/login', '/api/logout', '/api/openapi.json', '/api/docs', '/api/docs/', '/api/docs/*', '/api/docs/json', '/api/docs/yaml', '/api/docs/static/*', '/api/docs/static/index.html', '/api/docs/static/swagger-initializer.js']);
    // Wrong tokens from one address are throttled after a few dozen (another test shows that);
    // here each probe comes from its own address so every answer is the plain 401.
    let client = 0;
    const from = () => `10.77.${Math.floor(client / 250)}.${(client++ % 250) + 1}`;
    let checked = 0;
    for (const [, path, methods] of routes) {
      if (!path!.startsWith('/api/') || publicRoutes.has(path!)) continue;
      const url = path!.replace(':id', sessionId);
      for (const method of methods!.split(',').map((m) => m.trim()).filter((m) => m !== 'HEAD')) {
        for (const headers of [{}, { authorization: 'Bearer wrong-token-000000' }, { cookie: 'sonde_auth=forged' }]) {
          const r = await sonde.app.inject({ method: method as 'GET', url, headers, remoteAddress: from() });
          expect(r.statusCode, `${method} ${url} ${JSON.stringify(headers)}`).toBe(401);
          expect(r.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(9);
    // Every route the router knows declared who may call it (app.ts refuses to start otherwise).
    const declared = sonde.app.routeAccess;
    for (const [, path, methods] of routes) {
      if (!path!.startsWith('/api/')) continue;
      // A prefixed plugin's root also answers with a trailing slash (`/api/docs/`): Fastify adds
      // that twin without telling onRoute, and the request-target check refuses it (400) first.
      // The router's tree prints the reference's `/api/docs/static/*` as a `*` child of `/api/docs/`.
      if (path === '/api/docs/*') {
        expect(declared.get('GET /api/docs/static/*')).toBe('public');
        continue;
      }
      if (path!.endsWith('/')) {
        expect((await sonde.app.inject({ method: 'GET', url: path! })).statusCode, path!).toBe(400);
        continue;
      }
      for (const method of methods!.split(',').map((m) => m.trim()).filter((m) => m !== 'HEAD')) {
        expect(declared.get(`${method} ${path}`), `${method} ${path}`).toBeDefined();
      }
    }
  });

  it('refuses every route above a principal\'s role, and confines share tokens to their session', async () => {
    const viewer = (await sonde.newToken('viewer', 'matrix viewer')).auth;
    const operator = (await sonde.newToken('operator', 'matrix operator')).auth;
    const share = await sonde.client.createShare(sessionId, { role: 'driver', expiresInSeconds: 600 });
    const guest = sonde.caller({ token: share.token });
    const otherSession = 'f'.repeat(32);
    // Embed-only routes are above every role: nothing but an embed token reaches them.
    const rank = { public: 0, any: 0, viewer: 1, operator: 2, session: 2, admin: 3, embed: 4 } as const;
    let refused = 0;
    for (const [key, access] of sonde.app.routeAccess) {
      const [method, path] = key.split(' ') as [string, string];
      if (method === 'HEAD' || access === 'public') continue;
      const fill = (id: string) => path.replace(':id', id).replace(':shareId', '00000000-0000-0000-0000-000000000000');
      // Raw, from the route table: every route with an empty body, whatever it expects.
      const expectRefused = async (headers: Record<string, string>, url: string, who: string) => {
        const r = await sonde.app.inject({ method: method as 'GET', url, headers: { ...headers, 'content-type': 'application/json' }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
        expect(r.statusCode, `${who}: ${method} ${url}`).toBe(403);
        expect(['ROLE_REQUIRED', 'FORBIDDEN'], `${who}: ${method} ${url}`).toContain(checked(ErrorBody, r.json()).error.code);
        refused++;
      };
      if (rank[access] > rank.viewer) await expectRefused(viewer, fill(otherSession), 'viewer token');
      if (rank[access] > rank.operator) await expectRefused(operator, fill(otherSession), 'operator token');
      // A share token reaches its own session's routes and nothing else (not even another session's).
      if (access !== 'any') {
        if (access !== 'session' || path.includes(':id')) await expectRefused(guest.auth, fill(otherSession), 'share token');
      }
    }
    expect(refused).toBeGreaterThan(20);
    // And what a share token may do: see its session and attach to it.
    expect(await guest.client.session(sessionId)).toMatchObject({ id: sessionId });
    expect(await upgrade(`${sonde.wsUrl}/api/sessions/${sessionId}/tty`, guest.auth)).toBe(101);
    expect(await guest.client.me()).toMatchObject({ kind: 'share', share: { sessionId, role: 'driver' } });
  });

  it('refuses WebSocket upgrades without credentials before the handshake', async () => {
    const url = `${sonde.wsUrl}/api/sessions/${sessionId}/tty`;
    expect(await upgrade(url, {})).toBe(401);
    expect(await upgrade(url, { authorization: 'Bearer wrong-token-000000' })).toBe(401);
    expect(await upgrade(url, sonde.auth)).toBe(101);
    // A malformed id is refused before the upgrade, like any invalid request.
    expect(await upgrade(`${sonde.wsUrl}/api/sessions/not-a-session/tty`, sonde.auth)).toBe(400);
    // An unknown session is a clear "do not retry": an error message, then close code 4004.
    const ghost = await TerminalClient.connect(`${sonde.wsUrl}/api/sessions/${'0'.repeat(32)}/tty`, sonde.auth);
    expect((await ghost.waitClosed()).code).toBe(4004);
    expect(ghost.controls).toEqual([{ type: 'error', code: 'SESSION_NOT_FOUND', message: expect.any(String) }]);
  });

  it('logs a browser in from /?token= with an HttpOnly SameSite=Strict cookie and strips the token', async () => {
    const r = await sonde.app.inject({ url: `/containers/abc?token=${sonde.token}&x=1` });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/containers/abc?x=1');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^sonde_auth=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(sonde.token);
    const browser = sonde.caller({ cookie: authCookie(cookie) });
    expect(await browser.client.me()).toEqual({ authenticated: true, kind: 'token', id: 'token:bootstrap', name: 'bootstrap token', role: 'admin', via: 'cookie' });
    // A wrong token also leaves the address bar, without a cookie, and the page says the link was not valid.
    const bad = await sonde.app.inject({ url: '/?token=wrong' });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toBe('/?token-error=invalid');
    expect(bad.headers['set-cookie']).toBeUndefined();
  });

  it('logs in through the form endpoint', async () => {
    await expect(apiClient(sonde.baseUrl).login({ token: 'nope' })).rejects.toMatchObject({ status: 401 });
    // Raw: the cookie's attributes are in the reply's headers, which the client does not show.
    const ok = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { token: sonde.token } });
    expect(ok.statusCode).toBe(204);
    expect(String(ok.headers['set-cookie'])).toMatch(/HttpOnly/i);
  });

  it('guards cookie-authenticated browsers: CSRF header on writes, Origin on upgrades', async () => {
    const login = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { token: sonde.token } });
    const cookie = authCookie(login.headers['set-cookie']);
    // Raw: the client always sends the CSRF header; a forged cross-site request would not.
    const noHeader = await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${'0'.repeat(32)}`, headers: { cookie } });
    expect(noHeader.statusCode).toBe(403);
    const withHeader = await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${'0'.repeat(32)}`, headers: { cookie, 'x-sonde-request': '1' } });
    expect(withHeader.statusCode).toBe(404);

    const url = `${sonde.wsUrl}/api/sessions/${sessionId}/tty`;
    const host = new URL(sonde.baseUrl).host;
    expect(await upgrade(url, { cookie, origin: `http://${host}` })).toBe(101);
    expect(await upgrade(url, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(url, { cookie })).toBe(403);
    // API clients with a token need no Origin.
    expect(await upgrade(url, { ...sonde.auth, origin: 'http://evil.example' })).toBe(101);
  });

  it('refuses foreign Host headers (DNS rebinding)', async () => {
    const r = await sonde.app.inject({ url: '/api/health', headers: { host: 'attacker.example:8080' } });
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ error: { code: 'FORBIDDEN_HOST' } });
    expect((await sonde.app.inject({ url: '/api/health', headers: { host: 'localhost:8080' } })).statusCode).toBe(200);
  });

  it('sets a strict CSP and security headers', async () => {
    const r = await sonde.app.inject({ url: '/api/health' });
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});
