import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import metricsPlugin from './metrics-plugin.js';

/**
 * The metrics plugin alone (no engines, no workloads): what services report through its typed
 * interface shows in the exposition, and the sample Grafana dashboard in docs/ only queries
 * metrics the plugin exports. The exposition read by real parsers, against a real engine, is
 * server/test/metrics.test.ts.
 */

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function metricsApp(): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(metricsPlugin);
  await app.ready();
  return app;
}

/** Family name → type, from the `# TYPE` lines. */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The value of one sample line, e.g. `sonde_relay_bytes_total{direction="output"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const Dashboard = Type.Object({
  uid: Type.String(),
  panels: Type.Array(Type.Object({ title: Type.String(), targets: Type.Array(Type.Object({ expr: Type.String() })) })),
});

describe('metrics plugin', () => {
  it('exports what services report, per chunk and per pause, and refusals by reason', async () => {
    const { metrics } = await metricsApp();
    metrics.terminal.relayed('output', 4096);
    metrics.terminal.relayed('output', 10);
    metrics.terminal.relayed('input', 3);
    metrics.terminal.paused();
    metrics.sessionStarted('container', 0.4);
    metrics.engineCall('local', 'startToolbox', 0.02);
    metrics.denied('ROLE_REQUIRED');
    const { contentType, body } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, 'sonde_relay_bytes_total{direction="output"}')).toBe(4106);
    expect(sample(body, 'sonde_relay_bytes_total{direction="input"}')).toBe(3);
    expect(sample(body, 'sonde_flow_control_pauses_total')).toBe(1);
    expect(sample(body, 'sonde_session_start_seconds_bucket{le="0.5",kind="container"}')).toBe(1);
    expect(sample(body, 'sonde_session_start_seconds_bucket{le="0.25",kind="container"}')).toBe(0);
    expect(sample(body, 'sonde_engine_api_seconds_count{engine="local",operation="startToolbox"}')).toBe(1);
    expect(sample(body, 'sonde_denied_total{reason="ROLE_REQUIRED"}')).toBe(1);
  });

  it('labels requests with the matched route pattern, never the raw URL', async () => {
    app = Fastify();
    await app.register(metricsPlugin);
    app.get('/api/sessions/:id', { config: { access: 'operator' } }, async () => ({}));
    await app.ready();
    await app.inject({ url: '/api/sessions/aaaa' });
    await app.inject({ url: '/api/sessions/bbbb' });
    await app.inject({ url: '/no/such/page/12345' });
    const { body } = await app.metrics.scrape();
    expect(sample(body, 'sonde_http_requests_total{method="GET",route="/api/sessions/:id",status="200"}')).toBe(2);
    expect(sample(body, 'sonde_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(body).not.toContain('aaaa');
    expect(body).not.toContain('12345');
  });

  it('the sample Grafana dashboard queries only metrics Sonde exports', async () => {
    const { metrics } = await metricsApp();
    const exported = families((await metrics.scrape()).body);
    const parsed: unknown = JSON.parse(readFileSync(new URL('../../../docs/grafana-dashboard.json', import.meta.url), 'utf8'));
    if (!Value.Check(Dashboard, parsed)) throw new Error('docs/grafana-dashboard.json is not a dashboard with panels and targets');
    const queried = new Set<string>();
    for (const panel of parsed.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) for (const [name] of expr.matchAll(/\bsonde_[a-z_]+/g)) queried.add(name);
    }
    for (const name of queried) {
      // A histogram is queried through its _bucket (or _sum, _count) series.
      const family = name.replace(/_(bucket|sum|count)$/, '');
      const type = exported.get(name) ?? exported.get(family);
      expect(type, name).toBeDefined();
      if (name !== family && !exported.has(name)) expect(type, name).toBe('histogram');
    }
    // Every metric Sonde promises has a panel.
    for (const name of exported.keys()) if (name.startsWith('sonde_')) expect([...queried].some((q) => q.startsWith(name)), name).toBe(true);
  });
});
