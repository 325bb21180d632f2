import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@sonde/shared';
import { checked, HOOK_TIMEOUT_MS, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * Authentication and authorization on every route of the live table, HTTP and WebSocket, in
 * the unit tier: every non-public route refuses a request without credentials (and under every
 * other spelling of its path), every route above a principal's role refuses it, a share link
 * reaches its own session only, and none of the refused requests changes anything. The raw-
 * socket version of the spelling probes is server/test/access-spellings.test.ts.
 */

const NO_SUCH_ID = '00000000-0000-0000-0000-000000000000';

/** A valid body per write route: the request an attacker would want to run. */
const BODIES: Record<string, object> = {
  'POST /api/users': { username: 'mallory', password: 'a-very-long-password-123', role: 'admin' },
  'PATCH /api/users/:id': { role: 'admin', disabled: false },
  'POST /api/tokens': { name: 'mallory', role: 'admin' },
  'PUT /api/policy': { operator: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] }, admin: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] } },
  'POST /api/sessions': { target: { kind: 'host' } },
  'POST /api/sessions/:id/shares': { role: 'driver', expiresInSeconds: 3600 },
  'POST /api/runs': { tool: 'ip-addr', target: { kind: 'host' } },
  'POST /api/captures': { target: { kind: 'host' }, interface: 'lo' },
};

/**
 * Other spellings of a path that a lenient router could still match; each must be refused (400).
 * inject() normalises dot segments and absolute-form targets before the app sees them, so those
 * spellings are probed over a raw socket in server/test/access-spellings.test.ts only.
 */
function spellings(path: string): string[] {
  const [first = '', ...rest] = path.slice(1).split('/');
  const hex = first.charCodeAt(0).toString(16);
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  // A malformed escape, and one that decodes to no character (a lone surrogate), fail in the router itself, before any hook.
  const list = [`/%${hex}${first.slice(1)}${tail}`, `/%${hex.toUpperCase()}${first.slice(1)}${tail}`, `/${path}`, `${path}/`, `${path};x=1`, `${path}%ZZ`, `${path}%ED%A0%80`];
  if (rest.length > 0) list.push(`/${first}%2F${rest.join('/')}`, `/${first}%2f${rest.join('/')}`, `/${first}/${tail}`);
  return list;
}

describe('access on every route', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let sessionId: string;
  let runId: string;
  let captureId: string;
  let viewer: Headers;
  let operator: Headers;
  let guest: Headers;

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addContainer({ name: 'web' });
    // A tool that keeps running, so the run is live while it is probed.
    sonde.engine.onTty('ping', () => undefined);
    const target = { kind: 'container', container: 'web' };
    sessionId = (await sonde.call('POST', '/api/sessions', sonde.admin, { target })).body.id;
    runId = (await sonde.call('POST', '/api/runs', sonde.admin, { tool: 'ping', target, params: { host: '127.0.0.1' } })).body.id;
    captureId = (await sonde.call('POST', '/api/captures', sonde.admin, { target })).body.id;
    expect([sessionId, runId, captureId].every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    viewer = (await sonde.token('viewer')).headers;
    operator = (await sonde.token('operator')).headers;
    const share = await sonde.call('POST', `/api/sessions/${sessionId}/shares`, sonde.admin, { role: 'driver', expiresInSeconds: 600 });
    guest = { authorization: `Bearer ${share.body.token}` };
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  /** Every declared route but HEAD and the web UI's catch-all, with its ids filled in. */
  function routes(id = (pattern: string) => (pattern.startsWith('/api/runs') ? runId : pattern.startsWith('/api/captures') ? captureId : pattern.startsWith('/api/sessions') ? sessionId : NO_SUCH_ID)) {
    return [...sonde.app.routeAccess]
      .map(([key, access]) => {
        const [method, pattern] = key.split(' ') as [string, string];
        return { key, method, pattern, access, path: pattern.replace(':id', id(pattern)).replace(':shareId', NO_SUCH_ID) };
      })
      .filter((r) => r.method !== 'HEAD' && r.pattern !== '/*');
  }

  async function send(method: string, url: string, headers: Headers, key: string) {
    const body = BODIES[key] ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
    const r = await sonde.app.inject({ method: method as 'GET', url, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: body } : {}) });
    return { status: r.statusCode, code: r.statusCode >= 400 ? checked(ErrorBody, r.json()).error.code : '' };
  }

  /** What a refused request could have changed, read with the admin token. */
  async function state(): Promise<string> {
    const read = async (url: string) => (await sonde.call('GET', url, sonde.admin)).body;
    return JSON.stringify({
      users: await read('/api/users'),
      // lastUsedAt moves when a refused request carried the token: that is not a change.
      tokens: (await read('/api/tokens')).map((t: { id: string; role: string }) => [t.id, t.role]),
      policy: await read('/api/policy'),
      sessions: (await read('/api/sessions')).map((s: { id: string; state: string }) => [s.id, s.state]),
      runs: (await read('/api/runs')).map((r: { id: string; state: string }) => [r.id, r.state]),
      captures: (await read('/api/captures')).map((c: { id: string; state: string }) => [c.id, c.state]),
      shares: await read(`/api/sessions/${sessionId}/shares`),
      toolboxes: sonde.engine.toolboxes().length,
    });
  }

  it('refuses every non-public route without credentials (401), and every other spelling of it (400); nothing changes', async () => {
    expect(routes().length).toBeGreaterThan(30);
    const before = await state();
    const failures: string[] = [];
    let probes = 0;
    for (const { key, method, path, access } of routes()) {
      if (access !== 'public') {
        const plain = await send(method, path, {}, key);
        if (plain.status !== 401 || plain.code !== 'UNAUTHORIZED') failures.push(`${key}: ${plain.status} ${plain.code}`);
        probes++;
      }
      for (const spelling of spellings(path)) {
        const r = await send(method, spelling, { 'x-sonde-request': '1' }, key);
        if (r.status !== 400) failures.push(`${method} ${spelling}: ${r.status} ${r.code}`);
        probes++;
      }
    }
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThan(300);
    expect(await state()).toBe(before);
  });

  it('answers what the router itself refuses (a malformed escape) with the documented error body and headers, not echoing the path', async () => {
    for (const url of ['/api/sessions/%ZZ', '/%ZZ', '/api/users/%ED%A0%80']) {
      const r = await sonde.app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(checked(ErrorBody, r.json()).error, url).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^Invalid request: /) });
      expect(r.body, url).not.toContain('%ZZ');
      expect(r.headers['content-security-policy'], url).toBeDefined();
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
    }
  });

  it("refuses every route above a principal's role, and confines a share link to its own session", async () => {
    const before = await state();
    // `embed` routes serve embed tokens only: every other principal is refused.
    const rank = { public: 0, any: 0, viewer: 1, operator: 2, session: 2, admin: 3, embed: 4 } as const;
    const failures: string[] = [];
    let refused = 0;
    const otherSession = 'f'.repeat(32);
    for (const { key, method, path, pattern, access } of routes(() => otherSession)) {
      const expectRefused = async (who: string, headers: Headers) => {
        const r = await send(method, path, headers, key);
        refused++;
        if (r.status !== 403 || !['ROLE_REQUIRED', 'FORBIDDEN'].includes(r.code)) failures.push(`${who}: ${key}: ${r.status} ${r.code}`);
      };
      if (rank[access] > rank.viewer) await expectRefused('viewer', viewer);
      if (rank[access] > rank.operator) await expectRefused('operator', operator);
      // A share link reaches its own session's routes and `any` routes, nothing else.
      if (access !== 'any' && access !== 'public' && (access !== 'session' || pattern.includes(':id'))) await expectRefused('share link', guest);
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(40);
    expect(await state()).toBe(before);
    // What a share link may do: see its session, and who it is.
    expect((await sonde.call('GET', `/api/sessions/${sessionId}`, guest)).status).toBe(200);
    expect((await sonde.call('GET', '/api/me', guest)).body).toMatchObject({ kind: 'share', share: { sessionId, role: 'driver' } });
  });

  it('refuses terminal upgrades the same way, before the handshake', async () => {
    const upgrades = routes().filter((r) => r.pattern.endsWith('/tty'));
    expect(upgrades.map((r) => r.pattern).sort()).toEqual(['/api/runs/:id/tty', '/api/sessions/:id/tty']);
    const login = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { token: sonde.config.token.value } });
    const cookie = `sonde_auth=${/sonde_auth=([^;]+)/.exec(String(login.headers['set-cookie']))![1]}`;
    const failures: string[] = [];
    const expectStatus = async (path: string, headers: Headers, status: number) => {
      try {
        const opened = await sonde.terminal(path, headers);
        opened.close();
        if (status !== 101) failures.push(`${path} ${JSON.stringify(headers)}: opened, expected ${status}`);
      } catch (error) {
        if (!String(error).includes(`response: ${status}`)) failures.push(`${path} ${JSON.stringify(headers)}: ${String(error)}, expected ${status}`);
      }
    };
    for (const { path } of upgrades) {
      await expectStatus(path, {}, 401);
      await expectStatus(path, { authorization: 'Bearer not-a-token-0000000000' }, 401);
      await expectStatus(path, { cookie: 'sonde_auth=forged' }, 401);
      await expectStatus(path, { ...viewer }, 403);
      // A browser's cookie opens terminals from the console's own page only (cross-site WebSocket hijacking).
      await expectStatus(path, { cookie, origin: 'https://evil.example' }, 403);
      await expectStatus(path, { cookie }, 403);
      await expectStatus(path, { cookie, origin: 'http://localhost' }, 101);
      await expectStatus(path, sonde.admin, 101);
    }
    expect(failures).toEqual([]);
    // A share link upgrades to its own session only.
    await expectStatus(`/api/sessions/${sessionId}/tty`, guest, 101);
    await expectStatus(`/api/runs/${runId}/tty`, guest, 403);
    expect(failures).toEqual([]);
  });

  it('tells a plain GET of a terminal route that it needs a WebSocket upgrade, with the documented error body', async () => {
    for (const url of [`/api/sessions/${sessionId}/tty`, `/api/runs/${runId}/tty`]) {
      const r = await sonde.app.inject({ method: 'GET', url, headers: sonde.admin });
      expect(r.statusCode, url).toBe(426);
      expect(r.headers.upgrade, url).toBe('websocket');
      expect(checked(ErrorBody, r.json()).error, url).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('WebSocket upgrade') });
    }
    // Still authorized first: without credentials, 401 as any route.
    expect((await sonde.app.inject({ method: 'GET', url: `/api/sessions/${sessionId}/tty` })).statusCode).toBe(401);
  });

  it('guards browsers: state changes need the CSRF header, and only known host names are answered', async () => {
    const login = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { token: sonde.config.token.value } });
    const cookie = `sonde_auth=${/sonde_auth=([^;]+)/.exec(String(login.headers['set-cookie']))![1]}`;
    const forged = await sonde.call('POST', '/api/tokens', { cookie }, { name: 'csrf', role: 'admin' });
    expect([forged.status, forged.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await sonde.call('POST', '/api/tokens', { cookie, 'x-sonde-request': '1' }, { name: 'csrf', role: 'viewer' })).status).toBe(201);
    const rebound = await sonde.call('GET', '/api/me', { ...sonde.admin, host: 'attacker.example' });
    expect([rebound.status, rebound.body.error.code]).toEqual([403, 'FORBIDDEN_HOST']);
  });
});
