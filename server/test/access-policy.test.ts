import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSondeApiError } from '@sonde/client';
import type { TargetPolicy, TargetRequest } from '@sonde/shared';
import type { Caller } from './support/api-client.js';
import { DockerFixtures, containersWithLabels, docker, uniqueName, TEST_LABEL } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';
import { TerminalClient, openTerminal } from './support/terminal-client.js';

/**
 * Issue 10, points 6 and 11: the policy covers every target kind (containers, networks,
 * captures on networks, a container's processes, reverts), a network with a member the role may
 * not reach is off limits, and the console knows its own container by id whatever its labels say.
 */
describe('the policy covers every target kind', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();
  const networks: string[] = [];
  let operator: Caller;
  let plain: string;
  let shop: string;
  let guarded: string;
  let withConsole: string;
  let consoleStandIn: { id: string; name: string };

  async function network(labels: string[] = []): Promise<string> {
    const name = uniqueName('sonde-policy-net');
    await docker('network', 'create', '--label', TEST_LABEL, ...labels.flatMap((l) => ['--label', l]), name);
    networks.push(name);
    return name;
  }

  beforeAll(async () => {
    plain = await network();
    shop = await network(['com.docker.compose.project=shop']);
    guarded = await network();
    withConsole = await network();
    await fixtures.container({ network: plain });
    await fixtures.container({ network: guarded });
    await fixtures.container({ network: guarded, labels: ['sonde.deny=true'] });
    // A plain container plays the console's own: the console is told its id, as /proc would tell it.
    consoleStandIn = await fixtures.container({ network: withConsole });
    sonde = await startConsole({}, { consoleContainer: { id: consoleStandIn.id } });
    operator = await sonde.newToken('operator', 'policy-operator');
  });

  afterAll(async () => {
    await sonde?.close();
    if (sonde) expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
    await fixtures.dispose();
    for (const n of networks) await docker('network', 'rm', n).catch(() => undefined);
  });

  /**
   * Starts a session, a run or a capture on `target` as `who`, and ends it again at once: 201
   * (the status the tests' client holds creations to), or the refusal's status, code and sentence.
   */
  async function start(kind: 'sessions' | 'runs' | 'captures', who: Caller, target: TargetRequest): Promise<{ status: number; code?: string; message?: string }> {
    try {
      if (kind === 'sessions') await sonde.client.endSession((await who.client.createSession(target)).id);
      else if (kind === 'runs') await sonde.client.cancelRun((await who.client.createRun({ tool: 'ip-addr', target })).id);
      else await sonde.client.stopCapture((await who.client.createCapture({ target, interface: 'eth0', limits: { seconds: 5 } })).id);
      return { status: 201 };
    } catch (error) {
      if (!isSondeApiError(error)) throw error;
      return { status: error.status, code: error.code, message: error.message };
    }
  }

  async function setPolicy(change: (p: TargetPolicy) => void): Promise<() => Promise<void>> {
    const before = await sonde.client.policy();
    const next = structuredClone(before);
    change(next);
    await sonde.client.savePolicy(next);
    return async () => {
      await sonde.client.savePolicy(before);
    };
  }

  it('refuses networks with a sensitive member to operators, for sessions, runs and captures alike', async () => {
    for (const kind of ['sessions', 'runs', 'captures'] as const) {
      expect((await start(kind, operator, { kind: 'network', network: plain })).status, `${kind} on a plain network`).toBe(201);
      const denied = await start(kind, operator, { kind: 'network', network: guarded });
      expect(denied, kind).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      expect(denied.message).toMatch(/is labelled sonde.deny=true/);
      const console = await start(kind, operator, { kind: 'network', network: withConsole });
      expect(console, kind).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      expect(console.message).toMatch(/the Sonde console itself/);
      // Admins may, by default; the policy says so per role.
      expect((await start(kind, sonde, { kind: 'network', network: guarded })).status, `${kind} as admin`).toBe(201);
    }
    const restore = await setPolicy((p) => {
      p.operator.allowSensitiveNetworks = true;
    });
    try {
      expect((await start('sessions', operator, { kind: 'network', network: guarded })).status).toBe(201);
    } finally {
      await restore();
    }
  });

  it('applies Compose projects, name patterns and deny labels to network targets', async () => {
    let restore = await setPolicy((p) => {
      p.operator.composeProjects = ['shop'];
    });
    try {
      expect((await start('sessions', operator, { kind: 'network', network: shop })).status).toBe(201);
      expect(await start('sessions', operator, { kind: 'network', network: plain })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      expect(await start('captures', operator, { kind: 'network', network: plain })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    } finally {
      await restore();
    }
    restore = await setPolicy((p) => {
      p.operator.namePatterns = ['nothing-like-it-*'];
    });
    try {
      expect(await start('runs', operator, { kind: 'network', network: plain })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    } finally {
      await restore();
    }
    restore = await setPolicy((p) => {
      p.operator.denyLabels = ['com.docker.compose.project=shop'];
    });
    try {
      expect(await start('sessions', operator, { kind: 'network', network: shop })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
    } finally {
      await restore();
    }
  });

  it('makes a container\'s processes a policy switch per role (operators allowed by default)', async () => {
    const target = await fixtures.container();
    expect((await start('sessions', operator, { kind: 'container', container: target.name, sharePid: true })).status).toBe(201);
    const restore = await setPolicy((p) => {
      p.operator.allowSharePid = false;
    });
    try {
      const refused = await start('sessions', operator, { kind: 'container', container: target.name, sharePid: true });
      expect(refused).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      expect(refused.message).toMatch(/processes/);
      expect((await start('sessions', operator, { kind: 'container', container: target.name })).status).toBe(201);
    } finally {
      await restore();
    }
  });

  it('never targets the console\'s own container, found by id, for any role or kind', async () => {
    for (const who of [operator, sonde]) {
      for (const kind of ['sessions', 'runs', 'captures'] as const) {
        expect(await start(kind, who, { kind: 'container', container: consoleStandIn.id })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
        expect(await start(kind, who, { kind: 'container', container: consoleStandIn.name })).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      }
    }
    // Nor the peer side of a two-sided tool.
    const client = await fixtures.container({ network: withConsole });
    await expect(
      sonde.client.createRun({ tool: 'iperf3', target: { kind: 'container', container: client.name }, params: { server: consoleStandIn.name, seconds: 1 } }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('what a refused target showed stays out of reach: its sessions, recordings and changes', async () => {
    const target = await fixtures.container({ labels: ['tier=vault'] });
    const restore = await setPolicy((p) => {
      p.operator!.denyLabels = ['tier=vault'];
    });
    try {
      const { info, term } = await openTerminal(sonde, { kind: 'container', container: target.name });
      expect(await sonde.app.netstate.baselineTaken(info.id)).toBe(true);
      await term.run('echo vault-secret-$((6*7))');
      const [recording] = await sonde.client.recordings({ sessionId: info.id });
      expect(recording).toBeDefined();
      expect((await operator.client.sessions()).map((s) => s.id)).not.toContain(info.id);
      await expect(operator.client.session(info.id)).rejects.toMatchObject({ status: 404 });
      const watcher = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, operator.auth);
      expect((await watcher.waitClosed()).code).toBe(4004);
      expect(watcher.text()).not.toContain('vault-secret');
      expect((await operator.client.recordings()).map((r) => r.id)).not.toContain(recording!.id);
      await expect(operator.client.recordingCast(recording!.id)).rejects.toMatchObject({ status: 404 });
      // A change it left is the admin's to see, not the operator's.
      expect(await term.run('iptables -A INPUT -p tcp --dport 7 -j DROP && echo added')).toContain('added');
      term.send('exit\r');
      await term.waitClosed();
      await sonde.app.netstate.settled(info.id);
      const changes = (await sonde.client.netstateChanges()).filter((c) => c.sessionId === info.id);
      expect(changes).toHaveLength(1);
      expect((await operator.client.netstateChanges()).map((c) => c.id)).not.toContain(changes[0]!.id);
      await expect(operator.client.netstateChange(changes[0]!.id)).rejects.toMatchObject({ status: 404 });
      // Once the policy allows the target again, the operator may read what it showed.
      await restore();
      await expect(operator.client.recordingCast(recording!.id)).resolves.toEqual(expect.any(String));
    } finally {
      await restore();
    }
  });

  it('a revert writes into the target: the policy of the container it touches applies', async () => {
    const target = await fixtures.container({ labels: ['tier=db'] });
    const { info, term } = await openTerminal(sonde, { kind: 'container', container: target.name }, { as: operator });
    expect(await sonde.app.netstate.baselineTaken(info.id)).toBe(true);
    expect(await term.run('iptables -A INPUT -p tcp --dport 9 -j DROP && echo rule-added')).toContain('rule-added');
    term.send('exit\r');
    await term.waitClosed();
    await sonde.app.netstate.settled(info.id);
    const change = (await operator.client.netstateChanges()).find((c) => c.sessionId === info.id);
    if (!change) throw new Error(`no change recorded for session ${info.id}`);
    const restore = await setPolicy((p) => {
      p.operator!.denyLabels = ['tier=db'];
    });
    try {
      await expect(operator.client.revertNetstate(change.id)).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      expect((await sonde.client.netstateChange(change.id)).change.reverted).toBeUndefined();
      await sonde.client.revertNetstate(change.id);
    } finally {
      await restore();
    }
  });
});
