import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Authenticator, BOOTSTRAP_ID } from '../auth/authenticator.js';
import { IdentityStore } from '../auth/identity-store.js';
import { LiveConnections } from '../auth/live-connections.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import { TargetPolicyStore } from '../policy/target-policy.js';
import { EmbedStore } from '../embeds/embed-store.js';
import { ShareStore } from '../shares/share-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    identities: IdentityStore;
    shares: ShareStore;
    /** Embed tokens: one object, one role, short-lived (docs/api.md, "Embeds"). */
    embeds: EmbedStore;
    /** Turns credentials into principals and re-checks them later. */
    authenticator: Authenticator;
    /** Failed password logins, per user name and address. */
    loginLimiter: LoginLimiter;
    /** Wrong bearer tokens and query-string credentials, per client address. */
    secretLimiter: LoginLimiter;
    /** Everything long-lived, held for its principal: sockets, streams, workloads. */
    live: LiveConnections;
    /** Which targets each role may reach. */
    policy: TargetPolicyStore;
  }
}

/** Wrong secrets (bearer tokens, `?token=`, `?share=`) one address may present per minute before it waits. */
export const SECRET_FAILURES_PER_MINUTE = 30;

/** Who is who, what a credential grants, and the target policy: everything authorization reads. */
async function accessPlugin(app: FastifyInstance): Promise<void> {
  const identities = new IdentityStore(app.db);
  identities.pruneBrowserSessions();
  // Browser logins made with the bootstrap token end when the console starts with another one.
  identities.rotateBootstrap(BOOTSTRAP_ID, app.config.token.value);
  const shares = new ShareStore(app.db);
  const embeds = new EmbedStore(app.db);
  embeds.prune();
  const authenticator = new Authenticator(app.config.token.value, identities, shares, embeds);
  const live = new LiveConnections((principal) => authenticator.revalidate(principal));
  app.decorate('identities', identities);
  app.decorate('shares', shares);
  app.decorate('embeds', embeds);
  app.decorate('authenticator', authenticator);
  app.decorate('loginLimiter', new LoginLimiter());
  app.decorate('secretLimiter', new LoginLimiter({ windowMs: 60_000, maxPerUser: 1, maxPerAddress: SECRET_FAILURES_PER_MINUTE }));
  app.decorate('live', live);
  app.decorate('policy', new TargetPolicyStore(app.db));
  app.addHook('onClose', async () => live.dispose());
}

export default fp(accessPlugin, { name: 'sonde-access', dependencies: ['sonde-store'] });
