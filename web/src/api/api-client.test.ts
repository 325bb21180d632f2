import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, ClientErrorCode, parseRetryAfter } from './api-client';

type FetchArgs = [string, RequestInit];

function clientReturning(response: Response | Error) {
  const fetch = vi.fn(async (..._args: FetchArgs) => {
    if (response instanceof Error) throw response;
    return response;
  });
  return { client: new ApiClient({ fetch: fetch as unknown as typeof globalThis.fetch }), fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const session = {
  id: 's1',
  target: { kind: 'host' },
  state: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  toolbox: { containerId: 'c1', image: 'sonde-toolbox:1' },
  clients: 0,
  owner: { id: 'user:u1', name: 'alice' },
  participants: [],
  ttyPath: '/api/sessions/s1/tty',
};

describe('ApiClient', () => {
  it('sends the CSRF header and a JSON body on writes, same-origin credentials always', async () => {
    const { client, fetch } = clientReturning(json(201, session));
    await client.createSession({ kind: 'container', container: 'web-1', sharePid: true });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('/api/sessions');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.headers).toMatchObject({ 'X-Sonde-Request': '1', 'Content-Type': 'application/json' });
    expect(JSON.parse(String(init?.body))).toEqual({ target: { kind: 'container', container: 'web-1', sharePid: true } });
  });

  it('sends no Content-Type without a body, and no CSRF header on reads', async () => {
    const { client, fetch } = clientReturning(new Response(null, { status: 204 }));
    await client.deleteSession('a/b');
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/sessions/a%2Fb');
    expect(fetch.mock.calls[0]?.[1].headers).not.toHaveProperty('Content-Type');

    const read = clientReturning(json(200, []));
    await read.client.containers();
    expect(read.fetch.mock.calls[0]?.[1].headers).not.toHaveProperty('X-Sonde-Request');
  });

  it('turns the error body into an ApiError with the server code and message', async () => {
    const { client } = clientReturning(
      json(409, { error: { code: 'TARGET_NOT_RUNNING', message: 'Container web-1 is not running' } }),
    );
    const error = await client.createSession({ kind: 'container', container: 'web-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'TARGET_NOT_RUNNING', message: 'Container web-1 is not running' });
  });

  it('keeps the HTTP status for error bodies that are not ours', async () => {
    const { client } = clientReturning(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(client.networks()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('rejects replies that do not match the shared schema', async () => {
    const { client } = clientReturning(json(200, [{ id: 'x' }]));
    await expect(client.containers()).rejects.toMatchObject({ code: ClientErrorCode.BadResponse });
  });

  it('starts a run with the tool, target and params, and validates the reply (result included)', async () => {
    const run = {
      id: 'r'.repeat(32),
      tool: 'dig',
      owner: { id: 'token:bootstrap', name: 'bootstrap token' },
      target: { kind: 'network', networkId: 'n1', networkName: 'shop' },
      params: { host: 'api', type: 'A' },
      argv: ['dig', '+time=3', '+tries=2', '-t', 'A', '-q', 'api'],
      state: 'exited',
      exitCode: 0,
      createdAt: '2025-01-01T00:00:00.000Z',
      endReason: 'exited',
      limitReached: false,
      limitSeconds: 25,
      toolbox: { containerId: 'c1', image: 'sonde-toolbox:1' },
      result: { kind: 'dns', status: 'NOERROR', flags: ['qr'], answers: [{ name: 'api.', ttl: 600, class: 'IN', type: 'A', data: '10.0.0.3' }], authority: [] },
      ttyPath: `/api/runs/${'r'.repeat(32)}/tty`,
    };
    const { client, fetch } = clientReturning(json(201, run));
    expect(await client.createRun({ tool: 'dig', target: { kind: 'network', network: 'shop' }, params: { host: 'api' } })).toEqual(run);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('/api/runs');
    expect(init?.headers).toMatchObject({ 'X-Sonde-Request': '1' });
    expect(JSON.parse(String(init?.body))).toEqual({ tool: 'dig', target: { kind: 'network', network: 'shop' }, params: { host: 'api' } });

    const bad = clientReturning(json(200, { ...run, result: { kind: 'dns' } }));
    await expect(bad.client.run(run.id)).rejects.toMatchObject({ code: ClientErrorCode.BadResponse });
  });

  it('reports network failures as status 0', async () => {
    const { client } = clientReturning(new TypeError('Failed to fetch'));
    await expect(client.health()).rejects.toMatchObject({ status: 0, code: ClientErrorCode.Network });
  });

  it('me() answers null on 401 without raising "unauthorized"; other calls raise it', async () => {
    const unauthorized = vi.fn();
    const probe = clientReturning(json(401, { error: { code: 'UNAUTHORIZED', message: 'Login required' } }));
    probe.client.events.on('unauthorized', unauthorized);
    expect(await probe.client.me()).toBeNull();
    expect(unauthorized).not.toHaveBeenCalled();

    const call = clientReturning(json(401, { error: { code: 'UNAUTHORIZED', message: 'Login required' } }));
    call.client.events.on('unauthorized', unauthorized);
    await expect(call.client.sessions()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('ApiClient identity and sharing', () => {
  it('logs in with a username and password in the body, never the URL', async () => {
    const { client, fetch } = clientReturning(new Response(null, { status: 204 }));
    await client.login({ username: 'alice', password: 'correct horse battery' });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('/api/login');
    expect(JSON.parse(String(init?.body))).toEqual({ username: 'alice', password: 'correct horse battery' });
  });

  it('carries Retry-After of a 429 on the error', async () => {
    const { client } = clientReturning(
      new Response(JSON.stringify({ error: { code: 'TOO_MANY_ATTEMPTS', message: 'Too many attempts.' } }), {
        status: 429,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '42' },
      }),
    );
    await expect(client.login({ token: 'x' })).rejects.toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 42 });
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('validates a created share and escapes ids in share paths', async () => {
    const created = { id: 'sh1', token: 't', url: 'http://x/?share=t', role: 'viewer', expiresAt: '2025-01-01T01:00:00.000Z' };
    const { client, fetch } = clientReturning(json(201, created));
    await expect(client.createShare('s/1', { role: 'viewer', expiresInSeconds: 900 })).resolves.toEqual(created);
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/sessions/s%2F1/shares');
    const revoke = clientReturning(new Response(null, { status: 204 }));
    await revoke.client.revokeShare('s1', 'a b');
    expect(revoke.fetch.mock.calls[0]?.[0]).toBe('/api/sessions/s1/shares/a%20b');
    expect(revoke.fetch.mock.calls[0]?.[1].method).toBe('DELETE');
  });

  it('builds audit queries and the JSON lines export link', async () => {
    const { client, fetch } = clientReturning(json(200, []));
    await client.audit({ sessionId: 'a'.repeat(32), after: 10 });
    expect(fetch.mock.calls[0]?.[0]).toBe(`/api/audit?sessionId=${'a'.repeat(32)}&after=10`);
    expect(client.auditExportUrl()).toBe('/api/audit?format=jsonl');
  });
});
