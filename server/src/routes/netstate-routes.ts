import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, NetstateChange, NetstateChangeDetail, NetstateChangeList, NetstateParams } from '@sonde/shared';
import type { AppServices } from '../app.js';
import { mayReadTarget } from '../auth/object-access.js';
import { principalOf, type Principal } from '../auth/principal.js';
import { targetInventory } from '../sessions/session-registry.js';

/** Changes left behind in targets' namespaces (docs/api.md, "Changes left behind"). Starts and stops the service that finds them. */
export const netstateRoutes: FastifyPluginAsyncTypebox<AppServices> = async (app, services) => {
  const { netstate } = services;
  netstate.start();
  services.onClosing(() => netstate.shutdown());

  // Host sessions are for admins; so is what they changed on the host.
  const visible = (principal: Principal, change: NetstateChange) => mayReadTarget(principal, change.target);

  app.get('/api/netstate', { config: { access: 'viewer' }, schema: { response: { 200: NetstateChangeList } } }, async (request) => {
    const principal = principalOf(request);
    return netstate.list().filter((change) => visible(principal, change));
  });

  app.get(
    '/api/netstate/:id',
    { config: { access: 'viewer' }, schema: { params: NetstateParams, response: { 200: NetstateChangeDetail, '4xx': ErrorBody } } },
    async (request) => {
      const detail = netstate.detail(request.params.id);
      if (!visible(principalOf(request), detail.change)) throw netstate.notFound(request.params.id);
      return detail;
    },
  );

  app.post(
    '/api/netstate/:id/revert',
    { config: { access: 'operator' }, schema: { params: NetstateParams, response: { 200: NetstateChange, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request) => {
      const principal = principalOf(request);
      const { change } = netstate.detail(request.params.id);
      if (!visible(principal, change)) throw netstate.notFound(request.params.id);
      // A revert writes into the target's namespace: the policy decides as for opening a shell there.
      const context = { ...(await targetInventory(services.engine, [change.target.kind])), isConsole: services.isConsole };
      const target = change.target;
      // A container that is gone has nothing to revert in; the revert itself says so (409).
      const gone = target.kind === 'container' && !context.containers.some((c) => c.id === target.containerId);
      if (!gone) services.policy.check(principal.role, target, context);
      return netstate.revert(request.params.id, { id: principal.id, name: principal.name });
    },
  );
};
