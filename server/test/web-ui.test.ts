import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startConsole, type TestConsole } from './support/test-console.js';

/** The console serves its single-page app: files, deep links, and nothing else. */
const HASHED = 'index-CVatVcAp.js';
const HASHED_BODY = `console.log(${JSON.stringify('x'.repeat(4000))})`;

describe('web UI serving', () => {
  let sonde: TestConsole;
  const dir = mkdtempSync(path.join(tmpdir(), 'sonde-web-'));

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Sonde</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("app")');
    // As the build writes them: a hashed asset with its precompressed siblings.
    writeFileSync(path.join(dir, 'assets', HASHED), HASHED_BODY);
    writeFileSync(path.join(dir, 'assets', `${HASHED}.br`), brotliCompressSync(HASHED_BODY));
    writeFileSync(path.join(dir, 'assets', `${HASHED}.gz`), gzipSync(HASHED_BODY));
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

  it('caches hashed assets for a year, immutable, and revalidates index.html and unhashed files', async () => {
    const asset = await sonde.app.inject({ url: `/assets/${HASHED}` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/', '/containers/abc']) {
      expect((await sonde.app.inject({ url })).headers['cache-control'], url).toBe('no-cache');
    }
    expect((await sonde.app.inject({ url: '/assets/app.js' })).headers['cache-control']).toBe('public, max-age=0');
  });

  it('sends the precompressed file the browser accepts, brotli first, plain otherwise', async () => {
    const br = await sonde.app.inject({ url: `/assets/${HASHED}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toContain('javascript');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(HASHED_BODY);
    expect(br.rawPayload.length).toBeLessThan(HASHED_BODY.length / 10);

    const gz = await sonde.app.inject({ url: `/assets/${HASHED}`, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(HASHED_BODY);

    const plain = await sonde.app.inject({ url: `/assets/${HASHED}`, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(HASHED_BODY);
    // An asset built without siblings is sent plain even to a browser that accepts brotli.
    const unsiblinged = await sonde.app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'br' } });
    expect(unsiblinged.headers['content-encoding']).toBeUndefined();
    expect(unsiblinged.body).toContain('console.log("app")');
  });
});
