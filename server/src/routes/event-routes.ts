import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { atLeast } from '../auth/authenticator.js';
import { maySeeSession, mayReadTarget, ownsOrAdmin } from '../auth/object-access.js';
import { principalOf } from '../auth/principal.js';

/**
 * Server-sent events (docs/api.md, "GET /api/events"): engine changes (`docker`, with the engine's
 * name), reachability of every engine (`status`), the toolbox image's state and pull progress on each
 * Docker engine (`toolbox-image`), sessions starting and ending (`session`), the audit trail for admins (`audit`),
 * changes left behind (`netstate`), doctor and matrix progress (`doctor`, `matrix`: to the run's owner
 * and admins only, like the runs themselves). Each stream is held for its principal (it ends when their
 * access does, and counts against their stream cap) and forgets every listener when it closes.
 */
const events: FastifyPluginAsyncTypebox = async (app) => {
  const { engines, sessions, audit, netstate, policy, live, config, doctors, matrices, toolboxImages } = app;
  /** Open streams: ended when the console closes, so closing never waits on them. */
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.decorate('openEventStreams', () => open.size);

  app.get('/api/events', { config: { access: 'viewer' } }, async (request, reply) => {
    const principal = principalOf(request);
    // Taken before the response starts, so a refusal is still an ordinary 429.
    let end: () => void = () => {};
    const offLive = live.addStream(principal, () => end(), config.perUser.streams);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('status', engines.currentHealth());
    const offEvent = engines.onEvent((engine, e) => send('docker', { engine, kind: e.kind, action: e.action, id: e.id }));
    const offHealth = engines.onStatus(() => send('status', engines.currentHealth()));
    // Like GET /api/engines: every principal that may list engines sees the toolbox image's pulls.
    const offImages = toolboxImages.onChange((event) => send('toolbox-image', event));
    // Only sessions this principal may see (as GET /api/sessions lists them): a viewer hears none.
    const offSession = sessions.onChange((change) => {
      const session = sessions.get(change.id);
      if (session && maySeeSession(principal, session, policy)) send('session', change);
    });
    const offAudit = atLeast(principal, 'admin') ? audit.onEntry((entry) => send('audit', entry)) : () => undefined;
    // Like GET /api/netstate: admins see every change; others the changes on targets their role
    // may open (decided on what the policy read when the session started), never the host's.
    const offNetstate = netstate.onChange((change) => {
      const scope = sessions.get(change.sessionId)?.scope;
      const visible = atLeast(principal, 'admin') || (scope !== undefined && mayReadTarget(principal, change.target) && policy.why(principal.role, change.target, scope) === undefined);
      if (visible) send('netstate', change);
    });
    // An open session's diff so far: to whoever may see the session (its pane shows it).
    const offPending = netstate.onPending((pending) => {
      const session = sessions.get(pending.sessionId);
      if (session && maySeeSession(principal, session, policy)) send('netstate-pending', pending);
    });
    const offDoctor = doctors.onProgress(({ run, event }) => {
      if (ownsOrAdmin(principal, run)) send('doctor', event);
    });
    const offMatrix = matrices.onProgress(({ run, event }) => {
      if (ownsOrAdmin(principal, run)) send('matrix', event);
    });
    // Comments keep proxies from timing the stream out and reveal dead peers.
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15000);
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(keepAlive);
      offEvent();
      offHealth();
      offImages();
      offSession();
      offAudit();
      offNetstate();
      offPending();
      offDoctor();
      offMatrix();
      offLive();
      open.delete(end);
    };
    end = () => {
      stop();
      raw.end();
    };
    open.add(end);
    request.raw.once('close', stop);
  });
};

/** Not encapsulated, so the console (and its tests) can ask how many streams are open. */
export const eventRoutes = fp(events, { name: 'event-routes' });

declare module 'fastify' {
  interface FastifyInstance {
    /** How many /api/events streams are open (a closed one leaves nothing behind). */
    openEventStreams(): number;
  }
}
