import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateRunRequest, ErrorBody, ErrorCode, RunInfo, RunList, TOOLS, ToolList, toolInfo } from '@sonde/shared';
import type { AppServices } from '../app.js';
import type { Config } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { RunRegistry } from '../runs/run-registry.js';
import { serveTerminalSocket } from './terminal-socket.js';
import { principalOf } from '../auth/principal.js';
import { describeTarget } from '../audit/audit-log.js';

export interface RunRouteOptions extends AppServices {
  config: Config;
}

const RunParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/** The tool catalog and tool runs (docs/api.md, "Tools and runs"). Owns the run registry and its teardown. */
export const runRoutes: FastifyPluginAsyncTypebox<RunRouteOptions> = async (app, options) => {
  const { config, monitor, engine, policy, audit, live } = options;
  const runs = new RunRegistry({
    engine,
    toolbox: { image: config.toolboxImage, instance: config.instance, limits: config.toolboxLimits },
    maxRuns: config.maxSessions,
    replayBytes: 4 * 1024 * 1024,
    endedRetentionMs: 10 * 60 * 1000,
    stopGraceMs: 5000,
    peerReadyMs: 15_000,
    log: app.log,
  });
  const offEvent = monitor.onEvent((event) => runs.handleEngineEvent(event));
  const offHealth = monitor.onHealth((health) => {
    if (!health.docker.reachable) runs.engineLost();
  });
  // Runs end before the remaining sockets are dropped, so their clients get exit and 4001.
  options.onClosing(() => runs.shutdown());
  app.addHook('onClose', async () => {
    offEvent();
    offHealth();
  });

  const notFound = (id: string) => new ApiError(404, ErrorCode.RunNotFound, `There is no run ${id}.`);
  const tools = TOOLS.map(toolInfo);

  app.get('/api/tools', { config: { access: 'viewer' }, schema: { response: { 200: ToolList } } }, async () => tools);

  app.post(
    '/api/runs',
    { config: { access: 'operator' }, schema: { body: CreateRunRequest, response: { 201: RunInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const run = await runs.create(request.body, {
        id: principal.id,
        name: principal.name,
        check: (target, containers) => policy.check(principal.role, target, containers),
      });
      audit.record({ actor: principal, action: 'tool-run', sessionId: run.id, target: describeTarget(run.session.target), detail: { tool: request.body.tool, params: request.body.params ?? {} } });
      return reply.code(201).send(run.info());
    },
  );

  app.get('/api/runs', { config: { access: 'operator' }, schema: { response: { 200: RunList } } }, async () => runs.list().map((r) => r.info()));

  app.get('/api/runs/:id', { config: { access: 'operator' }, schema: { params: RunParams, response: { 200: RunInfo } } }, async (request) => {
    const run = runs.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return run.info();
  });

  app.delete('/api/runs/:id', { config: { access: 'operator' }, schema: { params: RunParams } }, async (request, reply) => {
    if (!(await runs.end(request.params.id))) throw notFound(request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/runs/:id/tty', { websocket: true, config: { access: 'operator' }, schema: { params: RunParams, querystring: TtyQuery } }, (socket, request) => {
    const { id } = request.params as { id: string };
    const { offset } = request.query as { offset?: string };
    const principal = principalOf(request);
    serveTerminalSocket(socket, {
      participant: { id: principal.id, name: principal.name, canManage: false },
      initialRole: 'viewer',
      live: (close) => live.add(principal, close),
      session: runs.get(id)?.session,
      offset: offset === undefined ? undefined : Number(offset),
      interactive: false,
      notFound: { code: ErrorCode.RunNotFound, message: `There is no run ${id}.` },
    });
  });
};
