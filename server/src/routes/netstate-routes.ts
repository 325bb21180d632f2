import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, NetstateChange, NetstateChangeDetail, NetstateChangeList, NetstateParams } from '@sonde/shared';
import { mayReadTarget } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { atLeast } from '../auth/authenticator.js';
import { targetInventory } from '../toolboxes/target-resolver.js';

/** Changes left behind in targets' namespaces (docs/api.md, "Changes left behind"). */
export const netstateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { netstate, engines, isConsole, policy } = app;

  /**
   * What a principal may see of the changes: admins everything; below admin, the changes on
   * targets their role may open now (never the host's, which are host data; nothing for viewers,
   * who open nothing). Reads the inventory once per request, and only for non-admins.
   */
  async function visibility(principal: Principal): Promise<(change: NetstateChange) => boolean> {
    if (atLeast(principal, 'admin')) return () => true;
    // One inventory per engine the changes are on, each within the engines' deadline.
    const inventories = await engines.gather((h) => (h.engine.kind === 'kubernetes' ? Promise.resolve({ engine: h.name, containers: [], networks: [] }) : targetInventory(h.engine, ['network'])));
    const contexts = new Map(inventories.values.map((v) => [v.engine, { ...v.value, isConsole }]));
    return (change) => {
      const context = contexts.get(change.target.engine);
      return context !== undefined && mayReadTarget(principal, change.target) && policy.why(principal.role, change.target, context) === undefined;
    };
  }

  app.get('/api/netstate', { config: { access: 'viewer' }, schema: { response: { 200: NetstateChangeList } } }, async (request) => {
    const visible = await visibility(principalOf(request));
    return netstate.list().filter(visible);
  });

  app.get(
    '/api/netstate/:id',
    { config: { access: 'viewer' }, schema: { params: NetstateParams, response: { 200: NetstateChangeDetail, '4xx': ErrorBody } } },
    async (request) => {
      const detail = netstate.detail(request.params.id);
      if (!(await visibility(principalOf(request)))(detail.change)) throw netstate.notFound(request.params.id);
      return detail;
    },
  );

  app.post(
    '/api/netstate/:id/revert',
    { config: { access: 'operator' }, schema: { params: NetstateParams, response: { 200: NetstateChange, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request) => {
      const principal = principalOf(request);
      const { change } = netstate.detail(request.params.id);
      if (!mayReadTarget(principal, change.target)) throw netstate.notFound(request.params.id);
      // A revert writes into the target's namespace: the policy decides as for opening a shell there.
      const context = { ...(await targetInventory(engines.pickDocker(change.target.engine).engine, [change.target.kind])), isConsole };
      const target = change.target;
      // A container that is gone has nothing to revert in; the revert itself says so (409).
      const gone = target.kind === 'container' && !context.containers.some((c) => c.id === target.containerId);
      if (!gone) policy.check(principal.role, target, context);
      return netstate.revert(request.params.id, { id: principal.id, name: principal.name });
    },
  );
};
