import type { Me } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { canManageSession, canOperate, isAdmin } from './permissions';

function me(overrides: Partial<Me>): Me {
  return { authenticated: true, kind: 'user', id: 'user:alice', name: 'alice', role: 'operator', via: 'cookie', ...overrides };
}

describe('permissions', () => {
  const session = { owner: { id: 'user:alice', name: 'alice' } };

  it('lets the owner and admins manage a session, never a share guest', () => {
    expect(canManageSession(me({}), session)).toBe(true);
    expect(canManageSession(me({ id: 'user:bob', name: 'bob' }), session)).toBe(false);
    expect(canManageSession(me({ id: 'user:carol', role: 'admin' }), session)).toBe(true);
    expect(canManageSession(me({ kind: 'share', id: 'share:x', role: 'admin' }), session)).toBe(false);
    expect(canManageSession(null, session)).toBe(false);
  });

  it('lets operators and admins open shells and run tools, not viewers or share guests', () => {
    expect(canOperate(me({ role: 'viewer' }))).toBe(false);
    expect(canOperate(me({ role: 'operator' }))).toBe(true);
    expect(canOperate(me({ kind: 'share', role: 'operator' }))).toBe(false);
  });

  it('admin pages are for admin users and tokens only', () => {
    expect(isAdmin(me({ role: 'admin' }))).toBe(true);
    expect(isAdmin(me({ kind: 'token', id: 'token:bootstrap', role: 'admin' }))).toBe(true);
    expect(isAdmin(me({ kind: 'share', role: 'admin' }))).toBe(false);
    expect(isAdmin(me({ role: 'operator' }))).toBe(false);
  });
});
