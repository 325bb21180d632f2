import type { SessionInfo } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { anotherShellTarget, sessionStatus, sessionTabs } from './session-labels';

function session(id: string, createdAt: string, overrides: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    target: { kind: 'host', engine: 'local' },
    state: 'running',
    createdAt,
    toolbox: { containerId: `tb-${id}`, image: 'sonde-toolbox:1' },
    clients: 1,
    owner: { id: 'user:u1', name: 'alice' },
    participants: [],
    ttyPath: `/api/sessions/${id}/tty`,
    ...overrides,
  };
}

describe('sessionStatus', () => {
  it('prefers the live socket state', () => {
    expect(sessionStatus(session('a', 't'), { kind: 'exited', code: 0 })).toEqual({ label: 'exited (0)', tone: 'muted' });
    expect(sessionStatus(session('a', 't'), { kind: 'exited', code: 137 })).toEqual({ label: 'exited (137)', tone: 'danger' });
    expect(sessionStatus(session('a', 't'), { kind: 'open', resumed: false }).label).toBeNull();
  });

  it('falls back to the server record', () => {
    expect(sessionStatus(session('a', 't', { state: 'exited', exitCode: 2 }), undefined).label).toBe('exited (2)');
    expect(sessionStatus(session('a', 't'), undefined).label).toBeNull();
  });
});

describe('sessionTabs', () => {
  it('keeps attached sessions the server no longer lists, oldest first', () => {
    const first = session('a', '2025-01-01T00:00:00Z');
    const second = session('b', '2025-01-01T00:01:00Z');
    const ended = session('z', '2025-01-01T00:00:30Z');
    const tabs = sessionTabs([second, first], new Map([['z', ended], ['a', first]]));
    expect(tabs.map((t) => t.id)).toEqual(['a', 'z', 'b']);
  });

  it('leaves out ended sessions this page never attached to', () => {
    const live = session('a', '2025-01-01T00:00:00Z');
    const old = session('b', '2025-01-01T00:01:00Z', { state: 'exited', exitCode: 0 });
    const shown = session('c', '2025-01-01T00:02:00Z', { state: 'exited', exitCode: 1 });
    expect(sessionTabs([live, old, shown], new Map([['c', shown]])).map((t) => t.id)).toEqual(['a', 'c']);
  });
});

describe('anotherShellTarget', () => {
  it('asks for the same object on the same engine; a task again of its manager', () => {
    expect(anotherShellTarget({ kind: 'container', engine: 'node2', containerId: 'c1', containerName: 'web', sharePid: true })).toEqual({ kind: 'container', engine: 'node2', container: 'c1', sharePid: true });
    expect(
      anotherShellTarget({ kind: 'container', engine: 'node2', containerId: 'c1', containerName: 'web.2.x', sharePid: false, task: { id: 't2', service: 'web', slot: 2, nodeId: 'n2', manager: 'node1' } }),
    ).toEqual({ kind: 'task', engine: 'node1', service: 'web', slot: 2 });
    expect(anotherShellTarget({ kind: 'network', engine: 'node1', networkId: 'n1', networkName: 'ov' })).toEqual({ kind: 'network', engine: 'node1', network: 'n1' });
    expect(anotherShellTarget({ kind: 'network-namespace', engine: 'node2', networkId: 'n1', networkName: 'ov' })).toEqual({ kind: 'network-namespace', engine: 'node2', network: 'n1' });
    expect(anotherShellTarget({ kind: 'host', engine: 'edge' })).toEqual({ kind: 'host', engine: 'edge' });
  });
});
