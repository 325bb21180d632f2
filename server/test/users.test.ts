import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerFixtures } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient } from './support/terminal-client.js';

/**
 * Users, roles, API tokens, the target policy, and revocation: logging out, disabling a user,
 * changing a role and revoking a token close the live sockets they opened.
 */
describe('users and roles', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let web: { id: string; name: string };
  let denied: { id: string; name: string };

  beforeAll(async () => {
    sonde = await startConsole();
    web = await fixtures.container({ labels: ['com.docker.compose.project=shop'] });
    denied = await fixtures.container({ labels: ['sonde.deny=true'] });
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  const json = { 'content-type': 'application/json' };

  async function createUser(username: string, role: string, password = 'a long enough password'): Promise<string> {
    const r = await sonde.app.inject({ method: 'POST', url: '/api/users', headers: { ...sonde.auth, ...json }, payload: { username, password, role } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  }

  /** Logs in like the browser does and returns the headers that browser would send. */
  async function login(username: string, password = 'a long enough password'): Promise<Record<string, string>> {
    const r = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username, password } });
    expect(r.statusCode, r.body).toBe(204);
    const cookie = /sonde_auth=([^;]+)/.exec(String(r.headers['set-cookie']))![1]!;
    return { cookie: `sonde_auth=${cookie}`, 'x-sonde-request': '1', origin: sonde.baseUrl };
  }

  async function openSession(headers: Record<string, string>, target: object) {
    return sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: { ...headers, ...json }, payload: { target } });
  }

  it('creates users with scrypt hashes; logs them in with a server-side browser session', async () => {
    await createUser('alice', 'operator');
    const dup = await sonde.app.inject({ method: 'POST', url: '/api/users', headers: { ...sonde.auth, ...json }, payload: { username: 'alice', password: 'another long password', role: 'viewer' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('USER_EXISTS');
    const short = await sonde.app.inject({ method: 'POST', url: '/api/users', headers: { ...sonde.auth, ...json }, payload: { username: 'bob', password: 'short', role: 'viewer' } });
    expect(short.statusCode).toBe(400);
    const row = sonde.app.db.prepare("SELECT password_hash FROM users WHERE username = 'alice'").get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('a long enough password');

    const alice = await login('alice');
    const me = await sonde.app.inject({ url: '/api/me', headers: alice });
    expect(me.json()).toMatchObject({ kind: 'user', name: 'alice', role: 'operator', via: 'cookie' });
    const wrong = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'alice', password: 'not the password' } });
    expect(wrong.statusCode).toBe(401);
    const nobody = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'nobody', password: 'not the password' } });
    expect(nobody.statusCode).toBe(401);
    // The same sentence for both: the answer does not tell which user names exist.
    expect(nobody.json().error.message).toBe(wrong.json().error.message);
  });

  it('rate-limits logins per user name, even with the right password during the lockout', async () => {
    await createUser('carol', 'viewer');
    for (let i = 0; i < 5; i++) {
      const r = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'carol', password: `guess number ${i}` } });
      expect(r.statusCode).toBe(401);
    }
    const locked = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'carol', password: 'a long enough password' } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const audit = sonde.app.audit.list().filter((e) => e.action === 'login-failed' && e.actorName === 'carol');
    expect(audit.length).toBe(5);
  });

  it('lets viewers browse but not open shells; operators reach allowed targets only', async () => {
    await createUser('victor', 'viewer');
    const victor = await login('victor');
    expect((await sonde.app.inject({ url: '/api/containers', headers: victor })).statusCode).toBe(200);
    const shell = await openSession(victor, { kind: 'container', container: web.name });
    expect(shell.statusCode).toBe(403);
    expect(shell.json().error.code).toBe('ROLE_REQUIRED');
    const run = await sonde.app.inject({ method: 'POST', url: '/api/runs', headers: { ...victor, ...json }, payload: { tool: 'ss', target: { kind: 'container', container: web.name } } });
    expect(run.statusCode).toBe(403);

    const alice = await login('alice');
    const host = await openSession(alice, { kind: 'host', engine: 'local' });
    expect(host.statusCode).toBe(403);
    expect(host.json().error.code).toBe('TARGET_NOT_ALLOWED');
    const deny = await openSession(alice, { kind: 'container', container: denied.name });
    expect(deny.statusCode).toBe(403);
    expect(deny.json().error.code).toBe('TARGET_NOT_ALLOWED');
    // Even the bootstrap admin cannot reach a container labelled sonde.deny=true.
    expect((await openSession(sonde.auth, { kind: 'container', container: denied.id })).statusCode).toBe(403);

    // The admin narrows operators to the compose project "billing": alice can no longer reach shop.
    const policy = (await sonde.app.inject({ url: '/api/policy', headers: sonde.auth })).json();
    policy.operator.composeProjects = ['billing'];
    const put = await sonde.app.inject({ method: 'PUT', url: '/api/policy', headers: { ...sonde.auth, ...json }, payload: policy });
    expect(put.statusCode).toBe(200);
    const narrowed = await openSession(alice, { kind: 'container', container: web.name });
    expect(narrowed.statusCode).toBe(403);
    expect(narrowed.json().error.message).toMatch(/compose projects billing/);
    policy.operator.composeProjects = ['shop'];
    await sonde.app.inject({ method: 'PUT', url: '/api/policy', headers: { ...sonde.auth, ...json }, payload: policy });
    const ok = await openSession(alice, { kind: 'container', container: web.name });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().owner).toMatchObject({ name: 'alice' });
    await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${ok.json().id}`, headers: alice });
    expect(sonde.app.audit.list().some((e) => e.action === 'policy-changed')).toBe(true);
  });

  async function aliceTerminal(headers: Record<string, string>): Promise<{ id: string; term: TerminalClient }> {
    const r = await openSession(headers, { kind: 'container', container: web.name });
    expect(r.statusCode, r.body).toBe(201);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${r.json().ttyPath}`, { cookie: headers.cookie!, origin: headers.origin! });
    await term.run('true');
    return { id: r.json().id, term };
  }

  it('logging out closes that browser\'s live terminals (4003) and its cookie stops working', async () => {
    const alice = await login('alice');
    const { id, term } = await aliceTerminal(alice);
    const other = await login('alice');
    const second = await TerminalClient.connect(`${sonde.wsUrl}/api/sessions/${id}/tty`, { cookie: other.cookie!, origin: other.origin! });
    const out = await sonde.app.inject({ method: 'POST', url: '/api/logout', headers: alice });
    expect(out.statusCode).toBe(204);
    expect((await term.waitClosed(5000)).code).toBe(4003);
    expect((await sonde.app.inject({ url: '/api/me', headers: alice })).statusCode).toBe(401);
    // Only that browser: alice's other login keeps its socket.
    await second.run('true');
    second.close();
    await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${id}`, headers: other });
  });

  it('disabling a user or changing their role closes their sockets within seconds', async () => {
    const daveId = await createUser('dave', 'operator');
    const dave = await login('dave');
    const first = await aliceTerminal(dave);
    const demote = await sonde.app.inject({ method: 'PATCH', url: `/api/users/${daveId}`, headers: { ...sonde.auth, ...json }, payload: { role: 'viewer' } });
    expect(demote.statusCode).toBe(200);
    expect((await first.term.waitClosed(5000)).code).toBe(4003);
    expect((await openSession(dave, { kind: 'container', container: web.name })).statusCode).toBe(403);

    await sonde.app.inject({ method: 'PATCH', url: `/api/users/${daveId}`, headers: { ...sonde.auth, ...json }, payload: { role: 'operator' } });
    const second = await aliceTerminal(dave);
    const disable = await sonde.app.inject({ method: 'PATCH', url: `/api/users/${daveId}`, headers: { ...sonde.auth, ...json }, payload: { disabled: true } });
    expect(disable.json()).toMatchObject({ disabled: true });
    expect((await second.term.waitClosed(5000)).code).toBe(4003);
    expect((await sonde.app.inject({ url: '/api/me', headers: dave })).statusCode).toBe(401);
    const again = await sonde.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'dave', password: 'a long enough password' } });
    expect(again.statusCode).toBe(401);
    for (const id of [first.id, second.id]) await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${id}`, headers: sonde.auth });
  });

  it('named API tokens carry a role, are shown once, and revoking one closes its sockets', async () => {
    const created = await sonde.app.inject({ method: 'POST', url: '/api/tokens', headers: { ...sonde.auth, ...json }, payload: { name: 'dashboard', role: 'operator' } });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json() as { id: string; token: string };
    expect(token.length).toBeGreaterThanOrEqual(43);
    const list = await sonde.app.inject({ url: '/api/tokens', headers: sonde.auth });
    expect(JSON.stringify(list.json())).not.toContain(token);
    const auth = { authorization: `Bearer ${token}` };
    const r = await openSession(auth, { kind: 'container', container: web.name });
    expect(r.statusCode).toBe(201);
    const term = await TerminalClient.connect(`${sonde.wsUrl}${r.json().ttyPath}`, auth);
    await term.run('true');
    expect((await sonde.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: sonde.auth })).statusCode).toBe(204);
    expect((await term.waitClosed(5000)).code).toBe(4003);
    expect((await sonde.app.inject({ url: '/api/me', headers: auth })).statusCode).toBe(401);
    await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${r.json().id}`, headers: sonde.auth });
  });

  it('keeps an append-only audit trail, exportable as JSON lines', async () => {
    const entries = (await sonde.app.inject({ url: '/api/audit', headers: sonde.auth })).json() as { action: string; seq: number }[];
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['user-created', 'login', 'login-failed', 'logout', 'session-opened', 'session-joined', 'session-ended', 'token-created', 'token-revoked', 'user-updated', 'policy-changed']) {
      expect(actions, a).toContain(a);
    }
    const jsonl = await sonde.app.inject({ url: '/api/audit?format=jsonl', headers: sonde.auth });
    expect(jsonl.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = jsonl.body.trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
    expect(lines.map((l) => l.seq)).toEqual(entries.map((e) => e.seq));
    expect(() => sonde.app.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => sonde.app.db.prepare("UPDATE audit SET actor = 'x'").run()).toThrow(/append-only/);
    // Operators do not read the audit trail.
    const alice = await login('alice');
    expect((await sonde.app.inject({ url: '/api/audit', headers: alice })).statusCode).toBe(403);
  });
});
