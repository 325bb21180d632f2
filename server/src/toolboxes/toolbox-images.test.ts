import { describe, expect, it, vi } from 'vitest';
import { EngineList, ToolboxImageEvent } from '@sonde/shared';
import { FakeEngine } from '../engine/fake-engine.js';
import { eventReader } from '../testing/server-sent-events.js';
import { checked, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole } from '../testing/fake-console.js';

/**
 * A configured toolbox image that is missing on a Docker engine, through the real routes on the
 * fake engine: pulled once with progress (terminal, GET /api/engines, `toolbox-image` events),
 * starts meanwhile refused with how far it is, a failed pull's reason, and who sees it. The same
 * against Docker and a real registry: server/test/toolbox-pull.test.ts.
 */
describe('toolbox image pulls', ROUTE_TEST_TIMEOUT, () => {
  const IMAGE = 'nicolaka/netshoot';
  const web = { kind: 'container', container: 'web' };

  async function consoleMissing(env: Record<string, string> = {}) {
    const lines: string[] = [];
    const engine = new FakeEngine();
    engine.addNetwork({ name: 'backend' });
    engine.addContainer({ name: 'web', networks: ['backend'] });
    const sonde = await startFakeConsole({ engine, env: { SONDE_TOOLBOX_IMAGE: IMAGE, ...env }, print: (line) => lines.push(line) });
    return { sonde, engine, lines };
  }

  it('is pulled once, its progress told to the terminal, GET /api/engines and the event stream; starts meanwhile get 424 with how far it is', async () => {
    const { sonde, engine, lines } = await consoleMissing();
    try {
      const pull = await engine.nextPull();
      expect(pull.ref).toBe(IMAGE);
      const viewer = await sonde.token('viewer');
      const operator = await sonde.token('operator');
      const stream = await sonde.app.inject({ url: '/api/events', headers: viewer.headers, payloadAsStream: true });
      expect(stream.statusCode).toBe(200);
      const events = eventReader(stream.stream());

      pull.report({ id: 'latest', status: 'Pulling from nicolaka/netshoot' });
      pull.report({ id: 'a1', status: 'Pulling fs layer' });
      pull.download('a1', 74, 100);
      await expect.poll(() => sonde.app.toolboxImages.status('local'), POLL).toEqual({ image: IMAGE, state: 'pulling', percent: 37 });
      const listed = checked(EngineList, (await sonde.call('GET', '/api/engines', viewer.headers)).body);
      expect(listed.map((e) => [e.name, e.toolboxImage])).toEqual([['local', { image: IMAGE, state: 'pulling', percent: 37 }]]);

      // Sessions and runs alike, as often as asked: one pull, nothing started.
      const pulling = `The toolbox image ${IMAGE} is being pulled on engine local (37%); try again when it is done.`;
      for (const [url, body] of [
        ['/api/sessions', { target: web }],
        ['/api/sessions', { target: web }],
        ['/api/runs', { tool: 'ping', target: web, params: { host: 'db', count: 1 } }],
      ] as const) {
        const r = await sonde.call('POST', url, operator.headers, body);
        expect([r.status, r.body.error?.code, r.body.error?.message], url).toEqual([424, 'TOOLBOX_IMAGE_MISSING', pulling]);
      }
      expect(engine.pulls()).toHaveLength(1);
      expect(engine.toolboxes()).toEqual([]);

      pull.report({ id: 'a1', status: 'Download complete' });
      pull.report({ id: 'a1', status: 'Extracting', progressDetail: { current: 100, total: 100 } });
      pull.complete();
      await expect.poll(() => sonde.app.toolboxImages.status('local'), POLL).toEqual({ image: IMAGE, state: 'present' });
      const opened = await sonde.call('POST', '/api/sessions', operator.headers, { target: web });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      expect(engine.toolboxes().map((t) => t.spec.image)).toEqual([IMAGE]);

      expect(lines.slice(0, -1)).toEqual([
        `toolbox image ${IMAGE} is missing on engine local; pulling it`,
        `pulling ${IMAGE} on local: 0%`,
        `pulling ${IMAGE} on local: 37%`,
        `pulling ${IMAGE} on local: 50%`,
        `pulling ${IMAGE} on local: 99%`,
      ]);
      expect(lines.at(-1)).toMatch(new RegExp(`^pulled ${IMAGE} on local: 100% \\(\\d+\\.\\d s\\)$`));
      await expect.poll(() => events.events.filter((e) => e.event === 'toolbox-image').map((e) => checked(ToolboxImageEvent, e.data)).at(-1), POLL).toEqual({ engine: 'local', image: IMAGE, state: 'present' });
      const told = events.events.filter((e) => e.event === 'toolbox-image').map((e) => checked(ToolboxImageEvent, e.data));
      expect(told.map((e) => e.percent ?? e.state)).toEqual([37, 50, 99, 'present']);
    } finally {
      await sonde.close();
    }
  });

  it('a failed pull says why, in the terminal, on the engine list and to a start, which does not pull again at once', async () => {
    const { sonde, engine, lines } = await consoleMissing({});
    try {
      const first = await engine.nextPull();
      first.fail('manifest for nicolaka/netshoot:latest not found: manifest unknown: manifest unknown');
      const why = `Docker could not pull ${IMAGE}: the registry has the repository but not this tag (Docker said: manifest for nicolaka/netshoot:latest not found: manifest unknown: manifest unknown).`;
      await expect.poll(() => sonde.app.toolboxImages.status('local'), POLL).toEqual({ image: IMAGE, state: 'failed', error: why });
      expect(lines.at(-1)).toBe(`pulling ${IMAGE} on local failed: ${why}`);
      const viewer = await sonde.token('viewer');
      expect(checked(EngineList, (await sonde.call('GET', '/api/engines', viewer.headers)).body)[0]!.toolboxImage).toEqual({ image: IMAGE, state: 'failed', error: why });

      const refused = await sonde.call('POST', '/api/sessions', sonde.admin, { target: web });
      expect([refused.status, refused.body.error.code]).toEqual([424, 'TOOLBOX_IMAGE_MISSING']);
      expect(refused.body.error.message).toBe(
        `The toolbox image ${IMAGE} is not on engine local: ${why} Sonde pulls it again on a start 30 s after that failure; or set SONDE_TOOLBOX_IMAGE to an image the engine can get.`,
      );
      expect(engine.pulls()).toHaveLength(1);
    } finally {
      await sonde.close();
    }

  });

  it('pulls again on a start once the retry interval has passed since a failure', async () => {
    const { sonde, engine } = await consoleMissing();
    try {
      (await engine.nextPull()).fail('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: no such host');
      await expect.poll(() => sonde.app.toolboxImages.status('local')?.error, POLL).toMatch(/the registry's name does not resolve from the engine's host \(DNS, or no internet access there\)/);
      // The failure is made old enough by moving the clock past the retry interval.
      const now = Date.now();
      const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 31_000);
      try {
        const r = await sonde.call('POST', '/api/sessions', sonde.admin, { target: web });
        expect([r.status, r.body.error.message]).toEqual([424, `The toolbox image ${IMAGE} is being pulled on engine local (0%); try again when it is done.`]);
      } finally {
        clock.mockRestore();
      }
      const second = await engine.nextPull();
      expect(engine.pulls()).toHaveLength(2);
      second.complete();
      await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, POLL).toBe('present');
      expect((await sonde.call('POST', '/api/sessions', sonde.admin, { target: web })).status).toBe(201);
    } finally {
      await sonde.close();
    }
  });

  it('any logged-in principal sees the state; an anonymous caller gets 401 for the engines and the events', async () => {
    const { sonde, engine } = await consoleMissing();
    try {
      await engine.nextPull();
      for (const role of ['viewer', 'operator'] as const) {
        const { headers } = await sonde.token(role);
        const r = await sonde.call('GET', '/api/engines', headers);
        expect(r.status).toBe(200);
        expect(checked(EngineList, r.body)[0]!.toolboxImage).toEqual({ image: IMAGE, state: 'pulling', percent: 0 });
        // Where the engine is stays for admins.
        expect(r.body[0].endpoint).toBeUndefined();
      }
      for (const url of ['/api/engines', '/api/events']) {
        const r = await sonde.call('GET', url, {});
        expect([url, r.status, r.body.error.code]).toEqual([url, 401, 'UNAUTHORIZED']);
      }
      // The public health check says nothing of it.
      expect(JSON.stringify((await sonde.call('GET', '/api/health', {})).body)).not.toContain(IMAGE);
    } finally {
      await sonde.close();
    }
  });

  it('with pulls off (SONDE_TOOLBOX_PULL=never), or for the built-in image, nothing is pulled: the state says missing and a start says to build it', async () => {
    for (const env of [{ SONDE_TOOLBOX_PULL: 'never' }, { SONDE_TOOLBOX_IMAGE: 'sonde-toolbox:dev' }] as Record<string, string>[]) {
      const { sonde, engine, lines } = await consoleMissing(env);
      try {
        const image = env.SONDE_TOOLBOX_IMAGE ?? IMAGE;
        await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, POLL).toBe('missing');
        expect(sonde.app.toolboxImages.status('local')?.error).toMatch(image === IMAGE ? /pulls are off \(SONDE_TOOLBOX_PULL=never\)/ : /npm run toolbox:build/);
        const r = await sonde.call('POST', '/api/sessions', sonde.admin, { target: web });
        expect([r.status, r.body.error.code]).toEqual([424, 'TOOLBOX_IMAGE_MISSING']);
        expect(r.body.error.message).toContain('npm run toolbox:build');
        expect(engine.calls).not.toContain('pullImage');
        expect(lines).toEqual([]);
      } finally {
        await sonde.close();
      }
    }
  });

  it('an image already there is not pulled, and the list says present', async () => {
    const engine = new FakeEngine({ images: { [IMAGE]: '*' } });
    const sonde = await startFakeConsole({ engine, env: { SONDE_TOOLBOX_IMAGE: IMAGE }, print: () => undefined });
    try {
      await expect.poll(() => sonde.app.toolboxImages.status('local'), POLL).toEqual({ image: IMAGE, state: 'present' });
      expect(engine.calls).not.toContain('pullImage');
    } finally {
      await sonde.close();
    }
  });

  it('an engine with the image removed after the start pulls it again when a start finds it missing', async () => {
    const engine = new FakeEngine({ images: { [IMAGE]: '*' } });
    engine.addContainer({ name: 'web' });
    const sonde = await startFakeConsole({ engine, env: { SONDE_TOOLBOX_IMAGE: IMAGE }, print: () => undefined });
    try {
      await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, POLL).toBe('present');
      engine.removeImage(IMAGE);
      const r = await sonde.call('POST', '/api/sessions', sonde.admin, { target: web });
      expect([r.status, r.body.error.message]).toEqual([424, `The toolbox image ${IMAGE} is being pulled on engine local (0%); try again when it is done.`]);
      (await engine.nextPull()).complete();
      await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, POLL).toBe('present');
      expect((await sonde.call('POST', '/api/sessions', sonde.admin, { target: web })).status).toBe(201);
    } finally {
      await sonde.close();
    }
  });

  it('each engine gets its own pull; one failing leaves the other', async () => {
    const engines = [new FakeEngine({ name: 'east' }), new FakeEngine({ name: 'west' })];
    const sonde = await startFakeConsole({ engines, env: { SONDE_TOOLBOX_IMAGE: IMAGE }, print: () => undefined });
    try {
      const [east, west] = await Promise.all(engines.map((e) => e.nextPull()));
      east!.fail('pull access denied for nicolaka/netshoot, repository does not exist or may require \'docker login\'');
      west!.complete();
      await expect.poll(() => ['east', 'west'].map((n) => sonde.app.toolboxImages.status(n)?.state), POLL).toEqual(['failed', 'present']);
      expect(sonde.app.toolboxImages.status('east')?.error).toContain('the registry has no such repository, or it needs a login');
      expect(engines.map((e) => e.pulls().length)).toEqual([1, 1]);
    } finally {
      await sonde.close();
    }
  });
});
