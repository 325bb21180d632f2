import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatedEmbed, CreatedShare, ErrorBody, NETSTATE_SECTIONS, NetstatePending, type NetstateSection } from '@sonde/shared';
import type { ToolboxSpec } from '../engine/types.js';
import { MARK_VARIABLE, parseSnapshot, type NetSnapshot } from '../netstate/netstate-snapshot.js';
import { eventReader } from '../testing/server-sent-events.js';
import { checked, HOOK_TIMEOUT_MS, POLL, ROUTE_TEST_TIMEOUT, startFakeConsole, type FakeConsole, type Headers } from '../testing/fake-console.js';

/**
 * "Changes left behind" through the real routes on the fake engine: the namespace probes are
 * toolboxes run to completion, scripted here to print what a real snapshot printed (the
 * fixtures of netstate/), so a session that changed the firewall is detected, shown to whom
 * may see it, and reverted with the restore commands the planner wrote. Against real
 * iptables, nft and tc: server/test/netstate.test.ts.
 */

const FIXTURE_MARK = '@@sonde-0123456789abcdef';
const fixture = (name: string): NetSnapshot => parseSnapshot(readFileSync(new URL(`../netstate/fixtures/${name}.txt`, import.meta.url), 'utf8'), FIXTURE_MARK, 'fixture');
const BASELINE = fixture('snapshot-baseline');
const CHANGED = fixture('snapshot-changed');

/** The restore command of each section, as the planner writes it. */
const RESTORES: Record<string, NetstateSection> = { 'iptables-restore': 'iptables', 'ip6tables-restore': 'ip6tables', nft: 'nft', tc: 'tc' };

/** A container's namespace as the probes see it: each section as it was at the start, or changed. */
class Namespace {
  readonly state = new Map<NetstateSection, NetSnapshot>(NETSTATE_SECTIONS.map((s) => [s, BASELINE]));
  readonly restored: { command: string; stdin: string }[] = [];

  change(): void {
    for (const section of NETSTATE_SECTIONS) this.state.set(section, CHANGED);
  }

  /** What SNAPSHOT_SCRIPT prints, framed with the marker the probe passed in its environment. */
  snapshot(env: readonly string[]): string {
    const mark = env.find((e) => e.startsWith(`${MARK_VARIABLE}=`))!.slice(MARK_VARIABLE.length + 1);
    return NETSTATE_SECTIONS.map((section) => {
      const capture = this.state.get(section)!.sections[section];
      if (!capture || capture.status === 'missing') return `${mark} missing ${section}\n`;
      const status = capture.status === 'ok' ? 0 : capture.exitCode;
      return `${mark} begin ${section}\n${capture.text}\n${mark} end ${section} ${status}\n`;
    }).join('');
  }

  restore(spec: ToolboxSpec, stdin: Buffer | undefined): void {
    const command = spec.entrypoint[0]!;
    this.restored.push({ command: spec.entrypoint.join(' '), stdin: stdin?.toString() ?? '' });
    this.state.set(RESTORES[command]!, BASELINE);
  }
}

describe('netstate routes', ROUTE_TEST_TIMEOUT, () => {
  let sonde: FakeConsole;
  let operator: Headers;
  const web = new Namespace();

  beforeAll(async () => {
    sonde = await startFakeConsole();
    sonde.engine.addContainer({ name: 'web' });
    // A session's snapshots are execs in its own toolbox; a revert's run in a toolbox of their own.
    sonde.engine.onExec((argv, _spec, env) => argv[0] === '/bin/sh' && env.some((e) => e.startsWith(`${MARK_VARIABLE}=`)), (_argv, _spec, env) => ({ exitCode: 0, stdout: web.snapshot(env) }));
    sonde.engine.onCompletion('sh', (spec) => ({ exitCode: 0, stdout: web.snapshot(spec.env) }));
    for (const command of Object.keys(RESTORES)) {
      sonde.engine.onCompletion(command, (spec, stdin) => {
        web.restore(spec, stdin);
        return { exitCode: 0 };
      });
    }
    operator = (await sonde.token('operator')).headers;
  }, HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await sonde?.close();
  }, HOOK_TIMEOUT_MS);

  it('detects what a session changed, shows it to whom may see it, and reverts it with the planned restores', async () => {
    const session = (await sonde.call('POST', '/api/sessions', operator, { target: { kind: 'container', container: 'web' } })).body;
    expect(await sonde.app.netstate.baselineTaken(session.id)).toBe(true);
    const term = await sonde.terminal(session.ttyPath, operator);
    term.send('iptables -A INPUT -p tcp --dport 9 -j DROP\r');
    web.change();
    term.send('exit\r');
    await term.waitClosed();
    await sonde.app.netstate.settled(session.id);

    const list = (await sonde.call('GET', '/api/netstate', operator)).body;
    expect(list).toHaveLength(1);
    const change = list[0];
    expect(change).toMatchObject({ sessionId: session.id, targetLabel: 'container web', revertible: true, sections: expect.arrayContaining([expect.objectContaining({ section: 'iptables', added: expect.any(Number) })]) });
    const detail = (await sonde.call('GET', `/api/netstate/${change.id}`, operator)).body;
    expect(detail.sections.find((s: { section: string }) => s.section === 'iptables').diff).toContain('+ -A INPUT -p tcp -m tcp --dport 9 -j DROP');
    // Viewers open nothing, so they see no changes either.
    const viewer = (await sonde.token('viewer')).headers;
    expect((await sonde.call('GET', '/api/netstate', viewer)).body).toEqual([]);
    expect((await sonde.call('GET', `/api/netstate/${change.id}`, viewer)).body.error.code).toBe('NETSTATE_NOT_FOUND');
    expect((await sonde.call('POST', `/api/netstate/${change.id}/revert`, viewer)).status).toBe(403);

    const reverted = await sonde.call('POST', `/api/netstate/${change.id}/revert`, operator);
    expect(reverted.status, JSON.stringify(reverted.body)).toBe(200);
    expect(reverted.body.reverted).toMatchObject({ matches: true, remaining: [], steps: expect.arrayContaining([expect.objectContaining({ section: 'iptables', ok: true })]) });
    // iptables-restore was fed the saved tables, and told to empty the filter table that appeared.
    const iptables = web.restored.find((r) => r.command === 'iptables-restore')!;
    expect(iptables.stdin).toContain('*nat');
    expect(iptables.stdin).toMatch(/\*filter\n:INPUT ACCEPT \[0:0\]\n:FORWARD ACCEPT \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\nCOMMIT/);
    // In the planner's order: iptables tables first, then what nft still shows different, then qdiscs.
    expect(web.restored.map((r) => r.command)).toEqual(['iptables-restore', 'ip6tables-restore', 'nft -f -', 'tc -force -batch -']);
    expect(sonde.engine.toolboxes().filter((t) => t.mode === 'completion')).toEqual([]);
  });

  it('a session nobody typed in is not compared at its end, and the host is never reverted', async () => {
    const quiet = (await sonde.call('POST', '/api/sessions', operator, { target: { kind: 'container', container: 'web' } })).body;
    await sonde.app.netstate.baselineTaken(quiet.id);
    const probes = sonde.engine.calls.filter((c) => c === 'runToCompletion').length;
    web.change();
    await sonde.call('DELETE', `/api/sessions/${quiet.id}`, operator);
    await sonde.app.netstate.settled(quiet.id);
    expect(sonde.engine.calls.filter((c) => c === 'runToCompletion').length).toBe(probes);
    expect((await sonde.call('GET', '/api/netstate', operator)).body).toHaveLength(1);

    // The host's firewall is Docker's to rewrite: a change there is shown, never put back.
    for (const section of NETSTATE_SECTIONS) web.state.set(section, BASELINE);
    const host = (await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'host' } })).body;
    await sonde.app.netstate.baselineTaken(host.id);
    const term = await sonde.terminal(host.ttyPath, sonde.admin);
    term.send('tc qdisc add dev eth0 root htb\r');
    web.change();
    term.send('exit\r');
    await term.waitClosed();
    await sonde.app.netstate.settled(host.id);
    const change = (await sonde.call('GET', '/api/netstate', sonde.admin)).body.find((c: { sessionId: string }) => c.sessionId === host.id);
    expect(change).toMatchObject({ targetLabel: 'host', revertible: false });
    expect((await sonde.call('GET', '/api/netstate', operator)).body.map((c: { id: string }) => c.id)).not.toContain(change.id);
    const refused = await sonde.call('POST', `/api/netstate/${change.id}/revert`, sonde.admin);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'NETSTATE_NOT_REVERTIBLE']);
  });

  it('"check now" is for whom may see the open session; its pending diff is told to them alone', async () => {
    for (const section of NETSTATE_SECTIONS) web.state.set(section, BASELINE);
    const session = (await sonde.call('POST', '/api/sessions', operator, { target: { kind: 'container', container: 'web' } })).body;
    await sonde.app.netstate.baselineTaken(session.id);
    const host = (await sonde.call('POST', '/api/sessions', sonde.admin, { target: { kind: 'host' } })).body;
    await sonde.app.netstate.baselineTaken(host.id);
    // Another operator the policy lets open the same container may watch the session, so check it.
    const colleague = (await sonde.token('operator')).headers;
    const viewer = (await sonde.token('viewer')).headers;
    const share = checked(CreatedShare, (await sonde.call('POST', `/api/sessions/${session.id}/shares`, operator, { role: 'driver', expiresInSeconds: 600 })).body);
    const embed = checked(CreatedEmbed, (await sonde.call('POST', '/api/embeds', operator, { scope: { kind: 'session', sessionId: session.id }, role: 'driver', expiresInSeconds: 600 })).body);
    const streams = new Map<string, ReturnType<typeof eventReader>>();
    for (const [who, headers] of [['operator', operator], ['colleague', colleague], ['viewer', viewer]] as const) {
      const reply = await sonde.app.inject({ url: '/api/events', headers, payloadAsStream: true });
      expect(reply.statusCode, who).toBe(200);
      streams.set(who, eventReader(reply.stream()));
    }
    const pendingOf = (who: string) => streams.get(who)!.events.filter((e) => e.event === 'netstate-pending').map((e) => checked(NetstatePending, e.data).sessionId);

    web.change();
    // The admin's host session first: were its diff told to an operator, it would come before theirs.
    expect((await sonde.call('POST', `/api/sessions/${host.id}/netstate-check`, sonde.admin)).status).toBe(200);
    for (const headers of [operator, colleague]) {
      const r = await sonde.call('POST', `/api/sessions/${session.id}/netstate-check`, headers);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(checked(NetstatePending, r.body).sections).toContainEqual(expect.objectContaining({ section: 'iptables', added: expect.any(Number) }));
    }
    const refusals: [Headers, string, number, string][] = [
      [viewer, session.id, 403, 'ROLE_REQUIRED'],
      // A share link or an embed of this very session watches it; it does not probe its namespace.
      [{ authorization: `Bearer ${share.token}` }, session.id, 403, 'FORBIDDEN'],
      [{ authorization: `Bearer ${embed.token}` }, session.id, 403, 'FORBIDDEN'],
      // A host session is not there for an operator, like one that does not exist.
      [operator, host.id, 404, 'SESSION_NOT_FOUND'],
      [operator, 'f'.repeat(32), 404, 'SESSION_NOT_FOUND'],
      [{}, session.id, 401, 'UNAUTHORIZED'],
    ];
    for (const [headers, id, status, code] of refusals) {
      const r = await sonde.call('POST', `/api/sessions/${id}/netstate-check`, headers);
      expect([r.status, checked(ErrorBody, r.body).error.code], `${JSON.stringify(headers)} ${id}`).toEqual([status, code]);
    }

    // Two checks of the container session reached both operators; none reached the viewer, and
    // the host session's reached no operator.
    await expect.poll(() => pendingOf('operator'), POLL).toEqual([session.id, session.id]);
    await expect.poll(() => pendingOf('colleague'), POLL).toEqual([session.id, session.id]);
    expect(pendingOf('viewer')).toEqual([]);
    await sonde.call('DELETE', `/api/sessions/${host.id}`, sonde.admin);
    await sonde.call('DELETE', `/api/sessions/${session.id}`, operator);
  });
});
