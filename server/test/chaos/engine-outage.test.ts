import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetRequest } from '@sonde/shared';
import { TARGET_IMAGE } from '../support/docker-fixtures.js';
import { SecondDockerd } from '../support/second-dockerd.js';
import { startConsole, type TestConsole } from '../support/test-console.js';
import { openTerminal } from '../support/terminal-client.js';

/**
 * Docker goes away and comes back. The engine is a second dockerd this test starts on its own
 * socket and directories, so the host engine is never touched.
 */
describe('chaos: Docker unreachable, then back (second dockerd)', () => {
  let engine: SecondDockerd;
  let sonde: TestConsole;

  beforeAll(async () => {
    engine = await SecondDockerd.start();
    await engine.loadImage(TARGET_IMAGE);
    // busybox has sh, which is all a toolbox needs.
    sonde = await startConsole({ DOCKER_HOST: engine.host, SONDE_TOOLBOX_IMAGE: TARGET_IMAGE });
  });

  afterAll(async () => {
    await sonde?.close();
    await engine?.dispose();
  });

  const health = () => sonde.client.health();
  const toolboxes = async (): Promise<string[]> => {
    const out = await engine.docker('ps', '-aq', '--no-trunc', '--filter', `label=sonde.instance=${sonde.instance}`);
    return out ? out.split('\n') : [];
  };

  const open = (target: TargetRequest) => openTerminal(sonde, target);

  it('health goes degraded, open sessions end with a clear reason, and all recovers without restarting Sonde', async () => {
    await expect.poll(async () => (await health()).status, { timeout: 15_000 }).toBe('ok');
    await engine.docker('run', '-d', '--name', 'outage-target', TARGET_IMAGE, 'sleep', '3600');
    const inContainer = await open({ kind: 'container', container: 'outage-target' });
    const onHost = await open({ kind: 'host', engine: 'local' });
    expect(await inContainer.term.run('echo $((6*7))')).toContain('42');
    expect(await onHost.term.run('echo $((6*7))')).toContain('42');

    await engine.kill();

    for (const { term } of [inContainer, onHost]) {
      const closed = await term.waitClosed(20_000);
      expect(closed.code).toBe(4000);
      expect(term.controlsOf('exit').at(-1)).toMatchObject({ code: -1, reason: 'the connection to Docker was lost' });
    }
    expect(await health()).toMatchObject({ status: 'degraded', docker: { reachable: false }, engines: [{ name: 'local', reachable: false }] });
    await expect(sonde.client.createSession({ kind: 'host', engine: 'local' })).rejects.toMatchObject({ status: 503, code: 'DOCKER_UNREACHABLE' });
    const listed = await sonde.client.sessions();
    expect(listed.map((s) => [s.state, s.endReason])).toEqual([
      ['exited', 'engine-lost'],
      ['exited', 'engine-lost'],
    ]);

    await engine.launch();
    await expect.poll(async () => (await health()).status, { timeout: 20_000 }).toBe('ok');
    // Toolboxes that could not be removed while Docker was away are removed once it is back.
    await expect.poll(toolboxes, { timeout: 15_000 }).toEqual([]);

    await engine.docker('start', 'outage-target');
    const again = await open({ kind: 'container', container: 'outage-target' });
    expect(await again.term.run('echo $((6*7))')).toContain('42');
    again.term.close();
    await sonde.client.endSession(again.info.id);
    // The session's toolbox is gone when DELETE answers; the network-state check's final
    // snapshot toolbox (someone typed) finishes by itself moments later.
    expect(await toolboxes()).not.toContain(again.info.toolbox.containerId);
    await expect.poll(toolboxes, { timeout: 15_000 }).toEqual([]);
  });
});
