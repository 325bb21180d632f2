import type { AuditEntry } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { formatDetail, mergeEntries, sessionFilter } from './audit-view';

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
});
