import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare, ParticipantRole, SessionInfo } from '@sonde/shared';
import { authCookie, type Caller } from './support/api-client.js';
import { DockerFixtures } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient, openTerminal } from './support/terminal-client.js';

/** Shared sessions: many clients on one shell, roles, hand-over, share links, presence. */
describe('shared sessions', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  let web: { id: string; name: string };

  beforeAll(async () => {
    sonde = await startConsole();
    web = await fixtures.container();
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  async function open(): Promise<{ info: SessionInfo; owner: TerminalClient }> {
    const { info, term: owner } = await openTerminal(sonde, { kind: 'container', container: web.name });
    await owner.run('true');
    return { info, owner };
  }

  /** A share link made by the owner, and the caller holding its token. */
  async function share(id: string, role: ParticipantRole): Promise<CreatedShare & Caller> {
    const link = await sonde.client.createShare(id, { role, expiresInSeconds: 600 });
    return { ...link, ...sonde.caller({ token: link.token }) };
  }

  const end = (id: string) => sonde.client.endSession(id);

  it('gives every client byte-identical output, and a late joiner what came before it', async () => {
    const { info, owner } = await open();
    const second = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    await owner.run('seq 1 3000 | sed s/^/line-/');
    await second.waitFor(/line-3000/);
    const late = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    await late.waitFor(/line-3000/);
    await owner.run('echo after-$((20+1))');
    await Promise.all([second.waitFor(/after-21/), late.waitFor(/after-21/)]);
    // Same offsets, same bytes: the late client's replay starts at offset 0 too.
    const settle = Math.max(owner.bytesReceived, second.bytesReceived, late.bytesReceived);
    await Promise.all([owner, second, late].map((c) => c.waitForBytes(settle)));
    expect(second.bytes().equals(owner.bytes())).toBe(true);
    expect(late.bytes().equals(owner.bytes())).toBe(true);
    for (const c of [owner, second, late]) c.close();
    await end(info.id);
  });

  it("never lets a viewer's input reach the shell, and disconnects a viewer who keeps typing (1008)", async () => {
    const { info, owner } = await open();
    const link = await share(info.id, 'viewer');
    expect(link.token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url
    // The URL is built from the Host the owner used.
    expect(link.url).toBe(`${sonde.baseUrl}/?share=${link.token}`);
    const sizeBefore = (await owner.run('stty size')).trim();
    const viewer = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, link.auth);
    await viewer.waitFor(/\$ |# /);
    viewer.send('touch /tmp/viewer-canary\r');
    viewer.resize(20, 5);
    await waitUntil(() => owner.controlsOf('notice').some((n) => n.message.endsWith('joined (watching).')));
    expect(await owner.run('ls /tmp/viewer-canary 2>&1')).toMatch(/No such file/);
    // The viewer's resize did not reach the pty: the size follows the driver.
    expect((await owner.run('stty size')).trim()).toBe(sizeBefore);
    expect(viewer.controlsOf('notice').map((n) => n.message).join('\n')).toMatch(/You are watching/);
    for (let i = 0; i < 25; i++) viewer.send('x');
    expect((await viewer.waitClosed(5000)).code).toBe(1008);
    expect(await owner.run('ls /tmp/viewer-canary 2>&1')).toMatch(/No such file/);
    const audit = sonde.app.audit.list({ sessionId: info.id }).map((e) => e.action);
    expect(audit).toContain('viewer-input-dropped');
    owner.close();
    await end(info.id);
  });

  it('hands the keyboard to a participant and takes it back; presence and notices follow', async () => {
    const { info, owner } = await open();
    const link = await share(info.id, 'viewer');
    const guest = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, link.auth);
    await guest.waitFor(/\$ |# /);
    const presence = () => owner.controlsOf('presence').at(-1)!;
    await waitUntil(() => presence().participants.length === 2);
    const guestId = presence().participants.find((p) => !p.owner)!.id;
    expect(presence().participants).toEqual([
      expect.objectContaining({ id: 'token:bootstrap', role: 'driver', owner: true }),
      expect.objectContaining({ id: guestId, role: 'viewer', owner: false, shareId: link.id }),
    ]);
    // A guest cannot promote itself.
    guest.sendRaw(JSON.stringify({ type: 'set-role', participant: guestId, role: 'driver' }), false);
    await waitUntil(() => guest.controlsOf('error').length > 0);
    // The owner hands the keyboard over...
    owner.sendRaw(JSON.stringify({ type: 'set-role', participant: guestId, role: 'driver' }), false);
    owner.sendRaw(JSON.stringify({ type: 'set-role', participant: 'token:bootstrap', role: 'viewer' }), false);
    await waitUntil(() => guest.controlsOf('presence').at(-1)?.role === 'driver');
    expect(guest.controlsOf('notice').map((n) => n.message)).toContain(`${presence().participants[1]!.name} can type now.`);
    expect(await guest.run('echo handed-$((1+1))')).toContain('handed-2');
    await owner.waitFor(/handed-2/);
    owner.send('touch /tmp/owner-while-viewer\r');
    // ...and takes it back.
    owner.sendRaw(JSON.stringify({ type: 'set-role', participant: 'token:bootstrap', role: 'driver' }), false);
    owner.sendRaw(JSON.stringify({ type: 'set-role', participant: guestId, role: 'viewer' }), false);
    await waitUntil(() => owner.controlsOf('presence').at(-1)?.role === 'driver');
    expect(await owner.run('ls /tmp/owner-while-viewer 2>&1')).toMatch(/No such file/);
    const audit = sonde.app.audit.list({ sessionId: info.id }).filter((e) => e.action === 'keyboard-given');
    expect(audit.length).toBe(4);
    guest.close();
    await waitUntil(() => owner.controlsOf('notice').some((n) => n.message.endsWith(' left.')));
    owner.close();
    await end(info.id);
  });

  it('a driver link can type from the start; revoking a link disconnects its participants (4003) at once', async () => {
    const { info, owner } = await open();
    const driver = await share(info.id, 'driver');
    const viewer = await share(info.id, 'viewer');
    const d = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, driver.auth);
    const v = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, viewer.auth);
    expect(await d.run('echo driver-$((3*3))')).toContain('driver-9');
    // Different links are different tokens; each is listed with who came through it.
    expect(driver.token).not.toBe(viewer.token);
    const list = await sonde.client.shares(info.id);
    expect(list.map((s) => s.participants)).toEqual([1, 1]);
    expect(JSON.stringify(list)).not.toContain(driver.token);

    const started = Date.now();
    await sonde.client.revokeShare(info.id, driver.id);
    expect((await d.waitClosed(5000)).code).toBe(4003);
    expect(Date.now() - started).toBeLessThan(3000);
    // The viewer's link still works; the revoked one gets 403 with the reason.
    await new Promise((r) => setTimeout(r, 500));
    expect(v.closed).toBeUndefined();
    await expect(driver.client.session(info.id)).rejects.toMatchObject({ status: 403, code: 'SHARE_REVOKED' });
    v.close();
    owner.close();
    await end(info.id);
  });

  it('enforces expiry: an expired link is refused with 403 and its sockets are closed by the sweep', async () => {
    const { info, owner } = await open();
    const link = await share(info.id, 'viewer');
    const v = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, link.auth);
    await v.waitFor(/\$ |# /);
    // Expiry is at least a minute; move it into the past instead of waiting.
    sonde.app.db.prepare('UPDATE shares SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), link.id);
    expect((await v.waitClosed(5000)).code).toBe(4003);
    await expect(link.client.session(info.id)).rejects.toMatchObject({ status: 403, code: 'SHARE_EXPIRED' });
    await expect(sonde.client.createShare(info.id, { role: 'viewer', expiresInSeconds: 5 })).rejects.toMatchObject({ status: 400 });
    owner.close();
    await end(info.id);
  });

  it('a browser opening the share URL gets a cookie for that session and the token leaves the address bar', async () => {
    const { info, owner } = await open();
    const link = await share(info.id, 'viewer');
    const r = await sonde.app.inject({ url: `/?share=${link.token}` });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe(`/sessions/${info.id}`);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    const cookie = authCookie(r.headers['set-cookie']);
    expect(cookie).not.toContain(link.token);
    const browser = sonde.caller({ cookie });
    expect(await browser.client.me()).toMatchObject({ kind: 'share', via: 'cookie', share: { sessionId: info.id, role: 'viewer' } });
    // The share's browser login opens that session only.
    await expect(browser.client.containers()).rejects.toMatchObject({ status: 403 });
    const v = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, browser.auth);
    await v.waitFor(/\$ |# /);
    await sonde.client.revokeShare(info.id, link.id);
    expect((await v.waitClosed(5000)).code).toBe(4003);
    // me() answers null for a 401: the cookie no longer logs anyone in.
    expect(await browser.client.me()).toBeNull();
    const revoked = await sonde.app.inject({ url: `/?share=${link.token}` });
    expect(revoked.headers.location).toBe('/?share-error=revoked');
    expect((await sonde.app.inject({ url: '/?share=not-a-real-token' })).headers.location).toBe('/?share-error=invalid');
    owner.close();
    await end(info.id);
  });

  it('reconnects to the same session without losing output produced while away', async () => {
    const { info, owner } = await open();
    const watcher = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, sonde.auth);
    await owner.run('true');
    const seen = watcher.bytesReceived;
    watcher.kill();
    await owner.run('seq 1 500 | sed s/^/away-/');
    const back = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}?offset=${seen}`, sonde.auth);
    await back.waitFor(/away-500/);
    const hello = back.controlsOf('hello')[0]!;
    expect(hello).toMatchObject({ offset: seen, resynced: false });
    // Together, what it had and what it got now is exactly what the owner saw.
    await back.waitForBytes(owner.bytesReceived - seen);
    // Both streams are live: the owner may not have the bytes the returning client got last (the prompt after the output) yet.
    await owner.waitForBytes(seen + back.bytesReceived);
    expect(Buffer.concat([owner.bytes().subarray(0, seen), back.bytes()]).equals(owner.bytes().subarray(0, seen + back.bytesReceived))).toBe(true);
    back.close();
    owner.close();
    await end(info.id);
  });

  it('only the owner or an admin may share or end a session; ended sessions cannot be shared', async () => {
    const other = await sonde.newToken('operator', 'other operator');
    const { info, owner } = await open();
    await expect(other.client.createShare(info.id, { role: 'viewer', expiresInSeconds: 600 })).rejects.toMatchObject({ status: 403 });
    await expect(other.client.endSession(info.id)).rejects.toMatchObject({ status: 403 });
    owner.close();
    await end(info.id);
    await expect(sonde.client.createShare(info.id, { role: 'viewer', expiresInSeconds: 600 })).rejects.toMatchObject({ status: 410, code: 'SESSION_ENDED' });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
