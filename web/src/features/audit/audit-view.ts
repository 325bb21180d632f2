/** The audit table's rows: merging the loaded tail with live entries, filtering, and details as fields. */
import type { AuditFilterOptions } from '@sonde/client';
import type { AuditAction, AuditEntry } from '@sonde/shared';

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

/** The filter form as typed: an object id, who, an action, part of the target, a local time range. */
export interface AuditFilterForm {
  id: string;
  actor: string;
  action: AuditAction | '';
  target: string;
  /** `<input type="datetime-local">` values (the browser's time zone), or ''. */
  since: string;
  until: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilterForm = { id: '', actor: '', action: '', target: '', since: '', until: '' };

/** The server query for a filter form, or what is wrong with it (in words, naming the field). */
export function auditQuery(form: AuditFilterForm): { ok: true; query: AuditFilterOptions } | { ok: false; error: string } {
  const query: AuditFilterOptions = {};
  const id = sessionFilter(form.id);
  if (id.kind === 'invalid') return { ok: false, error: 'A session, run or capture id is 32 hexadecimal characters (see its URL or the Session, Run and Capture columns).' };
  if (id.kind === 'session') query.sessionId = id.id;
  if (form.actor.trim()) query.actor = form.actor.trim();
  if (form.action) query.action = form.action;
  if (form.target.trim()) query.target = form.target.trim();
  for (const key of ['since', 'until'] as const) {
    if (!form[key]) continue;
    const at = new Date(form[key]);
    if (Number.isNaN(at.getTime())) return { ok: false, error: `“${key === 'since' ? 'From' : 'To'}” is not a date and time.` };
    query[key] = at.toISOString();
  }
  if (query.since && query.until && query.since > query.until) return { ok: false, error: '“From” is after “To”.' };
  return { ok: true, query };
}

/** Whether a live entry belongs in the filtered view (what the server does for the loaded ones). */
export function matchesFilter(entry: AuditEntry, query: AuditFilterOptions): boolean {
  if (query.sessionId && ![entry.sessionId, entry.runId, entry.captureId].includes(query.sessionId)) return false;
  if (query.actor && entry.actor !== query.actor && entry.actorName.toLowerCase() !== query.actor.toLowerCase()) return false;
  if (query.action && entry.action !== query.action) return false;
  if (query.target && !(entry.target ?? '').toLowerCase().includes(query.target.toLowerCase())) return false;
  if (query.since && entry.at < query.since) return false;
  if (query.until && entry.at > query.until) return false;
  return true;
}

/** Details as fields (name, value as text: strings as they are, anything else as compact JSON). */
export function detailFields(detail: AuditEntry['detail']): { name: string; value: string }[] {
  if (!detail) return [];
  return Object.entries(detail).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) }));
}
