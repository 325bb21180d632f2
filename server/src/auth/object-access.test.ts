import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '@sonde/shared';
import { mayFollowRun, maySeeSession, ownsOrAdmin } from './object-access.js';
import type { Principal } from './principal.js';

/**
 * Share links and embed tokens carry no console role: whatever they were minted for, host data
 * (a host, a Kubernetes node, an overlay network's own namespace) is never theirs, because the
 * rule is mayReadTarget's, not a refusal each minting route remembers. Nodes are the case a
 * minting check once missed: an admin's node session could be embedded.
 */

const SESSION_ID = 'a'.repeat(32);
const RUN_ID = 'b'.repeat(32);
const expiresAt = new Date(Date.now() + 60_000);
const anyPolicy = { why: () => undefined };

const HOST_DATA: ResolvedTarget[] = [
  { kind: 'host', engine: 'local' },
  { kind: 'network-namespace', engine: 'local', networkId: 'n1', networkName: 'overlay' },
  { kind: 'node', engine: 'prod', node: 'worker-1' },
];
const CONTAINER: ResolvedTarget = { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web', sharePid: false };
const POD: ResolvedTarget = { kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart', podUid: 'uid-cart', container: 'cart' };

const admin: Principal = { kind: 'token', id: 'token:bootstrap', name: 'bootstrap token', role: 'admin' };
const shareDriver: Principal = { kind: 'share', id: 'share:s1', name: 'guest', role: 'viewer', share: { id: 's1', sessionId: SESSION_ID, role: 'driver', expiresAt } };
/** Minted by an admin: the embed carries the minter's role for the policy, never its reach. */
const sessionEmbed: Principal = { kind: 'embed', id: 'embed:e1', name: 'embed', role: 'admin', embed: { id: 'e1', scope: { kind: 'session', sessionId: SESSION_ID }, role: 'driver', expiresAt } };
const runEmbed: Principal = { kind: 'embed', id: 'embed:e2', name: 'embed', role: 'admin', embed: { id: 'e2', scope: { kind: 'run', runId: RUN_ID }, role: 'viewer', expiresAt } };
const shellEmbed: Principal = { kind: 'embed', id: 'embed:e3', name: 'embed', role: 'admin', embed: { id: 'e3', scope: { kind: 'container', container: 'c'.repeat(64) }, role: 'driver', expiresAt } };

const session = (target: ResolvedTarget, owner = 'token:bootstrap') => ({ id: SESSION_ID, owner: { id: owner }, target, scope: { containers: [], networks: [] } });
const run = (target: ResolvedTarget) => ({ id: RUN_ID, owner: { id: 'token:bootstrap', name: 'bootstrap token' }, target });

describe('object access of share links and embeds', () => {
  it('reach their one session or run on containers and pods', () => {
    for (const target of [CONTAINER, POD]) {
      expect(maySeeSession(shareDriver, session(target), anyPolicy)).toBe(true);
      expect(maySeeSession(sessionEmbed, session(target), anyPolicy)).toBe(true);
      expect(maySeeSession(shellEmbed, session(target, shellEmbed.id), anyPolicy)).toBe(true);
      expect(mayFollowRun(runEmbed, run(target))).toBe(true);
    }
    // Another session or run is not theirs; a container embed does not see its minter's shells.
    expect(maySeeSession(shareDriver, { ...session(CONTAINER), id: 'f'.repeat(32) }, anyPolicy)).toBe(false);
    expect(maySeeSession(sessionEmbed, { ...session(CONTAINER), id: 'f'.repeat(32) }, anyPolicy)).toBe(false);
    expect(maySeeSession(shellEmbed, session(CONTAINER), anyPolicy)).toBe(false);
    expect(mayFollowRun(runEmbed, { ...run(CONTAINER), id: 'f'.repeat(32) })).toBe(false);
    expect(mayFollowRun(sessionEmbed, { ...run(CONTAINER), id: SESSION_ID })).toBe(false);
  });

  it('never reach host data, even the object they were minted for, while its admin owner does', () => {
    for (const target of HOST_DATA) {
      expect(maySeeSession(admin, session(target), anyPolicy), target.kind).toBe(true);
      expect(maySeeSession(shareDriver, session(target), anyPolicy), target.kind).toBe(false);
      expect(maySeeSession(sessionEmbed, session(target), anyPolicy), target.kind).toBe(false);
      expect(maySeeSession(shellEmbed, session(target, shellEmbed.id), anyPolicy), target.kind).toBe(false);
      expect(mayFollowRun(admin, run(target)), target.kind).toBe(true);
      expect(mayFollowRun(runEmbed, run(target)), target.kind).toBe(false);
      expect(ownsOrAdmin(runEmbed, run(target)), target.kind).toBe(false);
    }
  });
});
