import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ERROR_CODES } from '@sonde/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * Issue 14, point 1: the OpenAPI 3.1 document is generated from the routes' own schemas, is
 * valid for a real OpenAPI validator, and lists every route of the live route table.
 */

/** Routes that are not operations of the API, each with the reason it is left out. */
const NOT_OPERATIONS: { pattern: RegExp; why: string }[] = [
  { pattern: /^\/\*$/, why: "the web UI's pages and files" },
  { pattern: /^\/embed\/\*$/, why: 'the embed pages (docs/api.md, "Embeds")' },
  { pattern: /^\/api\/\*$/, why: 'the 404 for /api paths no route serves' },
  { pattern: /^\/api\/docs(\/.*)?$/, why: "the reference page's own files" },
];

/** Fastify's `/api/sessions/:id/shares/:shareId` is OpenAPI's `/api/sessions/{id}/shares/{shareId}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
  'x-sonde-access'?: string;
  'x-websocket'?: boolean;
}

describe('OpenAPI', () => {
  let sonde: TestConsole;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
  let text: string;

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: `sonde-dash-${randomBytes(4).toString('hex')}` });
    // Anonymous, like any client reading the contract before it has a token.
    const response = await fetch(`${sonde.baseUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    text = await response.text();
    document = JSON.parse(text) as typeof document;
  });

  afterAll(async () => {
    await sonde?.close();
  });

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // Throws on a $ref that points nowhere.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('lists every route of the live table, WebSocket routes as upgrades, with who may call it', () => {
    const missing: string[] = [];
    let listed = 0;
    for (const [key, access] of sonde.app.routeAccess) {
      const [method, url] = key.split(' ') as [string, string];
      if (method === 'HEAD' || NOT_OPERATIONS.some((n) => n.pattern.test(url))) continue;
      const operation = document.paths[openapiPath(url)]?.[method.toLowerCase()];
      if (!operation) {
        missing.push(key);
        continue;
      }
      listed++;
      expect(operation['x-sonde-access'], key).toBe(access);
      // Public routes need nothing; every other route names its credentials.
      if (access === 'public') expect(operation.security, key).toEqual([]);
      else expect(operation.security?.length ?? 0, key).toBeGreaterThan(0);
      if (url.endsWith('/tty')) {
        expect(operation['x-websocket'], key).toBe(true);
        expect(Object.keys(operation.responses), key).toContain('101');
      }
      // Every operation says how it fails, with the shared error body.
      expect(JSON.stringify(operation.responses['4XX']), key).toContain('#/components/schemas/ErrorBody');
    }
    expect(missing).toEqual([]);
    expect(listed).toBeGreaterThan(40);
    // The WebSocket routes are there, and so are the newest routes.
    expect(document.paths['/api/sessions/{id}/tty']?.get?.['x-websocket']).toBe(true);
    expect(document.paths['/api/runs/{id}/tty']?.get?.['x-websocket']).toBe(true);
    expect(document.paths['/metrics']?.get).toBeDefined();
    expect(document.paths['/api/embeds']?.post).toBeDefined();
  });

  it('describes every error code once, as the enum of the shared error body', () => {
    const body = document.components.schemas.ErrorBody as { properties: { error: { properties: { code: { enum: string[] } } } } };
    expect(body.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(ERROR_CODES.length).toBeGreaterThan(40);
  });

  it('holds no secrets and no configuration', () => {
    expect(text).not.toContain(sonde.token);
    expect(text).not.toContain(sonde.config.dataDir);
    expect(text).not.toContain(sonde.instance);
  });

  it('serves a browsable reference from the console itself, under the console CSP', async () => {
    const page = await fetch(`${sonde.baseUrl}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    // Everything it loads comes from the console: no CDN, no inline script.
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toContain('/api/docs/static/swagger-ui-bundle.js');
    for (const src of scripts) expect((await fetch(`${sonde.baseUrl}${src}`)).status, src).toBe(200);
    const spec = await fetch(`${sonde.baseUrl}/api/docs/json`);
    expect(spec.status).toBe(200);
    expect(await spec.json()).toMatchObject({ openapi: '3.1.0' });
  });
});
