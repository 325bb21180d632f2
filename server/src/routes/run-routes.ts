import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CreateRunRequest, ErrorBody, ErrorCode, RunInfo, RunList, TOOLS, ToolList, describeTarget, findTool, runVerdict, toolInfo } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';
import type { ToolRun } from '../runs/tool-run.js';
import { requireUpgrade, serveTerminalSocket } from './terminal-socket.js';
import { atLeast } from '../auth/authenticator.js';
import { mayFollowRun, maySeeSession, ownsOrAdmin } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import type { RunStartOptions } from '../runs/run-registry.js';

const RunParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
// Query strings are text; the offset is parsed after validation (no type coercion anywhere).
const TtyQuery = Type.Object({ offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) });

/**
 * The tool catalog and tool runs (docs/api.md, "Tools and runs"). A run belongs to whoever
 * started it: only they and admins list, read, follow or cancel it; to anyone else it does not
 * exist (404). Host runs are admin-only like host sessions.
 */
export const runRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { runs, policy, audit, live, config, sessions, recordings } = app;

  const notFound = (id: string) => new ApiError(404, ErrorCode.RunNotFound, `There is no run ${id}.`);
  const tools = TOOLS.map(toolInfo);

  function owned(principal: Principal, id: string): ToolRun {
    const run = runs.get(id);
    if (!run || !ownsOrAdmin(principal, run)) throw notFound(id);
    return run;
  }

  /**
   * The session a run from its drawer marks: one the caller sees (else it does not exist to them)
   * and drives (holds its keyboard, owns it, or is an admin): markers go into its recording, which
   * a watcher must not be able to write into.
   */
  function drawerSession(principal: Principal, id: string | undefined): RunStartOptions {
    if (id === undefined) return {};
    const session = sessions.get(id);
    if (!session || !maySeeSession(principal, session, policy)) throw new ApiError(404, ErrorCode.SessionNotFound, `There is no session ${id}.`);
    const drives = session.roleOf(principal.id) === 'driver' || principal.id === session.owner.id || atLeast(principal, 'admin');
    if (!drives) throw new ApiError(403, ErrorCode.Forbidden, `You are watching session ${id}: only whoever may type in it can run tools from its drawer.`);
    if (session.state !== 'running') throw new ApiError(410, ErrorCode.SessionEnded, `Session ${id} has ended; run the tool without it.`);
    return { session: { id: session.id, target: session.target } };
  }

  // A run from a session's drawer is marked on the session's timeline where it started (its end: see POST).
  runs.onStarted((run) => {
    if (run.sessionId) recordings.mark(run.sessionId, startLabel(run.info()));
  });

  app.get('/api/tools', { config: { access: 'viewer' }, schema: { response: { 200: ToolList } } }, async () => tools);

  app.post(
    '/api/runs',
    { config: { access: 'operator' }, schema: { body: CreateRunRequest, response: { 201: RunInfo, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const options = drawerSession(principal, request.body.sessionId);
      const run = await runs.start(request.body, principal, (target, context) => policy.check(principal.role, target, context), options);
      // Where the tool exited, not where its toolbox was removed (the shell may have printed since).
      const sessionId = run.sessionId;
      if (sessionId) run.whenEnded((ended) => recordings.mark(sessionId, endLabel(ended.info())));
      audit.record({
        actor: principal,
        action: 'tool-run',
        sessionId: run.id,
        target: describeTarget(run.target),
        detail: { tool: request.body.tool, params: request.body.params ?? {}, ...(run.sessionId ? { fromSession: run.sessionId } : {}) },
      });
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

  app.get('/api/runs/:id/tty', { websocket: true, config: { access: 'operator', embed: 'run' }, schema: { params: RunParams, querystring: TtyQuery }, preHandler: requireUpgrade }, (socket, request) => {
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

/** Longest marker label: a timeline tick's name, not a transcript. */
const MAX_LABEL_CHARS = 120;

function clip(label: string): string {
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/** `dig example.com type=MX`: the tool, its first parameter, and the others that differ from their defaults. */
export function startLabel(run: RunInfo): string {
  const specs = findTool(run.tool)?.params ?? [];
  const words = specs.flatMap((spec, index) => {
    const value = run.params[spec.name];
    if (value === undefined || (index > 0 && value === spec.default)) return [];
    return [index === 0 ? String(value) : `${spec.name}=${String(value)}`];
  });
  return clip([run.tool, ...words].join(' '));
}

/** `dig: ok, resolved (1 record)`: the verdict and summary the result card shows. */
export function endLabel(run: RunInfo): string {
  const verdict = runVerdict(run);
  return clip(verdict ? `${run.tool}: ${verdict.verdict}, ${verdict.summary}` : `${run.tool}: ended`);
}
