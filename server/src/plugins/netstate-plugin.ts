import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { createNetstateService, type NetstateService } from '../netstate/netstate-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Firewall and qdisc changes sessions left in their targets' namespaces. */
    netstate: NetstateService;
  }
}

/** Follows sessions from their start; at close, waits (bounded) for the snapshots in flight. */
async function netstatePlugin(app: FastifyInstance): Promise<void> {
  const { service, probe } = createNetstateService({ engines: app.engines, registry: app.sessions, db: app.db, audit: app.audit, config: app.config, log: app.log });
  app.reaper.add(probe);
  service.start();
  app.decorate('netstate', service);
  app.addHook('onClose', async () => service.shutdown());
}

export default fp(netstatePlugin, { name: 'sonde-netstate', dependencies: ['sonde-store', 'sonde-audit', 'sonde-engine', 'sonde-workloads'] });
