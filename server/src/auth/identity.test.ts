import { describe, expect, it } from 'vitest';
import { openMemoryDatabase } from '../store/database.js';
import { EmbedStore } from '../embeds/embed-store.js';
import { ShareStore } from '../shares/share-store.js';
import { bearerToken, hostName, redactUrl } from './access-control.js';
import { Authenticator, BOOTSTRAP_ID } from './authenticator.js';
import { IdentityStore } from './identity-store.js';
import { LiveConnections } from './live-connections.js';
import { LoginLimiter } from './login-limiter.js';
import { DECOY_HASH, hashPassword, verifyPassword } from './passwords.js';

function stores() {
  const db = openMemoryDatabase();
  const identities = new IdentityStore(db);
  const shares = new ShareStore(db);
  return { db, identities, shares, auth: new Authenticator('bootstrap-token-0123456789', identities, shares, new EmbedStore(db)) };
}

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterz', a)).toBe(false);
    expect(await verifyPassword('anything', 'md5$abc')).toBe(false);
    expect(await verifyPassword('anything', DECOY_HASH)).toBe(false);
  });
});

describe('Authenticator', () => {
  it('admits the bootstrap token as an admin, named tokens with their role, and nothing else', () => {
    const { identities, auth } = stores();
    expect(auth.fromSecret('bootstrap-token-0123456789')).toMatchObject({ id: BOOTSTRAP_ID, role: 'admin', kind: 'token' });
    const { info, secret } = identities.createToken('ci', 'viewer', 'admin');
    expect(auth.fromSecret(secret)).toMatchObject({ id: `token:${info.id}`, role: 'viewer', name: 'ci' });
    expect(auth.fromSecret('bootstrap-token-012345678')).toBeUndefined();
    identities.deleteToken(info.id);
    expect(auth.fromSecret(secret)).toBeUndefined();
  });

  it('keeps only hashes of secrets in the database', () => {
    const { db, identities, shares } = stores();
    const { secret } = identities.createToken('ci', 'viewer', 'admin');
    const cookie = identities.createBrowserSession('token:bootstrap');
    const { token } = shares.create('a'.repeat(32), 'viewer', 60, { id: BOOTSTRAP_ID, name: 'bootstrap token', role: 'admin' });
    const dump = JSON.stringify([db.prepare('SELECT * FROM api_tokens').all(), db.prepare('SELECT * FROM browser_sessions').all(), db.prepare('SELECT * FROM shares').all()]);
    for (const s of [secret, cookie, token]) expect(dump).not.toContain(s);
  });

  it('resolves browser logins as their principal is now: disabled users and deleted logins end', () => {
    const { identities, auth } = stores();
    const user = identities.createUser('alice', 'operator', 'x')!;
    const cookie = identities.createBrowserSession(`user:${user.id}`);
    const p = auth.fromCookie(cookie)!;
    expect(p).toMatchObject({ kind: 'user', name: 'alice', role: 'operator' });
    expect(auth.revalidate(p)).toBeUndefined();
    identities.updateUser(user.id, { role: 'viewer' });
    expect(auth.revalidate(p)).toBe('your role changed to viewer');
    identities.updateUser(user.id, { disabled: true });
    expect(auth.fromCookie(cookie)).toBeUndefined();
    expect(auth.revalidate(p)).toBe('your account was disabled');
    identities.updateUser(user.id, { disabled: false, role: 'operator' });
    identities.deleteBrowserSession(p.browserSessionId!);
    expect(auth.fromCookie(cookie)).toBeUndefined();
    expect(auth.revalidate(p)).toBe('you logged out or your login expired');
  });

  it('expires browser logins', () => {
    const { identities, auth } = stores();
    const cookie = identities.createBrowserSession(BOOTSTRAP_ID, -1);
    expect(auth.fromCookie(cookie)).toBeUndefined();
  });

  it('turns share tokens into principals for one session and role, until expiry or revocation', () => {
    const { db, shares, auth } = stores();
    const { share, token } = shares.create('b'.repeat(32), 'driver', 600, { id: BOOTSTRAP_ID, name: 'bootstrap token', role: 'admin' });
    const p = auth.fromSecret(token)!;
    expect(p.kind).toBe('share');
    expect(p.share).toMatchObject({ sessionId: 'b'.repeat(32), role: 'driver' });
    db.prepare('UPDATE shares SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), share.id);
    expect(auth.fromSecret(token)).toBeUndefined();
    expect(shares.byToken(token)).toEqual({ refused: 'expired' });
    expect(auth.revalidate(p)).toBe('the share link expired');
    const second = shares.create('b'.repeat(32), 'viewer', 600, { id: BOOTSTRAP_ID, name: 'bootstrap token', role: 'admin' });
    shares.revoke(second.share.id);
    expect(shares.byToken(second.token)).toEqual({ refused: 'revoked' });
  });

  it('admits no one through a share link once its maker is disabled, demoted or revoked', () => {
    const { db, identities, shares, auth } = stores();
    const user = identities.createUser('alice', 'admin', 'x')!;
    const alice = { id: `user:${user.id}`, name: 'alice', role: 'admin' as const };
    const { token } = shares.create('c'.repeat(32), 'viewer', 600, alice);
    const guest = auth.fromSecret(token)!;
    expect(guest.kind).toBe('share');
    identities.updateUser(user.id, { role: 'operator' });
    expect(auth.fromSecret(token)).toBeUndefined();
    expect(auth.shareByToken(token)).toEqual({ refused: 'revoked' });
    expect(auth.revalidate(guest)).toBe('the share link was revoked');
    identities.updateUser(user.id, { role: 'admin', disabled: true });
    expect(auth.fromSecret(token)).toBeUndefined();
    identities.updateUser(user.id, { disabled: false });
    expect(auth.fromSecret(token)?.kind).toBe('share');
    const { info } = identities.createToken('ci', 'operator', 'admin');
    const fromToken = shares.create('d'.repeat(32), 'driver', 600, { id: `token:${info.id}`, name: 'ci', role: 'operator' });
    expect(auth.fromSecret(fromToken.token)?.kind).toBe('share');
    identities.deleteToken(info.id);
    expect(auth.fromSecret(fromToken.token)).toBeUndefined();
    // Revoking everything a maker made; and links made before makers were recorded admit no one.
    expect(shares.revokeCreatedBy(alice.id)).toHaveLength(1);
    expect(auth.fromSecret(token)).toBeUndefined();
    const legacy = shares.create('e'.repeat(32), 'viewer', 600, alice);
    db.prepare('UPDATE shares SET created_by_id = NULL, created_by_role = NULL WHERE id = ?').run(legacy.share.id);
    expect(auth.fromSecret(legacy.token)).toBeUndefined();
  });

  it('logs bootstrap-token browsers out when the console starts with another token', () => {
    const { identities, auth } = stores();
    expect(identities.rotateBootstrap(BOOTSTRAP_ID, 'first-token-0123456789')).toBe(0);
    const cookie = identities.createBrowserSession(BOOTSTRAP_ID);
    expect(identities.rotateBootstrap(BOOTSTRAP_ID, 'first-token-0123456789')).toBe(0);
    expect(auth.fromCookie(cookie)).toBeDefined();
    expect(identities.rotateBootstrap(BOOTSTRAP_ID, 'second-token-0123456789')).toBe(1);
    expect(auth.fromCookie(cookie)).toBeUndefined();
  });
});

describe('LoginLimiter', () => {
  it('locks a user name after 5 failures and an address after 20, for the window', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ windowMs: 60_000, maxPerUser: 5, maxPerAddress: 20 }, () => now);
    for (let i = 0; i < 4; i++) limiter.failed('alice', '10.0.0.1');
    expect(limiter.retryAfter('alice', '10.0.0.1')).toBe(0);
    limiter.failed('alice', '10.0.0.1');
    expect(limiter.retryAfter('alice', '10.0.0.1')).toBe(60);
    // Another user from the same address may still try; the address has 5 of 20.
    expect(limiter.retryAfter('bob', '10.0.0.1')).toBe(0);
    now += 30_000;
    expect(limiter.retryAfter('alice', '10.0.0.9')).toBe(30);
    now += 30_001;
    expect(limiter.retryAfter('alice', '10.0.0.1')).toBe(0);
    for (let i = 0; i < 20; i++) limiter.failed(`user${i}`, '10.0.0.2');
    expect(limiter.retryAfter('someone-new', '10.0.0.2')).toBeGreaterThan(0);
    expect(limiter.retryAfter(undefined, '10.0.0.2')).toBeGreaterThan(0);
  });
});

describe('LiveConnections', () => {
  it('closes exactly the matching connections with 4003, and sweeps revalidated ones', () => {
    let revoked = new Set<string>();
    const live = new LiveConnections((p) => (revoked.has(p.id) ? 'gone' : undefined), 60_000);
    const closed: string[] = [];
    const alice = { kind: 'user' as const, id: 'user:a', name: 'alice', role: 'operator' as const };
    const bob = { kind: 'user' as const, id: 'user:b', name: 'bob', role: 'operator' as const };
    live.add(alice, (code, reason) => closed.push(`alice ${code} ${reason}`));
    const forgetBob = live.add(bob, (code) => closed.push(`bob ${code}`));
    expect(live.closeWhere((p) => p.id === 'user:a', 'logged out')).toBe(1);
    expect(closed).toEqual(['alice 4003 logged out']);
    forgetBob();
    live.add(bob, (code, reason) => closed.push(`bob2 ${code} ${reason}`));
    revoked = new Set(['user:b']);
    live.sweepNow();
    expect(closed).toEqual(['alice 4003 logged out', 'bob2 4003 gone']);
    expect(live.size).toBe(0);
    live.dispose();
  });
});

describe('request helpers', () => {
  it('parses bearer headers strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('reduces Host headers to a host name', () => {
    expect(hostName('LocalHost:8080')).toBe('localhost');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName(undefined)).toBeUndefined();
  });

  it('redacts tokens and share links from logged URLs', () => {
    expect(redactUrl('/?token=abc&x=1')).toBe('/?token=[redacted]&x=1');
    expect(redactUrl('/sessions/1?a=1&token=zzz')).toBe('/sessions/1?a=1&token=[redacted]');
    expect(redactUrl('/?share=s3cret')).toBe('/?share=[redacted]');
  });
});
