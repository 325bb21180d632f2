import type { SessionInfo } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { anotherShellTarget, endConfirmation, guestEndedText, sessionStatus, sessionTabs } from './session-labels';

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

describe('detaching and ending', () => {
  it('leaves detached (closed-tab) sessions out of the tabs, unless this page is attached to them again', () => {
    const a = session('a', '2025-01-01T00:00:00Z');
    const b = session('b', '2025-01-01T00:01:00Z');
    expect(sessionTabs([a, b], new Map(), new Set(['a'])).map((t) => t.id)).toEqual(['b']);
    expect(sessionTabs([a, b], new Map([['a', a]]), new Set(['a'])).map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('asks before ending only when someone else is attached, naming them', () => {
    const alone = session('a', 't', { participants: [{ id: 'user:u1', name: 'alice', role: 'driver', owner: true, clients: 2 }] });
    expect(endConfirmation(alone, 'user:u1')).toBeNull();
    const watched = session('a', 't', {
      participants: [
        { id: 'user:u1', name: 'alice', role: 'driver', owner: true, clients: 1 },
        { id: 'share:s1', name: 'guest', role: 'viewer', owner: false, clients: 1, shareId: 's1' },
      ],
    });
    expect(endConfirmation(watched, 'user:u1')).toBe('End this session for everyone? guest is attached and will lose the shell.');
  });

  it('tells a guest the owner ended it, and what to do next', () => {
    const closed = session('a', 't', { state: 'exited', endReason: 'closed' });
    expect(guestEndedText(closed).title).toBe('The owner ended this session');
    expect(guestEndedText(closed).next).toContain('ask alice to open a new session');
    expect(guestEndedText(session('a', 't', { state: 'exited', endReason: 'exited', exitCode: 0 })).title).toBe('The shell exited');
    expect(guestEndedText(session('a', 't', { state: 'exited', endReason: 'idle' })).title).toBe('This session has ended');
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

  it('asks a cluster for the pod of that name (whatever its uid now) and the same container; a node again', () => {
    expect(anotherShellTarget({ kind: 'pod', engine: 'prod', namespace: 'shop', pod: 'cart-7d9f', podUid: 'u1', container: 'cart', node: 'w1' })).toEqual({
      kind: 'pod',
      engine: 'prod',
      namespace: 'shop',
      pod: 'cart-7d9f',
      container: 'cart',
    });
    expect(anotherShellTarget({ kind: 'node', engine: 'prod', node: 'w1' })).toEqual({ kind: 'node', engine: 'prod', node: 'w1' });
  });
});
