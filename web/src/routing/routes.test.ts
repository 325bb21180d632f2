import { describe, expect, it } from 'vitest';
import { matchRoute, routePath } from './routes';

describe('matchRoute', () => {
  it.each([
    ['/', { page: 'overview' }],
    ['/containers/abc123', { page: 'container', id: 'abc123' }],
    ['/containers/abc123/', { page: 'container', id: 'abc123' }],
    ['/networks/net%201', { page: 'network', id: 'net 1' }],
    ['/sessions/0f9e', { page: 'session', id: '0f9e' }],
    ['/admin', { page: 'admin', section: 'users' }],
    ['/admin/', { page: 'admin', section: 'users' }],
    ['/admin/tokens', { page: 'admin', section: 'tokens' }],
    ['/admin/policy', { page: 'admin', section: 'policy' }],
    ['/audit', { page: 'audit' }],
    ['/recordings', { page: 'recordings' }],
    ['/recordings/0f9e', { page: 'recording', id: '0f9e' }],
    ['/matrices/0f9e', { page: 'matrix', id: '0f9e' }],
    ['/topology', { page: 'topology' }],
    ['/engines/node2/topology', { page: 'topology', engine: 'node2' }],
    ['/engines/node2', { page: 'engine', engine: 'node2' }],
    ['/engines/node2/containers/abc123', { page: 'container', engine: 'node2', id: 'abc123' }],
    ['/engines/node1/networks/ov%201/', { page: 'network', engine: 'node1', id: 'ov 1' }],
    ['/engines/node1/services/web/tasks/2', { page: 'task', engine: 'node1', service: 'web', task: { slot: 2 } }],
    ['/engines/node1/services/agent/tasks/x7k2p9q0m1', { page: 'task', engine: 'node1', service: 'agent', task: { id: 'x7k2p9q0m1' } }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it.each([
    '/containers',
    '/containers/a/b',
    '/nope',
    '/sessions/%E0%A4%A',
    '/admin/secrets',
    '/admin/users/x',
    '/audit/x',
    '/engines',
    '/engines/node1/containers',
    '/engines/node1/volumes/v',
    '/engines/%E0%A4%A/containers/a',
    '/engines/node1/services/web/tasks/0',
    '/engines/node1/services/web/tasks/Not-A-Task',
    '/engines/node1/services/web',
    '/matrices',
    '/topology/x',
    '/engines/node2/topology/x',
  ])('%s is not found', (path) => {
    expect(matchRoute(path)).toEqual({ page: 'not-found', path });
  });

  it('round-trips ids through routePath', () => {
    for (const id of ['plain', 'with/slash', 'sp ace', 'ü']) {
      expect(matchRoute(routePath({ page: 'network', id }))).toEqual({ page: 'network', id });
    }
    expect(routePath({ page: 'overview' })).toBe('/');
    for (const section of ['users', 'tokens', 'policy'] as const) {
      expect(matchRoute(routePath({ page: 'admin', section }))).toEqual({ page: 'admin', section });
    }
    expect(matchRoute(routePath({ page: 'audit' }))).toEqual({ page: 'audit' });
    expect(matchRoute(routePath({ page: 'matrix', id: 'a/b' }))).toEqual({ page: 'matrix', id: 'a/b' });
    expect(matchRoute(routePath({ page: 'topology' }))).toEqual({ page: 'topology' });
    expect(matchRoute(routePath({ page: 'topology', engine: 'edge 1' }))).toEqual({ page: 'topology', engine: 'edge 1' });
  });

  it('carries the engine in links to its objects, and keeps old links engine-less', () => {
    expect(routePath({ page: 'container', engine: 'node2', id: 'abc' })).toBe('/engines/node2/containers/abc');
    expect(routePath({ page: 'container', id: 'abc' })).toBe('/containers/abc');
    expect(routePath({ page: 'network', engine: 'node1', id: 'n/1' })).toBe('/engines/node1/networks/n%2F1');
    expect(routePath({ page: 'engine', engine: 'edge-1' })).toBe('/engines/edge-1');
    const tasks = [
      { page: 'task', engine: 'node1', service: 'web', task: { slot: 12 } },
      { page: 'task', engine: 'node1', service: 'my.svc', task: { id: 'abc123def' } },
    ] as const;
    expect(routePath(tasks[0])).toBe('/engines/node1/services/web/tasks/12');
    for (const route of tasks) expect(matchRoute(routePath(route))).toEqual(route);
    for (const id of ['plain', 'with/slash', 'sp ace']) {
      expect(matchRoute(routePath({ page: 'container', engine: 'local', id }))).toEqual({ page: 'container', engine: 'local', id });
    }
  });
});
