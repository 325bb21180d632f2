import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * Issue 10, points 1 and 2: authorization is decided by the route that will run, never by how
 * its path is spelled. Every route of the live table, API or not, HTTP or WebSocket, is sent
 * without credentials under every spelling an attacker would try, over a raw socket so nothing
 * normalizes the request target on the way; none may run, and nothing may change.
 */

interface RawReply {
  status: number;
  body: string;
}

/** One HTTP/1.1 request written byte for byte; the request target is exactly `target`. */
function rawRequest(port: number, method: string, target: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'connection: close'];
    if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    socket.on('connect', () => socket.end(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      // An accepted upgrade never ends by itself: a 101 is all we need to see.
      if (data.startsWith('HTTP/1.1 101')) socket.destroy();
    });
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
  });
}

/** Every spelling of `path` that is not the canonical one, and that a lenient router could match. */
function spellings(path: string, port: number): { name: string; target: string }[] {
  const segments = path.slice(1).split('/');
  const first = segments[0]!;
  const encodedLetter = (upper: boolean) => {
    const hex = first.charCodeAt(0).toString(16);
    return `/%${upper ? hex.toUpperCase() : hex}${first.slice(1)}${path.slice(1 + first.length)}`;
  };
  const slashAt = path.indexOf('/', 1);
  const list = [
    { name: 'percent-encoded letter', target: encodedLetter(false) },
    { name: 'upper-case percent-encoded letter', target: encodedLetter(true) },
    { name: 'double slash in front', target: `/${path}` },
    { name: 'dot segment', target: `/.${path}` },
    { name: 'dot-dot segment', target: `/${first}/..${path}` },
    { name: 'trailing slash', target: `${path}/` },
    { name: 'path parameter', target: `${path};x=1` },
    { name: 'absolute-form target', target: `http://127.0.0.1:${port}${path}` },
    { name: 'absolute-form with another host', target: `http://localhost${path}` },
  ];
  if (slashAt > 0) {
    list.push(
      { name: 'encoded slash %2F', target: `${path.slice(0, slashAt)}%2F${path.slice(slashAt + 1)}` },
      { name: 'encoded slash %2f', target: `${path.slice(0, slashAt)}%2f${path.slice(slashAt + 1)}` },
      { name: 'double slash inside', target: `${path.slice(0, slashAt)}/${path.slice(slashAt)}` },
    );
  }
  return list;
}

describe('authorization follows the matched route, whatever the spelling', () => {
  let sonde: TestConsole;
  let port: number;
  let sessionId: string;
  let runId: string;

  /** A valid body per write route: the request an attacker would want to run. */
  const bodies: Record<string, unknown> = {
    'POST /api/users': { username: 'mallory', password: 'a-very-long-password-123', role: 'admin' },
    'PATCH /api/users/:id': { role: 'admin', disabled: false },
    'POST /api/tokens': { name: 'mallory', role: 'admin' },
    'PUT /api/policy': { operator: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] }, admin: { allowHost: true, allowNetworks: true, composeProjects: [], namePatterns: [], denyLabels: [] } },
    'POST /api/sessions': { target: { kind: 'host', engine: 'local' } },
    'POST /api/sessions/:id/shares': { role: 'driver', expiresInSeconds: 3600 },
    'POST /api/runs': { tool: 'ip-addr', target: { kind: 'host', engine: 'local' } },
    'POST /api/captures': { target: { kind: 'host', engine: 'local' }, interface: 'lo' },
  };

  /** What an attacker could change: read with the admin token before and after. */
  async function state(): Promise<string> {
    const { client } = sonde;
    return JSON.stringify({
      users: await client.users(),
      tokens: await client.apiTokens(),
      policy: await client.policy(),
      sessions: (await client.sessions()).map((s) => [s.id, s.state]),
      runs: (await client.runs()).map((r) => r.id),
      captures: (await client.captures()).length,
      shares: await client.shares(sessionId),
    });
  }

  beforeAll(async () => {
    sonde = await startConsole();
    port = Number(new URL(sonde.baseUrl).port);
    sessionId = (await sonde.client.createSession({ kind: 'host', engine: 'local' })).id;
    runId = (await sonde.client.createRun({ tool: 'ip-addr', target: { kind: 'host', engine: 'local' } })).id;
  });

  afterAll(async () => {
    await sonde?.close();
  });

  it('every route of the live table declares its access, and one that does not stops startup', async () => {
    const routes = [...sonde.app.routeAccess.keys()];
    expect(routes).toContain('GET /api/users');
    expect(routes).toContain('GET /*');
    expect(routes.length).toBeGreaterThan(30);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-spelling-'));
    const config = parseConfig({ SONDE_TOKEN: 'x'.repeat(24), SONDE_DATA_DIR: dataDir, SONDE_INSTANCE: 'spelling-startup' });
    const app = await buildApp({ config, logger: false });
    try {
      expect(() => app.get('/api/undeclared', async () => 'open door')).toThrow(/declares no config.access/);
      expect(() => app.get('/undeclared-page', async () => 'open door')).toThrow(/declares no config.access/);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses every non-public route, under every spelling, without credentials, and nothing changes', async () => {
    const before = await state();
    let probes = 0;
    const failures: string[] = [];
    for (const [key, access] of sonde.app.routeAccess) {
      const [method, pattern] = key.split(' ') as [string, string];
      if (method === 'HEAD' || pattern === '/*') continue;
      const path = pattern.replace(':id', pattern.startsWith('/api/runs') ? runId : pattern.startsWith('/api/users') || pattern.startsWith('/api/tokens') ? '00000000-0000-0000-0000-000000000000' : sessionId).replace(':shareId', '00000000-0000-0000-0000-000000000000');
      const payload = bodies[key] === undefined ? (method === 'GET' || method === 'DELETE' ? undefined : '{}') : JSON.stringify(bodies[key]);
      const headers = { host: `127.0.0.1:${port}`, 'x-sonde-request': '1', ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) };
      if (access !== 'public') {
        const plain = await rawRequest(port, method, path, headers, payload);
        probes++;
        if (plain.status !== 401) failures.push(`${method} ${path}: ${plain.status} (canonical, no credentials)`);
      }
      for (const { name, target } of spellings(path, port)) {
        const reply = await rawRequest(port, method, target, headers, payload);
        probes++;
        if (reply.status !== 400) failures.push(`${method} ${target} (${name}): ${reply.status} ${reply.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThan(300);
    expect(await state()).toBe(before);
  });

  it('refuses WebSocket upgrades the same way: no spelling of a terminal route upgrades without credentials', async () => {
    const upgrades = [...sonde.app.routeAccess.keys()].filter((k) => k.endsWith('/tty')).map((k) => k.split(' ')[1]!);
    expect(upgrades.length).toBeGreaterThanOrEqual(2);
    const headers = { host: `127.0.0.1:${port}`, upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin: `http://127.0.0.1:${port}` };
    const failures: string[] = [];
    for (const pattern of upgrades) {
      const path = pattern.replace(':id', pattern.startsWith('/api/runs') ? runId : sessionId);
      const plain = await rawRequest(port, 'GET', path, headers);
      if (plain.status !== 401) failures.push(`${path}: ${plain.status}`);
      for (const { name, target } of spellings(path, port)) {
        const reply = await rawRequest(port, 'GET', target, headers);
        if (reply.status !== 400) failures.push(`${target} (${name}): ${reply.status}`);
      }
      // A cookie that is not a login, and a wrong bearer token, are no better.
      const extras: Record<string, string>[] = [{ cookie: 'sonde_auth=forged' }, { authorization: 'Bearer not-a-token-0000000000' }];
      for (const extra of extras) {
        const reply = await rawRequest(port, 'GET', path, { ...headers, ...extra });
        if (reply.status !== 401) failures.push(`${path} ${JSON.stringify(extra)}: ${reply.status}`);
      }
    }
    expect(failures).toEqual([]);
    // And with the admin token, the canonical spelling does upgrade (the probe can see a 101).
    const ok = await rawRequest(port, 'GET', `/api/sessions/${sessionId}/tty`, { ...headers, ...sonde.auth });
    expect(ok.status).toBe(101);
  });

  it('answers a Host header with a port like one without, and still asks for credentials', async () => {
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, `[::1]:${port}`]) {
      const reply = await rawRequest(port, 'GET', '/api/users', { host });
      expect(reply.status, host).toBe(401);
    }
  });
});
