/** How share links read in the dialog and the guest banner. */
import type { ParticipantRole, ShareInfo } from '@sonde/shared';

/** The lifetimes offered when creating a link (the server allows 60 s to 7 days). */
export const SHARE_LIFETIMES: ReadonlyArray<{ seconds: number; label: string }> = [
  { seconds: 15 * 60, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 8 * 3600, label: '8 hours' },
  { seconds: 24 * 3600, label: '24 hours' },
];

export type ShareState = 'active' | 'expired' | 'revoked';

export function shareState(share: Pick<ShareInfo, 'expiresAt' | 'revokedAt'>, now = Date.now()): ShareState {
  if (share.revokedAt) return 'revoked';
  return Date.parse(share.expiresAt) <= now ? 'expired' : 'active';
}

/** "in 14 min", "in 7 h 30 min", "expired". */
export function expiresIn(expiresAt: string, now = Date.now()): string {
  const seconds = Math.floor((Date.parse(expiresAt) - now) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `in ${hours} h` : `in ${hours} h ${rest} min`;
  return `in ${Math.round(hours / 24)} days`;
}

/** A local date and time, without the date when it is today. */
export function localTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay
    ? at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function shareRoleLabel(role: ParticipantRole): string {
  return role === 'driver' ? 'driver (can type)' : 'viewer (read-only)';
}
