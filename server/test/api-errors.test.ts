import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@sonde/shared';
import { checked } from './support/api-client.js';
import { DockerFixtures, docker } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/** Every documented error: its status, its stable code, a human sentence, and nothing left behind. */
describe('API errors (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let stopped: { id: string; name: string };

  beforeAll(async () => {
    sonde = await startConsole();
    stopped = await fixtures.container();
    await docker('stop', '-t', '0', stopped.id);
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  /** POST /api/sessions with any body, also ones the client would never send (not JSON, wrong shapes). */
  async function create(body: unknown, app = sonde) {
    const response = await app.app.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: { ...app.auth, 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.statusCode, body: checked(ErrorBody, response.json()) };
  }

  function expectCleanError(result: { body: ErrorBody }, code: string) {
    expect(result.body.error.code).toBe(code);
    expect(result.body.error.message).toMatch(/^[A-Z"].{10,}/);
    expect(result.body.error.message).not.toMatch(/\n\s+at |node_modules|Error:/);
  }

  it('404 TARGET_NOT_FOUND for an unknown container or network', async () => {
    const a = await create({ target: { kind: 'container', container: 'no-such-container-xyz' } });
    expect(a.status).toBe(404);
    expectCleanError(a, 'TARGET_NOT_FOUND');
    const b = await create({ target: { kind: 'network', network: 'no-such-network-xyz' } });
    expect(b.status).toBe(404);
    expectCleanError(b, 'TARGET_NOT_FOUND');
  });

  it('409 TARGET_NOT_RUNNING for a stopped container', async () => {
    const r = await create({ target: { kind: 'container', container: stopped.name } });
    expect(r.status).toBe(409);
    expectCleanError(r, 'TARGET_NOT_RUNNING');
  });

  it.each([
    [{}, 'body.target'],
    [{ target: { kind: 'container' } }, 'container'],
    [{ target: { kind: 'pod', pod: 'x' } }, 'target'],
    [{ target: { kind: 'container', container: '--rm' } }, 'target'],
    [{ target: { kind: 'container', container: 'web', sharePid: 'yes' } }, 'target'],
    [{ target: { kind: 'host', engine: 'local' }, extra: 1 }, 'extra'],
  ])('400 INVALID_REQUEST naming the field for %j', async (body, field) => {
    const r = await create(body);
    expect(r.status).toBe(400);
    expectCleanError(r, 'INVALID_REQUEST');
    expect(r.body.error.message).toContain(field);
  });

  it('400 for a body that is not JSON', async () => {
    const r = await create('{"target":');
    expect(r.status).toBe(400);
    expectCleanError(r, 'INVALID_REQUEST');
  });

  it('424 TOOLBOX_IMAGE_MISSING with the command that builds it, leaving nothing behind', async () => {
    const missing = await startConsole({ SONDE_TOOLBOX_IMAGE: 'sonde-no-such-image:never' });
    try {
      const r = await create({ target: { kind: 'host', engine: 'local' } }, missing);
      expect(r.status).toBe(424);
      expectCleanError(r, 'TOOLBOX_IMAGE_MISSING');
      expect(r.body.error.message).toContain('npm run toolbox:build');
      expect(await docker('ps', '-aq', '--filter', `label=sonde.instance=${missing.instance}`)).toBe('');
    } finally {
      await missing.close();
    }
  });

  it('503 DOCKER_UNREACHABLE naming the socket that was tried, and health says degraded', async () => {
    const offline = await startConsole({ DOCKER_HOST: 'unix:///tmp/sonde-no-such-docker.sock' });
    try {
      const r = await create({ target: { kind: 'host', engine: 'local' } }, offline);
      expect(r.status).toBe(503);
      expectCleanError(r, 'DOCKER_UNREACHABLE');
      expect(r.body.error.message).toContain('unix:///tmp/sonde-no-such-docker.sock');
      // Listings leave an unreachable engine out and name it (x-sonde-unreachable), never fail whole.
      const listed = await fetch(`${offline.baseUrl}/api/containers`, { headers: offline.auth });
      expect(listed.status).toBe(200);
      expect(listed.headers.get('x-sonde-unreachable')).toBe('local');
      expect(await listed.text()).toBe('[]');
      expect(await offline.client.health()).toMatchObject({ status: 'degraded', docker: { reachable: false } });
    } finally {
      await offline.close();
    }
  });

  it('404 SESSION_NOT_FOUND for unknown sessions, 404 NOT_FOUND for unknown API routes', async () => {
    const id = '0'.repeat(32);
    await expect(sonde.client.session(id)).rejects.toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    await expect(sonde.client.endSession(id)).rejects.toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    // No client has a method for a route that does not exist.
    const r = await sonde.app.inject({ url: '/api/nope', headers: sonde.auth });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('health answers without auth and reports the engine version', async () => {
    const r = await sonde.app.inject({ url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', docker: { reachable: true, version: expect.any(String) } });
  });

  it('lists containers with compose and network details, and networks with members', async () => {
    const net = await fixtures.network();
    const c = await fixtures.container({
      network: net,
      labels: ['com.docker.compose.project=shop', 'com.docker.compose.service=cart'],
    });
    const containers = await sonde.client.containers();
    const mine = containers.find((x) => x.id === c.id)!;
    expect(mine.compose).toEqual({ project: 'shop', service: 'cart' });
    expect(mine.networks).toEqual([{ name: net, ipv4: await fixtures.ipv4(c.id, net) }]);
    const networks = await sonde.client.networks();
    const n = networks.find((x) => x.name === net)!;
    expect(n.subnets.length).toBeGreaterThan(0);
    expect(n.containers.map((x) => x.id)).toContain(c.id);
  });
});
