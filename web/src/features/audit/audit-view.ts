/** The audit table's rows: merging the loaded tail with live entries, filtering, and details as text. */
import type { AuditEntry } from '@sonde/shared';

export const SESSION_ID_PATTERN = /^[a-f0-9]{32}$/;

/** Newest first, each sequence number once, at most `limit` rows. */
export function mergeEntries(current: readonly AuditEntry[], incoming: readonly AuditEntry[], limit: number): AuditEntry[] {
  const bySeq = new Map<number, AuditEntry>();
  for (const entry of current) bySeq.set(entry.seq, entry);
  for (const entry of incoming) bySeq.set(entry.seq, entry);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
}

/** What the session filter field holds: nothing, a usable id, or something that is not one. */
export function sessionFilter(text: string): { kind: 'none' } | { kind: 'session'; id: string } | { kind: 'invalid' } {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '') return { kind: 'none' };
  return SESSION_ID_PATTERN.test(trimmed) ? { kind: 'session', id: trimmed } : { kind: 'invalid' };
}

export function matchesSession(entry: AuditEntry, sessionId: string | null): boolean {
  return sessionId === null || entry.sessionId === sessionId;
}

/** `key=value` pairs on one line; nested values as compact JSON. Rendered as text, never as HTML. */
export function formatDetail(detail: AuditEntry['detail']): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('  ');
}
