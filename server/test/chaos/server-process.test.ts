import { afterAll, describe, expect, it } from 'vitest';
import { DockerFixtures, containersWithLabels } from '../support/docker-fixtures.js';
import { SondeProcess } from '../support/sonde-process.js';
import { TerminalClient } from '../support/terminal-client.js';

/** The built server as a real process: killed outright, and stopped politely. */
describe('chaos: the server process dies or is stopped (real Docker)', () => {
  const fixtures = new DockerFixtures();
  const started: SondeProcess[] = [];

  afterAll(async () => {
    for (const s of started) await s.stop();
    await fixtures.dispose();
  });

  async function start(instance?: string): Promise<SondeProcess> {
    const sonde = await SondeProcess.start(instance ? { instance } : {});
    started.push(sonde);
    return sonde;
  }

  it('kill -9 with live sessions, then a restart with the same instance removes the orphans before it listens', async () => {
    const target = await fixtures.container();
    const first = await start();
    const quiet = await first.client.createSession({ kind: 'container', container: target.name });
    const busy = await first.client.createSession({ kind: 'host', engine: 'local' });
    const quietTerm = await TerminalClient.connect(`${first.wsUrl}${quiet.ttyPath}`, first.auth);
    await quietTerm.run('true');
    const busyTerm = await TerminalClient.connect(`${first.wsUrl}${busy.ttyPath}`, first.auth, { keepBytes: 64 * 1024 });
    busyTerm.send('yes\r');
    await busyTerm.waitForBytes(1024 * 1024, 20_000);

    first.signal('SIGKILL');
    expect((await first.waitExit()).signal).toBe('SIGKILL');
    // No close frame can come from a killed process: the sockets just drop.
    expect((await quietTerm.waitClosed()).code).toBe(1006);
    expect((await busyTerm.waitClosed()).code).toBe(1006);
    const orphans = await containersWithLabels('sonde.managed=true', `sonde.instance=${first.instance}`);
    // The sessions' toolboxes, and any network-state snapshot toolbox that was running.
    expect(orphans).toEqual(expect.arrayContaining([quiet.toolbox.containerId, busy.toolbox.containerId]));

    const second = await start(first.instance);
    expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${first.instance}`)).toEqual([]);
    const fresh = await second.client.createSession({ kind: 'container', container: target.name });
    const freshTerm = await TerminalClient.connect(`${second.wsUrl}${fresh.ttyPath}`, second.auth);
    expect(await freshTerm.run('echo $((6*7))')).toContain('42');
    await second.stop();
    expect(second.exit).toMatchObject({ code: 0 });
    expect(await containersWithLabels(`sonde.instance=${first.instance}`)).toEqual([]);
  });

  it('SIGTERM with live sessions: every client gets exit and close 4001, toolboxes are removed, the process exits 0', async () => {
    const network = await fixtures.network();
    const target = await fixtures.container({ network });
    const sonde = await start();
    const idle = await sonde.client.createSession({ kind: 'container', container: target.name });
    const flooding = await sonde.client.createSession({ kind: 'host', engine: 'local' });
    const unattached = await sonde.client.createSession({ kind: 'network', network });
    const idleTerm = await TerminalClient.connect(`${sonde.wsUrl}${idle.ttyPath}`, sonde.auth);
    await idleTerm.run('true');
    const floodTerm = await TerminalClient.connect(`${sonde.wsUrl}${flooding.ttyPath}`, sonde.auth, { keepBytes: 64 * 1024 });
    floodTerm.send('yes\r');
    await floodTerm.waitForBytes(1024 * 1024, 20_000);
    // The sessions' toolboxes (snapshot toolboxes of the network-state check come and go beside them).
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual(expect.arrayContaining([idle, flooding, unattached].map((s) => s.toolbox.containerId)));
    expect(unattached.state).toBe('running');

    sonde.signal('SIGTERM');
    for (const term of [idleTerm, floodTerm]) {
      const closed = await term.waitClosed(15_000);
      expect(closed.code).toBe(4001);
      expect(term.controlsOf('exit').at(-1)).toMatchObject({ code: -1, reason: 'the Sonde server is shutting down' });
    }
    // Exit code 0: it finished by itself, not through the 10 s forced exit (which exits 1).
    expect(await sonde.waitExit(15_000)).toMatchObject({ code: 0 });
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
  });
});
