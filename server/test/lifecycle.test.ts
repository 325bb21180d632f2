import { afterAll, describe, expect, it } from 'vitest';
import { DockerFixtures, TARGET_IMAGE, TEST_LABEL, containersWithLabels, docker } from './support/docker-fixtures.js';
import { startConsole } from './support/test-console.js';
import { openTerminal } from './support/terminal-client.js';

describe('toolbox lifecycle (real Docker)', () => {
  const fixtures = new DockerFixtures();
  afterAll(() => fixtures.dispose());

  it('removes toolboxes a killed console left behind, and only its own', async () => {
    const probe = await startConsole();
    const instance = probe.instance;
    await probe.close();
    const labels = ['--label', 'sonde.managed=true', '--label', `sonde.instance=${instance}`, '--label', TEST_LABEL];
    const orphan = await docker('run', '-d', ...labels, TARGET_IMAGE, 'sleep', '600');
    const foreign = await docker('run', '-d', '--label', 'sonde.managed=true', '--label', 'sonde.instance=someone-else', '--label', TEST_LABEL, TARGET_IMAGE, 'sleep', '600');
    try {
      const restarted = await startConsole({ SONDE_INSTANCE: instance });
      expect(await restarted.app.reaper.reap()).toBe(1);
      expect(await containersWithLabels(`sonde.instance=${instance}`)).toEqual([]);
      expect(await containersWithLabels('sonde.instance=someone-else')).toEqual([foreign]);
      await restarted.close();
    } finally {
      await docker('rm', '-f', orphan, foreign).catch(() => undefined);
    }
  });

  it('works with a toolbox image that has only sh (busybox), like any netshoot-like image', async () => {
    const sonde = await startConsole({ SONDE_TOOLBOX_IMAGE: TARGET_IMAGE });
    try {
      const target = await fixtures.container();
      const { term } = await openTerminal(sonde, { kind: 'container', container: target.name });
      expect(await term.run('echo $((40+2))')).toContain('42');
      term.close();
    } finally {
      await sonde.close();
    }
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
  });

  it('ends a session nobody attaches to after the grace period, removing its toolbox', async () => {
    const sonde = await startConsole({ SONDE_DETACHED_GRACE_SECONDS: '1' });
    try {
      const { info, term } = await openTerminal(sonde, { kind: 'host', engine: 'local' });
      const { id } = info;
      await term.run('true');
      term.close();
      await expect.poll(() => containersWithLabels(`sonde.session=${id}`), { timeout: 15_000 }).toEqual([]);
      expect(await sonde.client.session(id)).toMatchObject({ state: 'exited', endReason: 'abandoned' });
    } finally {
      await sonde.close();
    }
  });
});
