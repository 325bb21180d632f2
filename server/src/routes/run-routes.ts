import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateRunRequest, ErrorBody, ErrorCode, RunInfo, RunList, TOOLS, ToolList, describeTarget, toolInfo } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { ToolRun } from '../runs/tool-run.js';
import { serveTerminalSocket } from './terminal-socket.js';
import { mayFollowRun, ownsOrAdmin } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';

const RunParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/**
 * The tool catalog and tool runs (docs/api.md, "Tools and runs"). A run belongs to whoever
 * started it: only they and admins list, read, follow or cancel it; to anyone else it does not
 * exist (404). Host runs are admin-only like host sessions.
 */
export const runRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { runs, policy, audit, live, config } = app;

  const notFound = (id: string) => new ApiError(404, ErrorCode.RunNotFound, `There is no run ${id}.`);
  const tools = TOOLS.map(toolInfo);

  function owned(principal: Principal, id: string): ToolRun {
    const run = runs.get(id);
    if (!run || !ownsOrAdmin(principal, run)) throw notFound(id);
    return run;
  }

  app.get('/api/tools', { config: { access: 'viewer' }, schema: { response: { 200: ToolList } } }, async () => tools);

  app.post(
    '/api/runs',
    { config: { access: 'operator' }, schema: { body: CreateRunRequest, response: { 201: RunInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const run = await runs.start(request.body, principal, (target, context) => policy.check(principal.role, target, context));
      audit.record({ actor: principal, action: 'tool-run', sessionId: run.id, target: describeTarget(run.target), detail: { tool: request.body.tool, params: request.body.params ?? {} } });
      return reply.code(201).send(run.info());
    },
  );

  app.get('/api/runs', { config: { access: 'operator' }, schema: { response: { 200: RunList } } }, async (request) => {
    const principal = principalOf(request);
    return runs
      .list()
      .filter((r) => ownsOrAdmin(principal, r))
      .map((r) => r.info());
  });

  app.get('/api/runs/:id', { config: { access: 'operator' }, schema: { params: RunParams, response: { 200: RunInfo } } }, async (request) =>
    owned(principalOf(request), request.params.id).info(),
  );

  app.delete('/api/runs/:id', { config: { access: 'operator' }, schema: { params: RunParams } }, async (request, reply) => {
    owned(principalOf(request), request.params.id);
    await runs.end(request.params.id);
    return reply.code(204).send();
  });

  app.get('/api/runs/:id/tty', { websocket: true, config: { access: 'operator', embed: 'run' }, schema: { params: RunParams, querystring: TtyQuery } }, (socket, request) => {
    const { id } = request.params as { id: string };
    const { offset } = request.query as { offset?: string };
    const principal = principalOf(request);
    const run = runs.get(id);
    serveTerminalSocket(socket, {
      participant: { id: principal.id, name: principal.name, canManage: false },
      initialRole: 'viewer',
      live: (close) => live.add(principal, close),
      // Someone else's run is answered exactly like one that does not exist. An embed token
      // reaches its one run (the auth hook admitted it for this id only).
      session: run && mayFollowRun(principal, run) ? run : undefined,
      offset: offset === undefined ? undefined : Number(offset),
      interactive: false,
      maxClients: config.maxSocketsPerSession,
      notFound: { code: ErrorCode.RunNotFound, message: `There is no run ${id}.` },
    });
  });
};
