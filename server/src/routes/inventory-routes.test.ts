import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerList, EngineList, Health, NetworkList, SessionInfo } from '@sonde/shared';
import { FakeEngine } from '../engine/fake-engine.js';
import { checked, HOOK_TIMEOUT_MS, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole } from '../testing/fake-console.js';

/**
 * A console of two engines on two fakes: one engine down or hung never hides the other, the
 * listing says which one is missing, and a target on engine B is started on B (never on A). The
 * same against two real engines is in server/test/engine-set.test.ts and the Swarm tests.
 */
describe('two engines', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let alpha: FakeEngine;
  let beta: FakeEngine;

  beforeAll(async () => {
    alpha = new FakeEngine({ name: 'alpha' });
    beta = new FakeEngine({ name: 'beta' });
    // A short deadline, so the hung engine below costs little; far above what an in-memory answer takes.
    sonde = await startFakeConsole({ engines: [alpha, beta], env: { SONDE_ENGINE_DEADLINE_MS: '300' } });
    alpha.addContainer({ name: 'web' });
    beta.addNetwork({ name: 'backend' });
    beta.addContainer({ name: 'db', networks: ['backend'] });
    // Same name on both: only the engine tells them apart.
    beta.addContainer({ name: 'web' });
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  async function containers(query = '') {
    const r = await sonde.call('GET', `/api/containers${query}`, sonde.admin);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { list: checked(ContainerList, r.body), unreachable: r.headers['x-sonde-unreachable'] };
  }

  it('lists both engines, each object naming its engine; ?engine= asks one', async () => {
    const both = await containers();
    expect(both.unreachable).toBeUndefined();
    expect(both.list.map((c) => `${c.engine}/${c.name}`).sort()).toEqual(['alpha/web', 'beta/db', 'beta/web']);
    expect((await containers('?engine=beta')).list.map((c) => c.name).sort()).toEqual(['db', 'web']);
    const unknown = await sonde.call('GET', '/api/containers?engine=gamma', sonde.admin);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ENGINE_NOT_FOUND']);
  });

  it('one engine unreachable: the other is listed, the header names the failing one, health is degraded', async () => {
    alpha.setReachable(false);
    try {
      const listed = await containers();
      expect(listed.unreachable).toBe('alpha');
      expect(listed.list.map((c) => `${c.engine}/${c.name}`).sort()).toEqual(['beta/db', 'beta/web']);
      const networks = await sonde.call('GET', '/api/networks', sonde.admin);
      expect(networks.headers['x-sonde-unreachable']).toBe('alpha');
      expect(checked(NetworkList, networks.body).every((n) => n.engine === 'beta')).toBe(true);
      const engines = checked(EngineList, (await sonde.call('GET', '/api/engines', sonde.admin)).body);
      expect(engines.map((e) => [e.name, e.reachable])).toEqual([
        ['alpha', false],
        ['beta', true],
      ]);
      expect(engines[0]!.error).toMatch(/Cannot reach Docker at fake:\/\/alpha/);
      const health = checked(Health, (await sonde.call('GET', '/api/health', sonde.admin)).body);
      expect(health.status).toBe('degraded');
    } finally {
      alpha.setReachable(true);
    }
    expect((await containers()).unreachable).toBeUndefined();
  });

  it('one engine hung: it is left out after the deadline and named, the other answers', async () => {
    const hold = beta.holdNext('list');
    try {
      const started = Date.now();
      const listed = await containers();
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(listed.unreachable).toBe('beta');
      expect(listed.list.map((c) => `${c.engine}/${c.name}`)).toEqual(['alpha/web']);
    } finally {
      hold.release();
    }
  });

  it('a session on engine B is started on B, in the container B knows by that name', async () => {
    const alphaBefore = alpha.history().length;
    // With two engines a target must say which.
    const unnamed = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', container: 'web' } });
    expect([unnamed.status, unnamed.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(unnamed.body.error.message).toMatch(/several engines \(alpha, beta\)/);
    const created = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', engine: 'beta', container: 'web' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = checked(SessionInfo, created.body);
    const betaWeb = (await beta.inspectContainer('web'))!.id;
    expect(session.target).toMatchObject({ kind: 'container', engine: 'beta', containerId: betaWeb });
    const toolbox = beta.toolboxes().find((t) => t.id === session.toolbox.containerId);
    expect(toolbox?.spec.placement).toMatchObject({ kind: 'container', containerId: betaWeb });
    expect(alpha.history()).toHaveLength(alphaBefore);
    const term = await sonde.terminal(session.ttyPath, sonde.admin);
    await term.waitFor(/\$ $/);
    term.send('exit 0\r');
    expect((await term.waitClosed()).code).toBe(4000);
    await expect.poll(() => beta.toolboxes().some((t) => t.id === toolbox!.id)).toBe(false);
  });
});
