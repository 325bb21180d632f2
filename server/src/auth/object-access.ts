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

/** Who may follow a run's output: its owner, an admin, or an embed minted for it; never host data below admin. */
export function mayFollowRun(principal: Principal, run: OwnedObject & { id: string }): boolean {
  const scope = principal.embed?.scope;
  return ownsOrAdmin(principal, run) || (principal.kind === 'embed' && scope?.kind === 'run' && scope.runId === run.id && mayReadTarget(principal, run.target));
}

/** A session as the visibility rule reads it: its target and what the policy read when it started. */
export interface VisibleSession {
  id: string;
  owner: { id: string };
  target: ResolvedTarget;
  scope: PolicyInputs;
}

/**
 * Who may see a session at all (list it, read it, join it as a viewer, hear that it started or
 * ended). A share link sees its own session, an embed token the one it reaches; admins see every session; operators see the sessions
 * they could open themselves (so they can join each other's as viewers): never a host session, nor
 * one whose target the policy refuses them, decided on what the policy read when it started.
 */
export function maySeeSession(principal: Principal, session: VisibleSession, policy: Pick<TargetPolicyStore, 'why'>): boolean {
  // Share links and embeds have no console role: host data is never theirs, whatever they were made for.
  if (principal.kind === 'share') return mayReadTarget(principal, session.target) && principal.share?.sessionId === session.id;
  if (principal.kind === 'embed') {
    // An embed sees the session it was minted for, or (a container embed) the shells it opened.
    const scope = principal.embed?.scope;
    const reaches = scope?.kind === 'session' ? scope.sessionId === session.id : scope?.kind === 'container' && session.owner.id === principal.id;
    return reaches && mayReadTarget(principal, session.target);
  }
  if (atLeast(principal, 'admin')) return true;
  return atLeast(principal, 'operator') && mayReadTarget(principal, session.target) && policy.why(principal.role, session.target, session.scope) === undefined;
}
