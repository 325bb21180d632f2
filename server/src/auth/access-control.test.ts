import { describe, expect, it } from 'vitest';
import { AccessControl, hostName, redactUrl } from './access-control.js';

describe('AccessControl', () => {
  const access = new AccessControl('the-secret-token-123');

  it('accepts the token and the derived cookie, nothing else', () => {
    expect(access.checkToken('the-secret-token-123')).toBe(true);
    expect(access.checkToken('the-secret-token-124')).toBe(false);
    expect(access.checkToken(undefined)).toBe(false);
    expect(access.checkCookie(access.browserCookie)).toBe(true);
    // The cookie is not the token: stealing one does not give the other.
    expect(access.browserCookie).not.toContain('the-secret-token-123');
    expect(access.checkToken(access.browserCookie)).toBe(false);
  });

  it('parses bearer headers strictly', () => {
    expect(AccessControl.bearer('Bearer abc')).toBe('abc');
    expect(AccessControl.bearer('bearer abc')).toBe('abc');
    expect(AccessControl.bearer('Basic abc')).toBeUndefined();
    expect(AccessControl.bearer('Bearer a b')).toBeUndefined();
  });

  it('reduces Host headers to a host name', () => {
    expect(hostName('LocalHost:8080')).toBe('localhost');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName(undefined)).toBeUndefined();
  });

  it('redacts tokens from logged URLs', () => {
    expect(redactUrl('/?token=abc&x=1')).toBe('/?token=[redacted]&x=1');
    expect(redactUrl('/sessions/1?a=1&token=zzz')).toBe('/sessions/1?a=1&token=[redacted]');
  });
});
