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
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it.each(['/containers', '/containers/a/b', '/nope', '/sessions/%E0%A4%A', '/admin/secrets', '/admin/users/x', '/audit/x', '/matrices', '/topology/x'])('%s is not found', (path) => {
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
  });
});
