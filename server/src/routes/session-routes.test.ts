import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { SessionInfo } from '@sonde/shared';
import { FakeEngine } from '../engine/fake-engine.js';
import { checked, HOOK_TIMEOUT_MS, NO_DOCKER, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * Sessions and their terminal sockets, through the real routes on the fake engine: the life of
 * a session as a client sees it, who may type, share links, and the refusals. The same flows
 * against Docker are in server/test/sessions.test.ts and shared-sessions.test.ts.
 */
describe('session routes', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let operator: { principal: string; headers: Headers };

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addNetwork({ name: 'backend' });
    sonde.engine.addContainer({ name: 'web', networks: ['backend'] });
    operator = await sonde.token('operator');
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  async function open(target: object, headers = sonde.admin) {
    const created = await sonde.call('POST', '/api/sessions', headers, { target });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return checked(SessionInfo, created.body);
  }

  function ptyOf(toolboxId: string) {
    const toolbox = sonde.engine.toolboxes().find((t) => t.id === toolboxId);
    if (!toolbox?.pty) throw new Error(`no running toolbox ${toolboxId}`);
    return toolbox.pty;
  }

  it('create, attach, type, see the output, exit: the client gets the exit code and 4000, the toolbox is gone', async () => {
    // The unit tier never reaches Docker: the fake is the engine, DOCKER_HOST points nowhere, and
    // nothing here opens a socket (every console on the fake also checks that when it closes).
    expect(sonde.app.engines.all().map((h) => h.engine)).toEqual([sonde.engine]);
    expect(sonde.engine).toBeInstanceOf(FakeEngine);
    expect(sonde.config.engines.map((e) => (e.kind === 'docker' ? e.host : e.kind))).toEqual([NO_DOCKER]);
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    onTestFinished(() => connect.mockRestore());
    const session = await open({ kind: 'container', container: 'web' });
    const toolbox = sonde.engine.toolboxes().find((t) => t.id === session.toolbox.containerId)!;
    expect(toolbox.spec).toMatchObject({ placement: { kind: 'container', containerId: expect.stringMatching(/^[0-9a-f]{64}$/) }, labels: { 'sonde.session': session.id, 'sonde.instance': sonde.config.instance } });

    const term = await sonde.terminal(session.ttyPath, sonde.admin);
    expect(term.controls[0]).toMatchObject({ type: 'hello', session: session.id, offset: 0, resynced: false });
    await term.waitFor(/\$ $/);
    term.send('echo hello from the fake\r');
    await term.waitFor(/hello from the fake\r\n\$ $/);
    term.control({ type: 'resize', cols: 132, rows: 43 });
    await expect.poll(() => toolbox.pty!.sizes.at(-1), POLL).toEqual({ cols: 132, rows: 43 });
    term.send('exit 7\r');
    expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the shell exited' });
    expect(term.controlsOf('exit')).toEqual([{ type: 'exit', code: 7, reason: 'the shell exited' }]);
    const info = await sonde.call('GET', `/api/sessions/${session.id}`, sonde.admin);
    expect(info.body).toMatchObject({ state: 'exited', exitCode: 7, endReason: 'exited', clients: 0 });
    await expect.poll(() => toolbox.exists, POLL).toBe(false);
    expect(sonde.engine.calls).toEqual(expect.arrayContaining(['startIdleToolbox', 'openShell', 'removeContainer']));
    expect(connect).not.toHaveBeenCalled();
  });

  it('DELETE ends the session: attached clients get the exit message and 4000, the toolbox is removed before 204', async () => {
    const session = await open({ kind: 'container', container: 'web' });
    const term = await sonde.terminal(session.ttyPath, sonde.admin);
    const deleted = await sonde.call('DELETE', `/api/sessions/${session.id}`, sonde.admin);
    expect(deleted.status).toBe(204);
    expect(sonde.engine.toolboxes().map((t) => t.id)).not.toContain(session.toolbox.containerId);
    expect(await term.waitClosed()).toMatchObject({ code: 4000 });
    expect(term.controlsOf('exit')).toEqual([{ type: 'exit', code: -1, reason: 'the session was closed' }]);
    // Gone once, gone again: DELETE of an ended session is still 204; a new socket gets the last screen and the end.
    expect((await sonde.call('DELETE', `/api/sessions/${session.id}`, sonde.admin)).status).toBe(204);
    const late = await sonde.terminal(session.ttyPath, sonde.admin);
    expect((await late.waitClosed()).code).toBe(4000);
  });

  it('an unknown session closes its socket with 4004; malformed ids and missing credentials are refused before the upgrade', async () => {
    const ghost = await sonde.terminal(`/api/sessions/${'0'.repeat(32)}/tty`, sonde.admin);
    expect((await ghost.waitClosed()).code).toBe(4004);
    expect(ghost.controls).toEqual([{ type: 'error', code: 'SESSION_NOT_FOUND', message: expect.any(String) }]);
    await expect(sonde.terminal('/api/sessions/not-a-session/tty', sonde.admin)).rejects.toThrow('Unexpected server response: 400');
    await expect(sonde.terminal(`/api/sessions/${'0'.repeat(32)}/tty`, {})).rejects.toThrow('Unexpected server response: 401');
    expect((await sonde.call('GET', `/api/sessions/${'0'.repeat(32)}`, sonde.admin)).body.error.code).toBe('SESSION_NOT_FOUND');
    expect((await sonde.call('DELETE', `/api/sessions/${'0'.repeat(32)}`, sonde.admin)).status).toBe(404);
  });

  it('a second participant watches: their keystrokes never reach the shell until the owner hands them the keyboard', async () => {
    const session = await open({ kind: 'container', container: 'web' });
    const pty = ptyOf(session.toolbox.containerId);
    const owner = await sonde.terminal(session.ttyPath, sonde.admin);
    const watcher = await sonde.terminal(session.ttyPath, operator.headers);
    expect(await watcher.waitControl('presence', (p) => p.participants.length === 2)).toMatchObject({ you: operator.principal, role: 'viewer' });

    watcher.send('echo from the watcher\r');
    expect(await watcher.waitControl('notice', (n) => n.level === 'warning')).toMatchObject({ message: expect.stringContaining('You are watching') });
    owner.send('echo from the owner\r');
    await watcher.waitFor(/from the owner\r\n/);
    expect(pty.typed()).toBe('echo from the owner\r');

    owner.control({ type: 'set-role', participant: operator.principal, role: 'driver' });
    await watcher.waitControl('presence', (p) => p.role === 'driver');
    watcher.send('echo now I drive\r');
    await owner.waitFor(/now I drive\r\n/);
    // Only the owner (or an admin) hands the keyboard around.
    watcher.control({ type: 'set-role', participant: 'token:bootstrap', role: 'viewer' });
    expect(await watcher.waitControl('error')).toMatchObject({ code: 'FORBIDDEN' });
    expect(sonde.app.sessions.get(session.id)?.roleOf('token:bootstrap')).toBe('driver');
    await sonde.call('DELETE', `/api/sessions/${session.id}`, sonde.admin);
  });

  it('only the owner or an admin ends or shares a session; other operators get 403, viewers never see it', async () => {
    const mine = await open({ kind: 'container', container: 'web' }, operator.headers);
    const other = await sonde.token('operator');
    const viewer = await sonde.token('viewer');
    expect((await sonde.call('GET', `/api/sessions/${mine.id}`, other.headers)).status).toBe(200);
    for (const [method, url, payload] of [
      ['DELETE', `/api/sessions/${mine.id}`, undefined],
      ['POST', `/api/sessions/${mine.id}/shares`, { role: 'viewer', expiresInSeconds: 60 }],
      ['GET', `/api/sessions/${mine.id}/shares`, undefined],
    ] as const) {
      const r = await sonde.call(method, url, other.headers, payload);
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    }
    expect((await sonde.call('GET', '/api/sessions', viewer.headers)).body).toEqual([]);
    expect((await sonde.call('GET', `/api/sessions/${mine.id}`, viewer.headers)).status).toBe(403);
    await expect(sonde.terminal(mine.ttyPath, viewer.headers)).rejects.toThrow('403');
    expect((await sonde.call('DELETE', `/api/sessions/${mine.id}`, sonde.admin)).status).toBe(204);
  });

  it('share links: a viewer link watches, a driver link types, each reaches its own session only; revoking one closes its sockets with 4003', async () => {
    const session = await open({ kind: 'container', container: 'web' });
    const elsewhere = await open({ kind: 'container', container: 'web' });
    const pty = ptyOf(session.toolbox.containerId);
    const share = async (role: 'viewer' | 'driver') => {
      const r = await sonde.call('POST', `/api/sessions/${session.id}/shares`, sonde.admin, { role, expiresInSeconds: 600 });
      expect(r.status).toBe(201);
      expect(r.body.url).toMatch(/\/\?share=/);
      return { id: r.body.id as string, headers: { authorization: `Bearer ${r.body.token}` } };
    };
    const viewLink = await share('viewer');
    const driveLink = await share('driver');
    expect((await sonde.call('GET', `/api/sessions/${session.id}`, viewLink.headers)).status).toBe(200);
    expect((await sonde.call('GET', `/api/sessions/${elsewhere.id}`, viewLink.headers)).status).toBe(403);
    expect((await sonde.call('GET', '/api/containers', viewLink.headers)).status).toBe(403);
    await expect(sonde.terminal(elsewhere.ttyPath, driveLink.headers)).rejects.toThrow('403');

    const guest = await sonde.terminal(session.ttyPath, viewLink.headers);
    const driver = await sonde.terminal(session.ttyPath, driveLink.headers);
    guest.send('echo guest\r');
    driver.send('echo driver\r');
    await guest.waitFor(/driver\r\n/);
    expect(pty.typed()).toBe('echo driver\r');
    const listed = await sonde.call('GET', `/api/sessions/${session.id}/shares`, sonde.admin);
    expect(listed.body.map((s: { role: string; participants: number }) => [s.role, s.participants]).sort()).toEqual([['driver', 1], ['viewer', 1]]);

    expect((await sonde.call('DELETE', `/api/sessions/${session.id}/shares/${viewLink.id}`, sonde.admin)).status).toBe(204);
    expect((await guest.waitClosed()).code).toBe(4003);
    expect(guest.controlsOf('error')).toEqual([{ type: 'error', code: 'ACCESS_REVOKED', message: expect.stringContaining('revoked') }]);
    expect(driver.closed).toBeUndefined();
    const refused = await sonde.call('GET', `/api/sessions/${session.id}`, viewLink.headers);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'SHARE_REVOKED']);

    // Host sessions are never shared by link, and an ended session has nothing left to share.
    const host = await open({ kind: 'host' });
    expect((await sonde.call('POST', `/api/sessions/${host.id}/shares`, sonde.admin, { role: 'viewer', expiresInSeconds: 60 })).body.error.code).toBe('TARGET_NOT_ALLOWED');
    await sonde.call('DELETE', `/api/sessions/${elsewhere.id}`, sonde.admin);
    expect((await sonde.call('POST', `/api/sessions/${elsewhere.id}/shares`, sonde.admin, { role: 'viewer', expiresInSeconds: 60 })).status).toBe(410);
    for (const id of [session.id, host.id]) await sonde.call('DELETE', `/api/sessions/${id}`, sonde.admin);
  });

  it("a watcher the policy stops allowing loses the view within seconds (4003) and cannot come back; the admin owner's session goes on", async () => {
    const session = await open({ kind: 'container', container: 'web' });
    const watcher = await sonde.token('operator');
    const owner = await sonde.terminal(session.ttyPath, sonde.admin);
    const watching = await sonde.terminal(session.ttyPath, watcher.headers);
    await watching.waitControl('hello');
    const policy = (await sonde.call('GET', '/api/policy', sonde.admin)).body;
    const saved = await sonde.call('PUT', '/api/policy', sonde.admin, { ...policy, operator: { ...policy.operator, namePatterns: ['nothing-*'] } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    try {
      expect((await watching.waitClosed(6000)).code).toBe(4003);
      expect(watching.controlsOf('error')).toContainEqual(expect.objectContaining({ code: 'ACCESS_REVOKED', message: expect.stringMatching(/no longer see this session/) }));
      // Coming back is answered like a session that does not exist.
      const again = await sonde.terminal(session.ttyPath, watcher.headers);
      expect((await again.waitClosed()).code).toBe(4004);
      // The admin's rules did not change: their socket and session go on.
      expect(owner.closed).toBeUndefined();
      expect((await sonde.call('GET', `/api/sessions/${session.id}`, sonde.admin)).body.state).toBe('running');
    } finally {
      await sonde.call('PUT', '/api/policy', sonde.admin, policy);
      await sonde.call('DELETE', `/api/sessions/${session.id}`, sonde.admin);
    }
  });

  it('a reconnecting client gets only the output it has not seen', async () => {
    const session = await open({ kind: 'container', container: 'web' });
    const first = await sonde.terminal(session.ttyPath, sonde.admin);
    first.send('echo before\r');
    const seen = Buffer.byteLength(await first.waitFor(/before\r\n\$ $/));
    first.close();
    await first.waitClosed();
    ptyOf(session.toolbox.containerId).print('while away\r\n');
    const again = await sonde.terminal(`${session.ttyPath}?offset=${seen}`, sonde.admin);
    expect(again.controls[0]).toMatchObject({ type: 'hello', offset: seen, resynced: false });
    expect(await again.waitFor(/while away\r\n/)).toBe('while away\r\n');
    await sonde.call('DELETE', `/api/sessions/${session.id}`, sonde.admin);
  });

  it('a session into a container ends when the container stops', async () => {
    const db = sonde.engine.addContainer({ name: 'db' });
    const session = await open({ kind: 'container', container: 'db' });
    const term = await sonde.terminal(session.ttyPath, sonde.admin);
    sonde.engine.stopContainer(db.id);
    expect(await term.waitClosed()).toEqual({ code: 4000, reason: 'the target container stopped' });
    expect((await sonde.call('GET', `/api/sessions/${session.id}`, sonde.admin)).body).toMatchObject({ state: 'exited', endReason: 'target-stopped' });
    // A stopped container is no target.
    const refused = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', container: 'db' } });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'TARGET_NOT_RUNNING']);
  });

  it('refuses targets that do not exist, are ambiguous, or are Sonde\'s own, with their own codes and nothing started', async () => {
    // A toolbox to aim at: Sonde's own containers are never targets.
    const own = await open({ kind: 'host' });
    const starts = () => sonde.engine.calls.filter((c) => c === 'startToolbox').length;
    const before = starts();
    const tries: [object, number, string][] = [
      [{ kind: 'container', container: 'nope' }, 404, 'TARGET_NOT_FOUND'],
      [{ kind: 'network', network: 'nope' }, 404, 'TARGET_NOT_FOUND'],
      [{ kind: 'network', network: 'host' }, 400, 'INVALID_REQUEST'],
      [{ kind: 'container', container: own.toolbox.containerId }, 403, 'TARGET_NOT_ALLOWED'],
      [{ kind: 'pod', name: 'x' }, 400, 'INVALID_REQUEST'],
    ];
    for (const [target, status, code] of tries) {
      const r = await sonde.call('POST', '/api/sessions', sonde.admin, { target });
      expect([r.status, r.body.error.code], JSON.stringify(target)).toEqual([status, code]);
    }
    expect(starts()).toBe(before);
    await sonde.call('DELETE', `/api/sessions/${own.id}`, sonde.admin);
  });

  it('maps engine failures to stable codes and leaves nothing behind (image missing, a start that fails)', async () => {
    const inUse = sonde.app.admission.toolboxesInUse;
    const shells = sonde.engine.toolboxes().filter((t) => t.mode === 'tty').length;
    sonde.engine.removeImage(sonde.config.toolboxImage);
    const missing = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', container: 'web' } });
    expect([missing.status, missing.body.error.code]).toEqual([424, 'TOOLBOX_IMAGE_MISSING']);
    sonde.engine.addImage(sonde.config.toolboxImage);
    sonde.engine.failNext('start');
    const failed = await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'container', container: 'web' } });
    expect([failed.status, failed.body.error.code]).toEqual([502, 'DOCKER_ERROR']);
    expect(sonde.engine.toolboxes().filter((t) => t.mode === 'tty')).toHaveLength(shells);
    expect(sonde.app.admission.toolboxesInUse).toBe(inUse);
  });
});
