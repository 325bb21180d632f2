import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics (GET /metrics, docs/api.md "Metrics"). The only module that imports
 * prom-client: services report through the small typed interfaces below, and what can be read
 * off the registries at scrape time (sessions, toolboxes, engine reachability) is read then,
 * so nothing keeps a second count that could drift from the truth.
 */

/** The terminal path reports here: once per chunk relayed and once per pause, never per byte. */
export interface TerminalMeter {
  relayed(direction: 'output' | 'input', bytes: number): void;
  /** The toolbox's stream was paused because every client was a full flow window behind. */
  paused(): void;
}

export interface ConsoleMetrics {
  readonly terminal: TerminalMeter;
  /** A shell session started: the target kind and how long the start took (resolving, policy, toolbox). */
  sessionStarted(targetKind: string, seconds: number): void;
  /** One call to an engine's API (a ContainerEngine method) and how long it took, failed or not. */
  engineCall(engine: string, operation: string, seconds: number): void;
  /** A request refused for who sent it (401, 403, 429 TOO_MANY_ATTEMPTS): the error code is the reason. */
  denied(reason: string): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ConsoleMetrics;
  }
}

/** Starting a toolbox is a create, an attach and a start: tenths of a second to tens of seconds. */
const START_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
/** Engine calls range from a cached inspect (ms) to a container start (seconds). */
const ENGINE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Where a request matched no route: one label value, never the raw URL (bounded cardinality). */
const UNMATCHED = 'unmatched';

/**
 * Registered before the engines and the workloads, which report to it as they are built; the
 * gauges read those services when scraped (they exist by then). A registry per app, not
 * prom-client's global one: tests run several consoles in one process.
 */
async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'sonde_sessions',
    help: 'Shell sessions by state: starting (toolbox being created), running, exited (ended, still listed).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      if (!app.hasDecorator('sessions')) return;
      const counts = { starting: app.sessions.startingIds().size, running: 0, exited: 0 };
      for (const session of app.sessions.list()) counts[session.state]++;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });

  new Gauge({
    name: 'sonde_toolboxes',
    help: 'Toolbox containers held by live sessions, runs, captures, doctor runs and connectivity matrices, per engine.',
    labelNames: ['engine'] as const,
    registers: [registry],
    collect() {
      if (!app.hasDecorator('engines')) return;
      const counts = new Map(app.engines.names.map((name) => [name, 0]));
      if (app.hasDecorator('sessions')) {
        for (const registry of [app.sessions, app.runs, app.captures, app.doctors, app.matrices]) {
          for (const workload of registry.list()) {
            if (!workload.running) continue;
            counts.set(workload.target.engine, (counts.get(workload.target.engine) ?? 0) + workload.toolboxIds.length);
          }
        }
      }
      this.reset();
      for (const [engine, count] of counts) this.set({ engine }, count);
    },
  });

  new Gauge({
    name: 'sonde_engine_up',
    help: 'Whether the engine answered its last probe (1) or not (0).',
    labelNames: ['engine'] as const,
    registers: [registry],
    collect() {
      if (!app.hasDecorator('engines')) return;
      this.reset();
      for (const handle of app.engines.all()) this.set({ engine: handle.name }, handle.monitor.current.reachable ? 1 : 0);
    },
  });

  const relayBytes = new Counter({
    name: 'sonde_relay_bytes_total',
    help: 'Terminal bytes relayed: output (toolbox to clients, counted once however many clients) and input (clients to toolbox).',
    labelNames: ['direction'] as const,
    registers: [registry],
  });
  const pauses = new Counter({
    name: 'sonde_flow_control_pauses_total',
    help: "Times a toolbox's output was paused because every attached client was a full flow window behind.",
    registers: [registry],
  });
  const sessionStart = new Histogram({
    name: 'sonde_session_start_seconds',
    help: 'Time to start a shell session (target resolution, policy, toolbox create/attach/start), per target kind.',
    labelNames: ['kind'] as const,
    buckets: START_BUCKETS,
    registers: [registry],
  });
  const engineApi = new Histogram({
    name: 'sonde_engine_api_seconds',
    help: 'Duration of calls to the container engines, per engine and operation.',
    labelNames: ['engine', 'operation'] as const,
    buckets: ENGINE_BUCKETS,
    registers: [registry],
  });
  const denied = new Counter({
    name: 'sonde_denied_total',
    help: 'Requests refused for who sent them, by error code (UNAUTHORIZED, ROLE_REQUIRED, FORBIDDEN_ORIGIN…).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: 'sonde_http_requests_total',
    help: 'HTTP responses by method, matched route pattern (never the raw URL) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });

  // Children bound once: the relay path does a property read and an addition per chunk.
  const output = relayBytes.labels('output');
  const input = relayBytes.labels('input');
  output.inc(0);
  input.inc(0);
  pauses.inc(0);

  const metrics: ConsoleMetrics = {
    terminal: {
      relayed: (direction, bytes) => (direction === 'output' ? output : input).inc(bytes),
      paused: () => pauses.inc(),
    },
    sessionStarted: (kind, seconds) => sessionStart.observe({ kind }, seconds),
    engineCall: (engine, operation, seconds) => engineApi.observe({ engine, operation }, seconds),
    denied: (reason) => denied.inc({ reason }),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
  app.decorate('metrics', metrics);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
    httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
  });
}

export default fp(metricsPlugin, { name: 'sonde-metrics' });
