import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  ContainerList,
  EngineList,
  ErrorBody,
  KUBE_LABEL_PATTERN,
  KubeNamespaceList,
  KubeNodeList,
  KubePodList,
  KubeServiceList,
  NetworkList,
  SwarmNodeList,
  SwarmServiceList,
  type SwarmNode,
  type SwarmService,
} from '@sonde/shared';
import { atLeast } from '../auth/authenticator.js';
import { principalOf } from '../auth/principal.js';
import type { Gathered } from '../engine/engine-set.js';

const EngineQuery = Type.Object({ engine: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$' })) }, { additionalProperties: false });
const NamespacedQuery = Type.Object(
  { engine: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$' })), namespace: Type.Optional(Type.String({ maxLength: 63, pattern: KUBE_LABEL_PATTERN })) },
  { additionalProperties: false },
);

/**
 * The engines and what they hold (docs/api.md, "Engines and inventory"): containers and networks
 * of every Docker engine (or one, `?engine=`), Swarm nodes and services of every manager;
 * namespaces, pods, nodes and services of every Kubernetes cluster (from its watch caches). An
 * engine of the other kind has none of these, so it adds nothing. Each engine is asked within
 * SONDE_ENGINE_DEADLINE_MS: one that is slow or down is left out, never waited for, and the
 * `x-sonde-unreachable` header names it (GET /api/engines says why).
 */
export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { engines } = app;

  function flatten<T>(gathered: Gathered<T[]>, reply: { header(name: string, value: string): unknown }): T[] {
    if (gathered.failed.length > 0) reply.header('x-sonde-unreachable', gathered.failed.map((f) => f.engine).join(','));
    return gathered.values.flatMap((v) => v.value);
  }

  // Every logged-in principal sees the toolbox image's state (a pull's progress, why it failed).
  app.get('/api/engines', { config: { access: 'viewer' }, schema: { response: { 200: EngineList } } }, async (request) =>
    (await engines.describe(atLeast(principalOf(request), 'admin'))).map((info) => {
      const toolboxImage = app.toolboxImages.status(info.name);
      return toolboxImage ? { ...info, toolboxImage } : info;
    }),
  );

  app.get('/api/containers', { config: { access: 'viewer' }, schema: { querystring: EngineQuery, response: { 200: ContainerList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? [] : h.engine.listContainers()), request.query.engine), reply),
  );

  app.get('/api/networks', { config: { access: 'viewer' }, schema: { querystring: EngineQuery, response: { 200: NetworkList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? [] : h.engine.listNetworks()), request.query.engine), reply),
  );

  app.get('/api/kubernetes/namespaces', { config: { access: 'viewer' }, schema: { querystring: EngineQuery, response: { 200: KubeNamespaceList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? h.engine.listNamespaces() : []), request.query.engine), reply),
  );

  app.get('/api/kubernetes/pods', { config: { access: 'viewer' }, schema: { querystring: NamespacedQuery, response: { 200: KubePodList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? h.engine.listPods(request.query.namespace) : []), request.query.engine), reply),
  );

  app.get('/api/kubernetes/nodes', { config: { access: 'viewer' }, schema: { querystring: EngineQuery, response: { 200: KubeNodeList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? h.engine.listNodes() : []), request.query.engine), reply),
  );

  app.get('/api/kubernetes/services', { config: { access: 'viewer' }, schema: { querystring: NamespacedQuery, response: { 200: KubeServiceList, '4xx': ErrorBody } } }, async (request, reply) =>
    flatten(await engines.gather(async (h) => (h.engine.kind === 'kubernetes' ? h.engine.listServices(request.query.namespace) : []), request.query.engine), reply),
  );

  app.get('/api/swarm/nodes', { config: { access: 'viewer' }, schema: { response: { 200: SwarmNodeList } } }, async (_request, reply) => {
    const managers = engines.managers();
    const gathered = await engines.gather(async (h) => {
      const manager = managers.find((m) => m.handle.name === h.name);
      if (!manager) return [];
      const nodes = await manager.handle.engine.swarmNodes();
      return nodes.map((n): SwarmNode => {
        const engine = engines.forNode(n);
        return { ...n, manager: h.name, clusterId: manager.clusterId, ...(engine ? { engine: engine.name } : {}) };
      });
    });
    return flatten(gathered, reply);
  });

  app.get('/api/swarm/services', { config: { access: 'viewer' }, schema: { response: { 200: SwarmServiceList } } }, async (_request, reply) => {
    const managers = engines.managers();
    const gathered = await engines.gather(async (h) => {
      const manager = managers.find((m) => m.handle.name === h.name);
      if (!manager) return [];
      const docker = manager.handle.engine;
      const [services, tasks, nodes, networks] = await Promise.all([docker.swarmServices(), docker.swarmTasks(), docker.swarmNodes(), docker.listNetworks()]);
      return services.map((s): SwarmService => ({
        id: s.id,
        name: s.name,
        mode: s.mode,
        ...(s.replicas !== undefined ? { replicas: s.replicas } : {}),
        networks: s.networkIds.map((id) => ({ id, name: networks.find((n) => n.id === id)?.name ?? id })),
        manager: h.name,
        clusterId: manager.clusterId,
        tasks: tasks
          .filter((t) => t.serviceId === s.id && t.desiredState !== 'shutdown')
          .map((t) => {
            const node = nodes.find((n) => n.id === t.nodeId);
            const engine = node ? engines.forNode(node) : undefined;
            return {
              id: t.id,
              ...(t.slot !== undefined ? { slot: t.slot } : {}),
              nodeId: t.nodeId,
              ...(node ? { node: node.hostname } : {}),
              ...(engine ? { engine: engine.name } : {}),
              state: t.state,
              desiredState: t.desiredState,
              ...(t.containerId ? { containerId: t.containerId } : {}),
              addresses: t.addresses.map((a) => ({ network: a.networkName ?? networks.find((n) => n.id === a.networkId)?.name ?? a.networkId, address: a.address })),
            };
          }),
      }));
    });
    return flatten(gathered, reply);
  });
};
