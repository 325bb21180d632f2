import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ContainerList, NetworkList } from '@sonde/shared';

/** The engine's containers and networks (docs/api.md, "GET /api/containers"). */
export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { engine } = app;
  app.get('/api/containers', { config: { access: 'viewer' }, schema: { response: { 200: ContainerList } } }, async () => engine.listContainers());
  app.get('/api/networks', { config: { access: 'viewer' }, schema: { response: { 200: NetworkList } } }, async () => engine.listNetworks());
};
