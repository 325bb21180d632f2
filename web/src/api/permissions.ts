/**
 * What the signed-in principal may do, for hiding controls it cannot use. The server decides
 * for real (403 otherwise); this only keeps the interface honest.
 */
import { roleAtLeast, type Me, type SessionInfo } from '@sonde/shared';

/** Open shells, run tools and captures: operators and admins, never a share guest. */
export function canOperate(me: Me | null): boolean {
  return me === null || (me.kind !== 'share' && roleAtLeast(me.role, 'operator'));
}

/** Users, tokens, policy, audit, host sessions. */
export function isAdmin(me: Me | null): boolean {
  return me !== null && me.kind !== 'share' && me.role === 'admin';
}

/** Hand the keyboard around and create share links: the session's owner and admins. */
export function canManageSession(me: Me | null, session: Pick<SessionInfo, 'owner'>): boolean {
  if (!me || me.kind === 'share') return false;
  return me.role === 'admin' || session.owner.id === me.id;
}

export function isShareGuest(me: Me | null): me is Me & { kind: 'share' } {
  return me?.kind === 'share';
}
