import { describe, expect, it } from 'vitest';
import type { DoctorRun, Finding } from '@sonde/shared';
import { doctorStatus, runToShow, sameTarget, sortFindings } from './doctor-view';

const finding = (code: Finding['code'], severity: Finding['severity']): Finding => ({ code, severity, title: code, detail: '', evidence: [], fix: '' });

function run(id: string, extra: Partial<DoctorRun> = {}): DoctorRun {
  return {
    id,
    target: { kind: 'container', engine: 'local', containerId: 'c'.repeat(64), containerName: 'web-1', sharePid: false },
    owner: { id: 'user:1', name: 'ops' },
    state: 'done',
    endReason: 'completed',
    startedAt: '2026-01-01T00:00:00.000Z',
    timeLimitMs: 20000,
    checks: [
      { id: 'dns-resolvers', title: 'DNS resolvers answer', state: 'passed' },
      { id: 'gateway', title: 'Gateway answers', state: 'running' },
    ],
    findings: [],
    revision: 4,
    ...extra,
  };
}

describe('doctor view', () => {
  it('findings worst first, in the order found within a severity', () => {
    const sorted = sortFindings([finding('arp-incomplete', 'warning'), finding('healthy', 'info'), finding('firewall-drops', 'error'), finding('mtu-mismatch', 'error')]);
    expect(sorted.map((f) => f.code)).toEqual(['firewall-drops', 'mtu-mismatch', 'arp-incomplete', 'healthy']);
  });

  it('the status in words: progress, counts, healthy, or why it stopped', () => {
    expect(doctorStatus(run('a', { state: 'running' }))).toEqual({ label: 'Running… 1 of 2 checks', tone: 'info' });
    expect(doctorStatus(run('a', { findings: [finding('firewall-drops', 'error'), finding('arp-incomplete', 'warning'), finding('mtu-mismatch', 'error')] }))).toEqual({ label: '2 errors, 1 warning', tone: 'danger' });
    expect(doctorStatus(run('a', { findings: [finding('healthy', 'info')] }))).toEqual({ label: 'Healthy', tone: 'ok' });
    expect(doctorStatus(run('a', { endReason: 'policy' }))).toEqual({ label: 'stopped by the policy', tone: 'muted' });
  });

  it('matches runs to the target a page shows, by id, name, engine or task', () => {
    const target = run('a').target;
    expect(sameTarget(target, { kind: 'container', container: 'c'.repeat(64) })).toBe(true);
    expect(sameTarget(target, { kind: 'container', container: 'web-1', engine: 'local' })).toBe(true);
    expect(sameTarget(target, { kind: 'container', container: 'web-1', engine: 'edge' })).toBe(false);
    const task = { ...target, task: { id: 't1', service: 'web', slot: 2, nodeId: 'n1', manager: 'local' } };
    expect(sameTarget(task, { kind: 'task', service: 'web', slot: 2 })).toBe(true);
    // Asked of its manager, running on another node's engine: the page's engine is the manager.
    const elsewhere = { ...task, engine: 'node2', task: { ...task.task, manager: 'node1' } };
    expect(sameTarget(elsewhere, { kind: 'task', engine: 'node1', service: 'web', slot: 2 })).toBe(true);
    expect(sameTarget(elsewhere, { kind: 'task', engine: 'node2', service: 'web', slot: 2 })).toBe(false);
    expect(sameTarget(task, { kind: 'container', container: 'web-1' })).toBe(false);
  });

  it('shows the run it started, else the latest for its target, never a pair run', () => {
    const older = run('a', { startedAt: '2026-01-01T00:00:00.000Z' });
    const newer = run('b', { startedAt: '2026-01-01T00:01:00.000Z' });
    const pair = run('c', { startedAt: '2026-01-01T00:02:00.000Z', peer: { containerId: 'd'.repeat(64), containerName: 'db', ports: [] } });
    const target = { kind: 'container' as const, container: 'web-1' };
    expect(runToShow([older, newer, pair], target, null)?.id).toBe('b');
    expect(runToShow([older, newer, pair], target, 'a')?.id).toBe('a');
    expect(runToShow([], target, 'a')).toBeUndefined();
  });
});
