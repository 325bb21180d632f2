import { AuditList } from '@sonde/shared';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry, type Role } from '@sonde/shared';
import { apiClient, checked, refusal, type Caller } from './support/api-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient, openTerminal } from './support/terminal-client.js';

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

  async function createUser(username: string, role: Role, password = 'a long enough password'): Promise<string> {
    return (await sonde.client.createUser({ username, password, role })).id;
  }

  /** Logs in like the browser does: the caller sends that browser's cookie (and its Origin on sockets). */
  const login = (username: string, password = 'a long enough password') => sonde.login(username, password);
  /** Nobody logged in: the login form's side of the API. */
  const anonymous = () => apiClient(sonde.baseUrl);

  it('creates users with scrypt hashes; logs them in with a server-side browser session', async () => {
    await createUser('alice', 'operator');
    await expect(createUser('alice', 'viewer', 'another long password')).rejects.toMatchObject({ status: 409, code: 'USER_EXISTS' });
    await expect(createUser('bob', 'viewer', 'short')).rejects.toMatchObject({ status: 400 });
    const row = sonde.app.db.prepare("SELECT password_hash FROM users WHERE username = 'alice'").get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('a long enough password');

    const alice = await login('alice');
    expect(await alice.client.me()).toMatchObject({ kind: 'user', name: 'alice', role: 'operator', via: 'cookie' });
    const wrong = await refusal(anonymous().login({ username: 'alice', password: 'not the password' }));
    expect(wrong.status).toBe(401);
    const nobody = await refusal(anonymous().login({ username: 'nobody', password: 'not the password' }));
    expect(nobody.status).toBe(401);
    // The same sentence for both: the answer does not tell which user names exist.
    expect(nobody.message).toBe(wrong.message);
  });

  it('rate-limits logins per user name, even with the right password during the lockout', async () => {
    await createUser('carol', 'viewer');
    for (let i = 0; i < 5; i++) {
      await expect(anonymous().login({ username: 'carol', password: `guess number ${i}` })).rejects.toMatchObject({ status: 401 });
    }
    const locked = await refusal(anonymous().login({ username: 'carol', password: 'a long enough password' }));
    expect(locked).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // From the Retry-After header.
    expect(locked.retryAfterSeconds).toBeGreaterThan(0);
    const audit = sonde.app.audit.list().filter((e) => e.action === 'login-failed' && e.actorName === 'carol');
    expect(audit.length).toBe(5);
  });

  it('lets viewers browse but not open shells; operators reach allowed targets only', async () => {
    await createUser('victor', 'viewer');
    const victor = await login('victor');
    await victor.client.containers();
    await expect(victor.client.createSession({ kind: 'container', container: web.name })).rejects.toMatchObject({ status: 403, code: 'ROLE_REQUIRED' });
    await expect(victor.client.createRun({ tool: 'ss', target: { kind: 'container', container: web.name } })).rejects.toMatchObject({ status: 403 });

    const alice = await login('alice');
    await expect(alice.client.createSession({ kind: 'host', engine: 'local' })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    await expect(alice.client.createSession({ kind: 'container', container: denied.name })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    // Even the bootstrap admin cannot reach a container labelled sonde.deny=true.
    await expect(sonde.client.createSession({ kind: 'container', container: denied.id })).rejects.toMatchObject({ status: 403 });

    // The admin narrows operators to the compose project "billing": alice can no longer reach shop.
    const policy = await sonde.client.policy();
    policy.operator.composeProjects = ['billing'];
    await sonde.client.savePolicy(policy);
    await expect(alice.client.createSession({ kind: 'container', container: web.name })).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/compose projects billing/),
    });
    policy.operator.composeProjects = ['shop'];
    await sonde.client.savePolicy(policy);
    const ok = await alice.client.createSession({ kind: 'container', container: web.name });
    expect(ok.owner).toMatchObject({ name: 'alice' });
    await alice.client.endSession(ok.id);
    expect(sonde.app.audit.list().some((e) => e.action === 'policy-changed')).toBe(true);
  });

  async function aliceTerminal(browser: Caller): Promise<{ id: string; term: TerminalClient }> {
    const { info, term } = await openTerminal(sonde, { kind: 'container', container: web.name }, { as: browser });
    await term.run('true');
    return { id: info.id, term };
  }

  it('logging out closes that browser\'s live terminals (4003) and its cookie stops working', async () => {
    const alice = await login('alice');
    const { id, term } = await aliceTerminal(alice);
    const other = await login('alice');
    const second = await TerminalClient.connect(`${sonde.wsUrl}/api/sessions/${id}/tty`, other.auth);
    await alice.client.logout();
    expect((await term.waitClosed(5000)).code).toBe(4003);
    // me() answers null for a 401: that cookie logs nobody in any more.
    expect(await alice.client.me()).toBeNull();
    // Only that browser: alice's other login keeps its socket.
    await second.run('true');
    second.close();
    await other.client.endSession(id);
  });

  it('disabling a user or changing their role closes their sockets within seconds', async () => {
    const daveId = await createUser('dave', 'operator');
    const dave = await login('dave');
    const first = await aliceTerminal(dave);
    expect(await sonde.client.updateUser(daveId, { role: 'viewer' })).toMatchObject({ role: 'viewer' });
    expect((await first.term.waitClosed(5000)).code).toBe(4003);
    await expect(dave.client.createSession({ kind: 'container', container: web.name })).rejects.toMatchObject({ status: 403 });

    await sonde.client.updateUser(daveId, { role: 'operator' });
    const second = await aliceTerminal(dave);
    expect(await sonde.client.updateUser(daveId, { disabled: true })).toMatchObject({ disabled: true });
    expect((await second.term.waitClosed(5000)).code).toBe(4003);
    expect(await dave.client.me()).toBeNull();
    await expect(anonymous().login({ username: 'dave', password: 'a long enough password' })).rejects.toMatchObject({ status: 401 });
    for (const id of [first.id, second.id]) await sonde.client.endSession(id);
  });

  it('named API tokens carry a role, are shown once, and revoking one closes its sockets', async () => {
    const dashboard = await sonde.newToken('operator', 'dashboard');
    expect(dashboard.token.length).toBeGreaterThanOrEqual(43);
    expect(JSON.stringify(await sonde.client.apiTokens())).not.toContain(dashboard.token);
    const { info, term } = await openTerminal(sonde, { kind: 'container', container: web.name }, { as: dashboard });
    await term.run('true');
    await sonde.client.revokeApiToken(dashboard.id);
    expect((await term.waitClosed(5000)).code).toBe(4003);
    expect(await dashboard.client.me()).toBeNull();
    await sonde.client.endSession(info.id);
  });

  it('keeps an append-only audit trail, exportable as JSON lines', async () => {
    const entries = await sonde.client.audit();
    const actions = new Set(entries.map((e) => e.action));
    // Sessions ended with DELETE read as closed, without a made-up exit code.
    const closed = entries.filter((e) => e.action === 'session-ended' && e.detail?.reason === 'closed');
    expect(closed.length).toBeGreaterThan(0);
    for (const entry of closed) expect(entry.detail).not.toHaveProperty('exitCode');
    expect(entries.filter((e) => e.action === 'session-ended' && e.detail?.reason === 'deleted')).toEqual([]);
    for (const a of ['user-created', 'login', 'login-failed', 'logout', 'session-opened', 'session-joined', 'session-ended', 'token-created', 'token-revoked', 'user-updated', 'policy-changed']) {
      expect(actions, a).toContain(a);
    }
    const jsonl = await sonde.app.inject({ url: '/api/audit?format=jsonl', headers: sonde.auth });
    expect(jsonl.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = jsonl.body.trim().split('\n').map((l) => checked(AuditEntry, JSON.parse(l)));
    expect(lines.map((l) => l.seq)).toEqual(entries.map((e) => e.seq));
    expect(() => sonde.app.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => sonde.app.db.prepare("UPDATE audit SET actor = 'x'").run()).toThrow(/append-only/);
    // Operators do not read the audit trail.
    const alice = await login('alice');
    await expect(alice.client.audit()).rejects.toMatchObject({ status: 403 });
  });

  it('filters the audit trail by who, action, target, time range and object id, each validated', async () => {
    const log = sonde.app.audit;
    const runId = 'e'.repeat(32);
    const captureId = 'f'.repeat(32);
    const before = new Date(Date.now() - 1000).toISOString();
    log.record({ actor: { id: 'user:zed', name: 'Zed' }, action: 'tool-run', sessionId: runId, target: 'container shop_web-1', detail: { tool: 'dig' } });
    log.record({ actor: { id: 'user:zed', name: 'Zed' }, action: 'capture-started', sessionId: captureId, target: 'container shop_api-1' });
    log.record({ actor: { id: 'user:yan', name: 'Yan' }, action: 'tool-run', sessionId: 'd'.repeat(32), target: 'container 100%_sure' });
    const after = new Date(Date.now() + 1000).toISOString();
    const get = async (query: string) => {
      const response = await sonde.app.inject({ url: `/api/audit?${query}`, headers: sonde.auth });
      expect(response.statusCode, `${query}: ${response.body}`).toBe(200);
      const entries: unknown = response.json();
      if (!Value.Check(AuditList, entries)) throw new Error(`not an audit list: ${response.body}`);
      return entries;
    };
    // Who: a name in any case, or the principal id.
    expect((await get('actor=zed')).map((e) => e.action)).toEqual(['tool-run', 'capture-started']);
    expect((await get('actor=user%3Ayan')).map((e) => e.target)).toEqual(['container 100%_sure']);
    // What, and part of the target in any case; `%` and `_` are plain characters there.
    expect((await get('action=tool-run&target=SHOP')).map((e) => e.runId)).toEqual([runId]);
    expect((await get('target=100%25_')).map((e) => e.actor)).toEqual(['user:yan']);
    expect(await get('target=100%25x')).toEqual([]);
    // Run and capture ids are their own fields; the id filter finds either.
    expect(await get(`sessionId=${captureId}`)).toMatchObject([{ action: 'capture-started', captureId }]);
    expect((await get(`sessionId=${captureId}`))[0]).not.toHaveProperty('sessionId');
    // A time range, inclusive.
    expect((await get(`actor=zed&since=${before}&until=${after}`)).length).toBe(2);
    expect(await get(`actor=zed&since=${after}`)).toEqual([]);
    // Refused, with the field named.
    for (const bad of ['action=drop-tables', 'since=yesterday', `since=${after}&until=${before}`, 'actor=', 'colour=red']) {
      const response = await sonde.app.inject({ url: `/api/audit?${bad}`, headers: sonde.auth });
      expect(response.statusCode, bad).toBe(400);
      expect(response.json(), bad).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    }
    // The filters are indexed.
    const plan = sonde.app.db.prepare("EXPLAIN QUERY PLAN SELECT * FROM audit WHERE seq > 0 AND action = 'tool-run' ORDER BY seq").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/audit_action/);
  });
});
