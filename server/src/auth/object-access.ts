import { isHostData, type ResolvedTarget } from '@sonde/shared';
import type { PolicyInputs, TargetPolicyStore } from '../policy/target-policy.js';
import { atLeast } from './authenticator.js';
import type { Principal } from './principal.js';

/** Anything a principal opened: a session, a run, a capture (and what derives from them). */
export interface OwnedObject {
  owner: { id: string; name: string };
  target: ResolvedTarget;
}

/**
 * Host data is for admins only, everywhere: a host session's screen, its recording and input
 * trail, a host run's output, a host capture (on the host's `lo` it carries the console's own
 * cookies and tokens). An overlay's own namespace is opened by a helper that could enter any
 * namespace of its node: host data too. Whoever may not open a target may not read what came
 * out of it either.
 */
export function mayReadTarget(principal: Principal, target: ResolvedTarget): boolean {
  return !isHostData(target) || atLeast(principal, 'admin');
}

/** Its owner or an admin; and never host data for anyone below admin. */
export function ownsOrAdmin(principal: Principal, object: OwnedObject): boolean {
  return mayReadTarget(principal, object.target) && (principal.id === object.owner.id || atLeast(principal, 'admin'));
}

/** A session as the visibility rule reads it: its target and what the policy read when it started. */
export interface VisibleSession {
  id: string;
  target: ResolvedTarget;
  scope: PolicyInputs;
}

/**
 * Who may see a session at all (list it, read it, join it as a viewer, hear that it started or
 * ended). A share link sees its own session; admins see every session; operators see the sessions
 * they could open themselves (so they can join each other's as viewers): never a host session, nor
 * one whose target the policy refuses them, decided on what the policy read when it started.
 */
export function maySeeSession(principal: Principal, session: VisibleSession, policy: Pick<TargetPolicyStore, 'why'>): boolean {
  if (principal.kind === 'share') return principal.share?.sessionId === session.id;
  if (atLeast(principal, 'admin')) return true;
  return atLeast(principal, 'operator') && mayReadTarget(principal, session.target) && policy.why(principal.role, session.target, session.scope) === undefined;
}
