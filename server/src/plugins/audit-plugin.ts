import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { AuditLog } from '../audit/audit-log.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Append-only record of who did what (sessions, shares, runs, users, policy). */
    audit: AuditLog;
  }
}

async function auditPlugin(app: FastifyInstance): Promise<void> {
  app.decorate('audit', new AuditLog(app.db));
}

export default fp(auditPlugin, { name: 'sonde-audit', dependencies: ['sonde-store'] });
