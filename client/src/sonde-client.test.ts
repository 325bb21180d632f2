import { describe, expect, it, vi } from 'vitest';
import { ClientErrorCode, parseRetryAfter, SondeApiError } from './sonde-api-error.js';
import { SondeClient, type SondeClientOptions } from './sonde-client.js';

/** `response`: one reply, or a function making a fresh one per call (a body is read once). */
function clientReturning(response: Response | Error | (() => Response), options: Omit<SondeClientOptions, 'fetch'> = {}) {
  const fetch = vi.fn(async (_url: string, _init: RequestInit) => {
    if (response instanceof Error) throw response;
    return typeof response === 'function' ? response() : response;
  });
  return { client: new SondeClient({ ...options, fetch }), fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const session = {
  id: 's1',
  target: { kind: 'host', engine: 'local' },
  state: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  toolbox: { containerId: 'c1', image: 'sonde-toolbox:1' },
  clients: 0,
  owner: { id: 'user:u1', name: 'alice' },
  participants: [],
  ttyPath: '/api/sessions/s1/tty',
};

describe('SondeClient', () => {
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
    await client.endSession('a/b');
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/sessions/a%2Fb');
    expect(fetch.mock.calls[0]?.[1].headers).not.toHaveProperty('Content-Type');

    const read = clientReturning(json(200, []));
    await read.client.containers();
    expect(read.fetch.mock.calls[0]?.[1].headers).not.toHaveProperty('X-Sonde-Request');
  });

  it('turns the error body into a SondeApiError with the server code and message', async () => {
    const { client } = clientReturning(
      json(409, { error: { code: 'TARGET_NOT_RUNNING', message: 'Container web-1 is not running' } }),
    );
    const error = await client.createSession({ kind: 'container', container: 'web-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SondeApiError);
    expect(error).toMatchObject({ status: 409, code: 'TARGET_NOT_RUNNING', message: 'Container web-1 is not running' });
  });

  it('keeps the HTTP status for error bodies that are not ours', async () => {
    const { client } = clientReturning(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(client.networks()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('rejects replies that do not match the shared schema, saying where', async () => {
    const { client } = clientReturning(json(200, [{ id: 'x' }]));
    const error = await client.containers().catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 200,
      code: ClientErrorCode.BadResponse,
      message: expect.stringMatching(/^GET \/api\/containers: unexpected reply shape \(\/0/),
    });

    const notJson = clientReturning(new Response('<html>', { status: 200 }));
    await expect(notJson.client.health()).rejects.toMatchObject({ code: ClientErrorCode.BadResponse, message: 'GET /api/health: the reply is not JSON' });
  });

  it('with a token: sends it as a bearer, leaves cookies out, and prefixes the base URL', async () => {
    const { client, fetch } = clientReturning(json(200, []), { baseUrl: 'http://127.0.0.1:8080/', token: 'secret-token' });
    await client.sessions();
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('http://127.0.0.1:8080/api/sessions');
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer secret-token' });
    expect(init?.credentials).toBe('omit');
    expect(client.capturePcapUrl('c 1')).toBe('http://127.0.0.1:8080/api/captures/c%201/pcap');
    expect(client.eventsUrl()).toBe('http://127.0.0.1:8080/api/events');

    // Without one, nothing claims an identity: the browser's cookie does.
    const cookie = clientReturning(json(200, []));
    await cookie.client.sessions();
    expect(cookie.fetch.mock.calls[0]?.[1].headers).not.toHaveProperty('Authorization');
  });

  it('reads a recording and its input trail as text, and filters recordings by session', async () => {
    const cast = '{"version":2,"width":80,"height":24}\n[0.1,"o","hi"]\n';
    const { client, fetch } = clientReturning(new Response(cast, { status: 200 }));
    expect(await client.recordingCast('r/1')).toBe(cast);
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/recordings/r%2F1/cast');

    const trail = '{"t":0.5,"participant":"user:1","name":"ada","data":"ls\\r"}\n';
    const input = clientReturning(new Response(trail, { status: 200 }));
    expect(await input.client.recordingInput('r/1')).toBe(trail);
    expect(input.fetch.mock.calls[0]?.[0]).toBe('/api/recordings/r%2F1/input');
    const refused = clientReturning(json(403, { error: { code: 'ROLE_REQUIRED', message: 'Admins only.' } }));
    await expect(refused.client.recordingInput('r1')).rejects.toMatchObject({ status: 403, code: 'ROLE_REQUIRED' });

    const list = clientReturning(() => json(200, []));
    await list.client.recordings({ sessionId: 'a'.repeat(32) });
    await list.client.recordings();
    expect(list.fetch.mock.calls.map(([url]) => url)).toEqual([`/api/recordings?sessionId=${'a'.repeat(32)}`, '/api/recordings']);
  });

  it('starts a run with the tool, target and params, and validates the reply (result included)', async () => {
    const run = {
      id: 'r'.repeat(32),
      tool: 'dig',
      owner: { id: 'token:bootstrap', name: 'bootstrap token' },
      target: { kind: 'network', engine: 'local', networkId: 'n1', networkName: 'shop' },
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
    probe.client.onUnauthorized(unauthorized);
    expect(await probe.client.me()).toBeNull();
    expect(unauthorized).not.toHaveBeenCalled();

    const call = clientReturning(json(401, { error: { code: 'UNAUTHORIZED', message: 'Login required' } }));
    const stop = call.client.onUnauthorized(unauthorized);
    await expect(call.client.sessions()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(unauthorized.mock.calls[0]?.[0]).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    // Unsubscribed: the next refusal reaches nobody.
    stop();
    await expect(call.client.sessions()).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('SondeClient engines and Swarm', () => {
  const container = { id: 'c1', engine: 'node2', name: 'web.1.x', image: 'i', state: 'running', status: 'Up', networks: [], ports: [], labels: {}, toolbox: false };
  const withHeader = (body: unknown, unreachable?: string) =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json', ...(unreachable ? { 'x-sonde-unreachable': unreachable } : {}) } });

  it('asks one engine with ?engine= and says which engines were left out of a listing', async () => {
    const { client, fetch } = clientReturning(() => withHeader([container], 'node3, node4'));
    expect(await client.containerListing({ engine: 'node2' })).toEqual({ items: [container], unreachable: ['node3', 'node4'] });
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/containers?engine=node2');
    expect(await client.containers()).toEqual([container]);
    expect(fetch.mock.calls[1]?.[0]).toBe('/api/containers');

    const networks = clientReturning(() => withHeader([]));
    expect(await networks.client.networkListing({ engine: 'a b' })).toEqual({ items: [], unreachable: [] });
    expect(networks.fetch.mock.calls[0]?.[0]).toBe('/api/networks?engine=a+b');
  });

  it('validates engines, Swarm nodes and services against the shared schemas', async () => {
    const engine = { name: 'node1', reachable: true, version: '26.1.5', swarm: { nodeId: 'n1', role: 'manager', clusterId: 'k' }, source: 'configured', kind: 'docker' };
    const engines = clientReturning(json(200, [engine, { name: 'node2', reachable: false, error: 'connect ECONNREFUSED', source: 'configured', kind: 'docker' }]));
    expect((await engines.client.engines()).map((e) => [e.name, e.reachable, e.swarm?.role])).toEqual([
      ['node1', true, 'manager'],
      ['node2', false, undefined],
    ]);
    expect(engines.fetch.mock.calls[0]?.[0]).toBe('/api/engines');

    const node = { id: 'n2', hostname: 'node2', address: '10.0.0.2', role: 'worker', availability: 'active', state: 'ready', manager: 'node1', clusterId: 'k', engine: 'node2' };
    const nodes = clientReturning(() => withHeader([node], 'node9'));
    expect(await nodes.client.swarmNodeListing()).toEqual({ items: [node], unreachable: ['node9'] });
    expect(nodes.fetch.mock.calls[0]?.[0]).toBe('/api/swarm/nodes');

    const service = {
      id: 's1', name: 'web', mode: 'replicated', replicas: 2, networks: [{ id: 'o1', name: 'overlay' }], manager: 'node1', clusterId: 'k',
      tasks: [{ id: 't1', slot: 1, nodeId: 'n2', node: 'node2', engine: 'node2', state: 'running', desiredState: 'running', containerId: 'c1', addresses: [{ network: 'overlay', address: '10.0.1.3' }] }],
    };
    const services = clientReturning(() => withHeader([service]));
    expect(await services.client.swarmServices()).toEqual([service]);
    expect(services.fetch.mock.calls[0]?.[0]).toBe('/api/swarm/services');

    // A task without its node id is not a SwarmTask: refused, saying where.
    const bad = clientReturning(json(200, [{ ...service, tasks: [{ ...service.tasks[0], nodeId: undefined }] }]));
    await expect(bad.client.swarmServices()).rejects.toMatchObject({ code: ClientErrorCode.BadResponse, message: expect.stringContaining('/0/tasks/0') });
  });
});

describe('SondeClient identity and sharing', () => {
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

  it('doctor, matrix and topology: paths, bodies, and replies checked against the shared schemas', async () => {
    const doctor = {
      id: 'd'.repeat(32),
      target: { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web-1', sharePid: false },
      owner: { id: 'user:u1', name: 'alice' },
      state: 'running',
      startedAt: '2025-01-01T00:00:00.000Z',
      timeLimitMs: 20000,
      checks: [],
      findings: [],
      revision: 0,
    };
    const started = clientReturning(json(201, doctor));
    await started.client.createDoctorRun({ target: { kind: 'container', container: 'web-1' }, peer: { container: 'db-1', ports: [5432] } });
    expect(started.fetch.mock.calls[0]?.[0]).toBe('/api/doctor');
    expect(JSON.parse(String(started.fetch.mock.calls[0]?.[1].body))).toEqual({ target: { kind: 'container', container: 'web-1' }, peer: { container: 'db-1', ports: [5432] } });
    // A reply that is not a doctor run is refused, not passed on.
    const wrong = clientReturning(json(200, { ...doctor, findings: [{ code: 'made-up' }] }));
    await expect(wrong.client.doctorRun(doctor.id)).rejects.toMatchObject({ code: ClientErrorCode.BadResponse });

    const cell = { from: 'a'.repeat(64), to: 'b'.repeat(64), state: 'running' };
    const rerun = clientReturning(json(202, cell));
    await expect(rerun.client.rerunMatrixCell('m1', { from: cell.from, to: cell.to })).resolves.toEqual(cell);
    expect(rerun.fetch.mock.calls[0]?.[0]).toBe('/api/matrix/m1/cells');
    expect(new SondeClient({ baseUrl: 'https://sonde.example' }).matrixExportUrl('m1', 'csv')).toBe('https://sonde.example/api/matrix/m1/export?format=csv');

    const topology = clientReturning(json(200, { nodes: [{ id: 'engine:local', kind: 'engine', label: 'local', engine: 'local', reachable: true }], edges: [], unreachable: [], at: '2025-01-01T00:00:00.000Z' }));
    expect((await topology.client.topology({ engine: 'local' })).nodes).toHaveLength(1);
    expect(topology.fetch.mock.calls[0]?.[0]).toBe('/api/topology?engine=local');
  });
});

