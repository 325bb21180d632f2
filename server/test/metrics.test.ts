import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreatedApiToken, SessionInfo } from '@sonde/shared';
import { checked } from './support/api-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';
import { TerminalClient } from './support/terminal-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * Issue 14, point 4: GET /metrics speaks the Prometheus text format (read back by an independent
 * parser, and linted by Prometheus's own promtool), needs a token unless SONDE_METRICS_PUBLIC=1,
 * and its values follow what happens: a session, typing, a flood, a refusal.
 */

const Sample = Type.Object({ labels: Type.Optional(Type.Record(Type.String(), Type.String())), value: Type.Optional(Type.String()) });
const Families = Type.Array(Type.Object({ name: Type.String(), help: Type.String(), type: Type.String(), metrics: Type.Array(Sample) }));
type Families = Static<typeof Families>;

/** `promtool check metrics` (Debian's prometheus package): Prometheus's own parser and linter. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => reject(new Error(`promtool is needed for this test (apt-get install prometheus): ${error.message}`)));
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** One sample's number (a histogram's count is the series `<name>_count`). */
function read(families: Families, name: string, labels: Record<string, string> = {}): number {
  // A histogram read as untyped comes back as one family per run of lines: look in all of them.
  const samples = families.filter((f) => f.name === name).flatMap((f) => f.metrics);
  const sample = samples.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample?.value === undefined ? 0 : Number(sample.value);
}

describe('metrics', () => {
  let sonde: TestConsole;
  let viewer: { authorization: string };
  const fixtures = new DockerFixtures();

  async function scrape(): Promise<{ text: string; families: Families }> {
    const response = await fetch(`${sonde.baseUrl}/metrics`, { headers: viewer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    // The parser keeps the labels of counters and gauges but folds a labelled histogram into one
    // sample; read as untyped, each of its _bucket, _sum and _count series keeps its labels.
    const parsed = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
    if (!Value.Check(Families, parsed)) throw new Error(`unexpected parse of /metrics: ${JSON.stringify(Value.Errors(Families, parsed)[0])}`);
    return { text, families: parsed };
  }

  async function eventually(what: string, condition: (families: Families) => boolean, timeoutMs = 20_000): Promise<Families> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { families } = await scrape();
      if (condition(families)) return families;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_INSTANCE: `sonde-dash-${randomBytes(4).toString('hex')}` });
    const token = await sonde.app.inject({ method: 'POST', url: '/api/tokens', headers: sonde.auth, payload: { name: 'prometheus', role: 'viewer' } });
    expect(token.statusCode).toBe(201);
    viewer = { authorization: `Bearer ${checked(CreatedApiToken, token.json()).token}` };
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  it('needs a token (a viewer is enough); none, or a wrong one, is refused', async () => {
    expect((await fetch(`${sonde.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${sonde.baseUrl}/metrics`, { headers: { authorization: 'Bearer not-a-token-at-all-000' } })).status).toBe(401);
    expect((await fetch(`${sonde.baseUrl}/metrics`, { headers: viewer })).status).toBe(200);
  });

  it('is accepted by promtool and by an independent text-format parser, with every metric Sonde promises', async () => {
    const { text, families } = await scrape();
    const lint = await promtoolCheck(text);
    // promtool parses it all (a syntax error would be the only line); its lint finds nothing in
    // Sonde's metrics. Three of prom-client's process defaults are gauges named *_total, which
    // the linter flags; they are prom-client's names, left as Grafana's Node.js dashboards expect.
    const problems = lint.output.split('\n').filter((line) => line !== '' && !/^nodejs_active_(handles|requests|resources)_total non-counter/.test(line));
    expect(problems).toEqual([]);
    expect(lint.output).not.toMatch(/sonde_/);
    const promised: Record<string, string> = {
      sonde_sessions: 'gauge',
      sonde_toolboxes: 'gauge',
      sonde_relay_bytes_total: 'counter',
      sonde_flow_control_pauses_total: 'counter',
      sonde_session_start_seconds: 'histogram',
      sonde_engine_up: 'gauge',
      sonde_engine_api_seconds: 'histogram',
      sonde_denied_total: 'counter',
      sonde_http_requests_total: 'counter',
    };
    for (const [name, type] of Object.entries(promised)) expect(text, name).toContain(`# TYPE ${name} ${type}\n`);
    expect(read(families, 'sonde_sessions', { state: 'running' })).toBe(0);
    // The engine's first probe runs once the console is ready: up as soon as it answered.
    await expect.poll(async () => read((await scrape()).families, 'sonde_engine_up', { engine: 'local' }), { timeout: 10_000 }).toBe(1);
    // The engine monitor's calls are timed, by operation name (read after its first probe).
    expect(read((await scrape()).families, 'sonde_engine_api_seconds_count', { engine: 'local', operation: 'info' })).toBeGreaterThan(0);
  });

  it('follows a session: running sessions, toolboxes, start time, bytes both ways, then its end', async () => {
    const before = (await scrape()).families;
    const target = await fixtures.container({ name: `sonde-dash-target-${randomBytes(4).toString('hex')}` });
    const created = await sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: sonde.auth, payload: { target: { kind: 'container', container: target.name } } });
    expect(created.statusCode).toBe(201);
    const session = { id: checked(SessionInfo, created.json()).id };
    const during = (await scrape()).families;
    expect(read(during, 'sonde_sessions', { state: 'running' })).toBe(read(before, 'sonde_sessions', { state: 'running' }) + 1);
    expect(read(during, 'sonde_toolboxes', { engine: 'local' })).toBe(read(before, 'sonde_toolboxes', { engine: 'local' }) + 1);
    expect(read(during, 'sonde_session_start_seconds_count', { kind: 'container' })).toBe(read(before, 'sonde_session_start_seconds_count', { kind: 'container' }) + 1);
    // A session's toolbox idles and its shell is an exec in it (toolbox reuse).
    expect(read(during, 'sonde_engine_api_seconds_count', { engine: 'local', operation: 'startIdleToolbox' })).toBeGreaterThan(0);
    expect(read(during, 'sonde_engine_api_seconds_count', { engine: 'local', operation: 'openShell' })).toBeGreaterThan(0);

    const client = await TerminalClient.connect(`${sonde.wsUrl}/api/sessions/${session.id}/tty`, sonde.auth);
    const output = await client.run('echo metrics-$((6 * 7))');
    expect(output).toContain('metrics-42');
    const typed = await eventually('input and output bytes', (f) => read(f, 'sonde_relay_bytes_total', { direction: 'input' }) > read(before, 'sonde_relay_bytes_total', { direction: 'input' }));
    expect(read(typed, 'sonde_relay_bytes_total', { direction: 'output' })).toBeGreaterThanOrEqual(read(before, 'sonde_relay_bytes_total', { direction: 'output' }) + client.bytesReceived);

    expect((await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${session.id}`, headers: sonde.auth })).statusCode).toBe(204);
    const after = (await scrape()).families;
    expect(read(after, 'sonde_sessions', { state: 'running' })).toBe(read(before, 'sonde_sessions', { state: 'running' }));
    expect(read(after, 'sonde_sessions', { state: 'exited' })).toBe(read(before, 'sonde_sessions', { state: 'exited' }) + 1);
    expect(read(after, 'sonde_toolboxes', { engine: 'local' })).toBe(read(before, 'sonde_toolboxes', { engine: 'local' }));
  });

  it('counts a flow-control pause when the only client stops acknowledging a flood', async () => {
    const before = read((await scrape()).families, 'sonde_flow_control_pauses_total');
    const target = await fixtures.container({ name: `sonde-dash-target-${randomBytes(4).toString('hex')}` });
    const created = await sonde.app.inject({ method: 'POST', url: '/api/sessions', headers: sonde.auth, payload: { target: { kind: 'container', container: target.name } } });
    const session = { id: checked(SessionInfo, created.json()).id };
    // A client that never acks: once it holds a full window (2 MiB), the server stops reading the shell.
    const silent = new WebSocket(`${sonde.wsUrl}/api/sessions/${session.id}/tty`, { headers: sonde.auth });
    await new Promise((resolve, reject) => silent.once('open', resolve).once('error', reject));
    silent.send(Buffer.from('head -c 8000000 /dev/zero | base64\r'), { binary: true });
    try {
      await eventually('a pause', (f) => read(f, 'sonde_flow_control_pauses_total') > before);
    } finally {
      silent.terminate();
      await sonde.app.inject({ method: 'DELETE', url: `/api/sessions/${session.id}`, headers: sonde.auth });
    }
  });

  it('counts refusals by reason and requests by route pattern, never by raw URL', async () => {
    const before = (await scrape()).families;
    expect((await fetch(`${sonde.baseUrl}/api/users`)).status).toBe(401);
    expect((await fetch(`${sonde.baseUrl}/api/users`, { headers: viewer })).status).toBe(403);
    const ghost = `/api/sessions/${'ab'.repeat(16)}`;
    expect((await fetch(`${sonde.baseUrl}${ghost}`, { headers: sonde.auth })).status).toBe(404);
    const { families, text } = await scrape();
    expect(read(families, 'sonde_denied_total', { reason: 'UNAUTHORIZED' })).toBe(read(before, 'sonde_denied_total', { reason: 'UNAUTHORIZED' }) + 1);
    expect(read(families, 'sonde_denied_total', { reason: 'ROLE_REQUIRED' })).toBe(read(before, 'sonde_denied_total', { reason: 'ROLE_REQUIRED' }) + 1);
    expect(read(families, 'sonde_http_requests_total', { method: 'GET', route: '/api/sessions/:id', status: '404' })).toBe(read(before, 'sonde_http_requests_total', { method: 'GET', route: '/api/sessions/:id', status: '404' }) + 1);
    expect(read(families, 'sonde_http_requests_total', { method: 'GET', route: '/api/users', status: '401' })).toBeGreaterThan(0);
    // Ids and tokens never become label values.
    expect(text).not.toContain('ab'.repeat(16));
    expect(text).not.toContain(sonde.token);
  });

  it('answers without credentials when SONDE_METRICS_PUBLIC=1', async () => {
    const open = await startConsole({ SONDE_METRICS_PUBLIC: '1', SONDE_INSTANCE: `sonde-dash-${randomBytes(4).toString('hex')}` });
    try {
      const response = await fetch(`${open.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('sonde_engine_up');
      // Only /metrics: the API still asks for credentials.
      expect((await fetch(`${open.baseUrl}/api/containers`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});
