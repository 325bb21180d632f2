import { describe, expect, it } from 'vitest';
import type { NetstateChange } from '@sonde/shared';
import { diffLineKind, outstandingChanges, revertOutcome, sectionSummary } from './netstate-labels';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const change = (id: string, over: Partial<NetstateChange> = {}): NetstateChange => ({
  id,
  sessionId: 's'.repeat(32),
  target: { kind: 'container', engine: 'local', containerId: 'web-id', containerName: 'web', sharePid: false },
  targetLabel: 'container web',
  sessionStartedAt: '2026-11-29T11:00:00Z',
  detectedAt: '2026-11-29T11:30:00Z',
  sessionOwner: { id: 'user:1', name: 'ada' },
  concurrentSessions: [],
  sections: [{ section: 'iptables', added: 1, removed: 0 }, { section: 'tc', added: 1, removed: 1 }],
  revertible: true,
  ...over,
});
const reverted = (matches: boolean) => ({ at: 'x', by: { id: 'user:1', name: 'ada' }, matches, remaining: matches ? [] : [{ section: 'tc' as const, added: 1, removed: 0 }], steps: [], notes: [] });

describe('netstate labels', () => {
  it('summarises sections', () => {
    expect(sectionSummary(change('a').sections)).toBe('iptables +1 −0 · tc +1 −1');
  });

  it('warns about changes not reverted, in containers that exist, and recent host changes', () => {
    const list = [
      change('open'),
      change('done', { reverted: reverted(true) }),
      change('partial', { reverted: reverted(false) }),
      change('gone', { target: { kind: 'container', engine: 'local', containerId: 'gone-id', containerName: 'old', sharePid: false } }),
      change('host-new', { target: { kind: 'host', engine: 'local' }, revertible: false }),
      change('host-old', { target: { kind: 'host', engine: 'local' }, revertible: false, detectedAt: '2026-11-27T11:00:00Z' }),
    ];
    const ids = (filter: Parameters<typeof outstandingChanges>[1]) => outstandingChanges(list, filter).map((c) => c.id);
    expect(ids({ now: NOW, existingContainerIds: new Set(['web-id']) })).toEqual(['open', 'partial', 'host-new']);
    expect(ids({ now: NOW, containerId: 'web-id' })).toEqual(['open', 'partial']);
    expect(ids({ now: NOW, containerId: 'web-id', keep: new Set(['done']) })).toEqual(['open', 'done', 'partial']);
  });

  it('says how a revert ended', () => {
    expect(revertOutcome(reverted(true))).toEqual({ tone: 'ok', text: 'Reverted by ada: the namespace matches the snapshot again.' });
    expect(revertOutcome(reverted(false))).toEqual({ tone: 'warn', text: 'Partly reverted by ada; still different: tc +1 −0.' });
  });

  it('classifies diff lines', () => {
    expect(['+ a', '- b', '@@', '  c'].map(diffLineKind)).toEqual(['added', 'removed', 'gap', 'same']);
  });
});
