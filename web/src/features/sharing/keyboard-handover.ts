/**
 * Who may type in a shared session, and the set-role messages that hand the keyboard over and
 * take it back. Pure, so the rules are tested without a socket.
 */
import type { Participant, ParticipantRole, PresenceMessage, ShareInfo } from '@sonde/shared';

export interface RoleChange {
  participant: string;
  role: ParticipantRole;
}

/** `participant` becomes the driver and we only watch: one person types at a time. */
export function giveKeyboard(presence: PresenceMessage, participant: string): RoleChange[] {
  if (participant === presence.you) return [];
  return [
    { participant, role: 'driver' },
    { participant: presence.you, role: 'viewer' },
  ];
}

/**
 * We drive again; every other driver watches, except people who came through a driver share
 * link: typing is what that link was created for, so revoke the link to stop them.
 */
export function takeKeyboardBack(presence: PresenceMessage, driverShareIds: ReadonlySet<string>): RoleChange[] {
  const changes: RoleChange[] = [];
  if (presence.role !== 'driver') changes.push({ participant: presence.you, role: 'driver' });
  for (const p of presence.participants) {
    if (p.id === presence.you || p.role !== 'driver') continue;
    if (p.shareId !== undefined && driverShareIds.has(p.shareId)) continue;
    changes.push({ participant: p.id, role: 'viewer' });
  }
  return changes;
}

/** Owner first, then drivers, then by name: a stable strip that does not jump on every presence. */
export function orderParticipants(participants: readonly Participant[]): Participant[] {
  return [...participants].sort(
    (a, b) =>
      Number(b.owner) - Number(a.owner) ||
      Number(b.role === 'driver') - Number(a.role === 'driver') ||
      a.name.localeCompare(b.name) ||
      a.id.localeCompare(b.id),
  );
}

export function roleLabel(role: ParticipantRole): string {
  return role === 'driver' ? 'can type' : 'watching';
}

/** The session's driver links still in force: people on them keep the keyboard. */
export function driverLinkIds(links: readonly ShareInfo[]): Set<string> {
  return new Set(links.filter((l) => l.role === 'driver' && !l.revokedAt).map((l) => l.id));
}
