import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startConsole, type TestConsole } from './support/test-console.js';

/** The console serves its single-page app: files, deep links, and nothing else. */
describe('web UI serving', () => {
  let sonde: TestConsole;
  const dir = mkdtempSync(path.join(tmpdir(), 'sonde-web-'));

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Sonde</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("app")');
    sonde = await startConsole({ SONDE_WEB_DIR: dir });
  });

  afterAll(async () => {
    await sonde?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at every deep link', async () => {
    for (const url of ['/', '/containers/abc', '/sessions/0123', '/networks/x?y=1']) {
      const r = await sonde.app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toContain('text/html');
      expect(r.body).toContain('<title>Sonde</title>');
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });

  it('serves assets, including ones built after the server started', async () => {
    expect((await sonde.app.inject({ url: '/assets/app.js' })).body).toContain('console.log');
    writeFileSync(path.join(dir, 'assets', 'later.js'), 'console.log("later")');
    expect((await sonde.app.inject({ url: '/assets/later.js' })).statusCode).toBe(200);
  });

  it('answers missing files and unknown API routes with 404 / 401, never with the app', async () => {
    const asset = await sonde.app.inject({ url: '/assets/missing.js' });
    expect(asset.statusCode).toBe(404);
    expect(asset.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await sonde.app.inject({ url: '/api/nope' })).statusCode).toBe(401);
    expect((await sonde.app.inject({ url: '/api/nope', headers: sonde.auth })).statusCode).toBe(404);
  });
});
