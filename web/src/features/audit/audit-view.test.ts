import type { AuditEntry } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '@sonde/shared';
import { EMPTY_AUDIT_FILTERS, auditQuery, detailFields, formatDetail, matchesFilter, mergeEntries, sessionFilter } from './audit-view';

const entry = (seq: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  seq,
  at: `2025-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`,
  actor: 'user:1',
  actorName: 'alice',
  action: 'login',
  ...overrides,
});

describe('audit view', () => {
  it('merges live entries into the loaded ones: newest first, no repeats, capped', () => {
    const merged = mergeEntries([entry(1), entry(2), entry(3)], [entry(3), entry(4)], 3);
    expect(merged.map((e) => e.seq)).toEqual([4, 3, 2]);
  });

  it('accepts only full session ids as a filter', () => {
    expect(sessionFilter('  ')).toEqual({ kind: 'none' });
    expect(sessionFilter(` ${'A'.repeat(32)} `)).toEqual({ kind: 'session', id: 'a'.repeat(32) });
    expect(sessionFilter('abc')).toEqual({ kind: 'invalid' });
  });

  it('prints details as key=value text', () => {
    expect(formatDetail({ tool: 'dig', params: { host: 'api' }, disconnected: 2 })).toBe('tool=dig  params={"host":"api"}  disconnected=2');
    expect(formatDetail(undefined)).toBe('');
  });

  it('turns the filter form into a server query, refusing what the server would', () => {
    expect(auditQuery(EMPTY_AUDIT_FILTERS)).toEqual({ ok: true, query: {} });
    const since = '2026-12-06T10:00';
    const result = auditQuery({ ...EMPTY_AUDIT_FILTERS, id: 'A'.repeat(32), actor: ' alice ', action: 'tool-run', target: ' web ', since });
    expect(result).toEqual({ ok: true, query: { sessionId: 'a'.repeat(32), actor: 'alice', action: 'tool-run', target: 'web', since: new Date(since).toISOString() } });
    expect(auditQuery({ ...EMPTY_AUDIT_FILTERS, id: 'abc' })).toMatchObject({ ok: false });
    expect(auditQuery({ ...EMPTY_AUDIT_FILTERS, since: '2026-12-06T10:00', until: '2026-12-06T09:00' })).toEqual({ ok: false, error: '“From” is after “To”.' });
  });

  it('filters live entries as the server filters the loaded ones', () => {
    const run = entry(5, { action: 'tool-run', actor: 'user:2', actorName: 'Bob', runId: 'r'.repeat(32), target: 'container web-1' });
    expect(matchesFilter(run, { sessionId: 'r'.repeat(32) })).toBe(true);
    expect(matchesFilter(run, { actor: 'bob', action: 'tool-run', target: 'WEB' })).toBe(true);
    expect(matchesFilter(run, { actor: 'alice' })).toBe(false);
    expect(matchesFilter(run, { since: '2025-01-01T00:00:06.000Z' })).toBe(false);
    expect(matchesFilter(run, { until: '2025-01-01T00:00:05.000Z' })).toBe(true);
  });

  it('renders details as fields, and offers every action', () => {
    expect(detailFields({ tool: 'dig', params: { host: 'api' } })).toEqual([
      { name: 'tool', value: 'dig' },
      { name: 'params', value: '{"host":"api"}' },
    ]);
    expect(AUDIT_ACTIONS).toContain('capture-removed');
    expect(AUDIT_ACTIONS).toContain('login');
  });
});
