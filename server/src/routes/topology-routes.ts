import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, Topology, TopologyQuery } from '@sonde/shared';
import { atLeast } from '../auth/authenticator.js';
import { principalOf } from '../auth/principal.js';
import { buildTopology, type EngineInventory, type SwarmInventory } from '../topology/topology-builder.js';

/**
 * GET /api/topology (docs/api.md, "Topology"): how the engines' containers, networks, published
 * ports and Swarm nodes are wired, built from the same inventory as GET /api/containers,
 * /api/networks and /api/swarm/nodes, so a viewer sees exactly what those show them and no more;
 * an engine's endpoint is for admins only, as in GET /api/engines. Each engine is asked within
 * SONDE_ENGINE_DEADLINE_MS; one that does not answer is drawn unreachable and listed.
 */
export const topologyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { engines } = app;

  app.get('/api/topology', { config: { access: 'viewer' }, schema: { querystring: TopologyQuery, response: { 200: Topology, '4xx': ErrorBody } } }, async (request) => {
    const admin = atLeast(principalOf(request), 'admin');
    const only = request.query.engine;
    const managers = engines.managers();
    const gathered = await engines.gather(async (h) => {
      const manager = managers.some((m) => m.handle.name === h.name);
      const [containers, networks, nodes] = await Promise.all([h.engine.listContainers(), h.engine.listNetworks(), manager ? h.engine.swarmNodes() : Promise.resolve([])]);
      return { containers, networks, nodes };
    }, only);
    const asked = only === undefined ? engines.all() : [engines.pick(only, 'engine')];
    const inventories: EngineInventory[] = asked.map((h) => {
      const value = gathered.values.find((v) => v.engine === h.name)?.value;
      const swarm = h.monitor.current.swarm;
      return {
        name: h.name,
        reachable: value !== undefined,
        ...(swarm ? { swarmRole: swarm.role } : {}),
        ...(admin ? { endpoint: h.engine.endpoint } : {}),
        containers: value?.containers ?? [],
        networks: value?.networks ?? [],
      };
    });
    const swarms: SwarmInventory[] = gathered.values
      .filter((v) => v.value.nodes.length > 0)
      .map((v) => ({ manager: v.engine, nodes: v.value.nodes.map((n) => ({ ...n, ...(engines.forNode(n) ? { engine: engines.forNode(n)!.name } : {}) })) }));
    return buildTopology({ engines: inventories, swarms, unreachable: gathered.failed, at: new Date().toISOString() });
  });
};
