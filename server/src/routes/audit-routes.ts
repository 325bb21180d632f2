import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditQuery, ErrorCode } from '@sonde/shared';
import { ApiError } from '../http/api-error.js';

/** The audit trail: read and export only; nothing in the API changes it. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { audit } = app;

  app.get('/api/audit', { config: { access: 'admin' }, schema: { querystring: AuditQuery } }, async (request, reply) => {
    const q = request.query;
    if (q.since && q.until && Date.parse(q.since) > Date.parse(q.until)) {
      throw new ApiError(400, ErrorCode.InvalidRequest, 'Invalid request: querystring.since is after querystring.until.');
    }
    const entries = audit.list({
      ...(q.sessionId ? { sessionId: q.sessionId } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.since ? { since: q.since } : {}),
      ...(q.until ? { until: q.until } : {}),
      ...(q.after ? { after: Number(q.after) } : {}),
      ...(q.limit ? { limit: Number(q.limit) } : {}),
    });
    if (q.format === 'jsonl') {
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="sonde-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`)
        .send(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
    }
    return entries;
  });
};
