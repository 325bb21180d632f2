import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOOK_TIMEOUT_MS, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * Who reads a recording, through the real routes on the fake engine. Host data (a host's, an
 * overlay namespace's, a Kubernetes node's screen) is for admins only, as its live session is,
 * even when the policy lets operators open such targets: the policy says who may open a target,
 * not who may read another principal's host data. Against the real engine, for host sessions:
 * server/test/access-ownership.test.ts.
 */
describe('recording routes: who reads what', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let operator: Headers;

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addContainer({ name: 'web' });
    sonde.engine.addNetwork({ name: 'ov', driver: 'overlay', scope: 'swarm' });
    operator = (await sonde.token('operator')).headers;
    // Operators may open an overlay's own namespace themselves.
    const policy = (await sonde.call('GET', '/api/policy', sonde.admin)).body;
    const allowed = await sonde.call('PUT', '/api/policy', sonde.admin, { ...policy, operator: { ...policy.operator, allowNetworkNamespaces: true } });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
  }, HOOK_TIMEOUT_MS);

  afterAll(() => sonde?.close(), HOOK_TIMEOUT_MS);

  /** An admin's session that printed `secret`, ended: its recording's id. */
  async function recordedByAdmin(target: object, secret: string): Promise<string> {
    const session = await sonde.call('POST', '/api/sessions', sonde.admin, { target });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const term = await sonde.terminal(`/api/sessions/${session.body.id}/tty`, sonde.admin);
    await term.waitFor(/\$ $/);
    term.send(`echo ${secret}\r`);
    await term.waitFor(new RegExp(`${secret}\\r\\n`));
    expect((await sonde.call('DELETE', `/api/sessions/${session.body.id}`, sonde.admin)).status).toBe(204);
    term.close();
    let id: string | undefined;
    await expect
      .poll(async () => {
        const list = await sonde.call('GET', `/api/recordings?sessionId=${session.body.id}`, sonde.admin);
        id = list.body[0]?.complete ? list.body[0].id : undefined;
        return id;
      }, POLL)
      .toBeDefined();
    return id!;
  }

  it("an overlay namespace's recording stays the admins' when the policy lets operators open such namespaces", async () => {
    const id = await recordedByAdmin({ kind: 'network-namespace', network: 'ov' }, 'ADMIN-OVERLAY-SECRET');
    expect((await sonde.call('GET', `/api/recordings/${id}/cast`, sonde.admin)).body).toContain('ADMIN-OVERLAY-SECRET');

    expect((await sonde.call('GET', '/api/recordings', operator)).body.map((r: { id: string }) => r.id)).not.toContain(id);
    for (const url of [`/api/recordings/${id}`, `/api/recordings/${id}/cast`]) {
      const reply = await sonde.call('GET', url, operator);
      expect(reply.status, url).toBe(404);
      expect(JSON.stringify(reply.body)).not.toContain('ADMIN-OVERLAY-SECRET');
    }
    // The input trail is for admins whatever the target.
    expect((await sonde.call('GET', `/api/recordings/${id}/input`, operator)).status).toBe(403);
  });

  it("a container session's recording is read by an operator who could have watched it", async () => {
    const id = await recordedByAdmin({ kind: 'container', container: 'web' }, 'CONTAINER-OUTPUT');
    expect((await sonde.call('GET', '/api/recordings', operator)).body.map((r: { id: string }) => r.id)).toContain(id);
    expect((await sonde.call('GET', `/api/recordings/${id}/cast`, operator)).body).toContain('CONTAINER-OUTPUT');
  });
});
