import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { NamespaceToolbox } from '../src/diagnosis/namespace-toolbox.js';
import { TARGET_IMAGE, TEST_LABEL, TOOLBOX_IMAGE, containersWithLabels, docker, uniqueName } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * The engine seam's exec against the real engine, in an idle toolbox like the doctor's: output
 * demultiplexed and bounded, exit codes, a time limit that kills the process (not only stops
 * waiting for it), and the labels that let the orphan reaper remove a toolbox a dead console left.
 */
describe('exec in an idle toolbox (real Docker)', () => {
  const engine = new DockerEngine({ name: 'local', ...(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {}) });
  let target: string;
  let toolbox: NamespaceToolbox;
  const instance = uniqueName('sonde-diagnosis-exec');

  beforeAll(async () => {
    target = uniqueName('sonde-diagnosis-exec-target');
    await docker('run', '-d', '--name', target, '--label', TEST_LABEL, TARGET_IMAGE);
    const id = await docker('inspect', '-f', '{{.Id}}', target);
    toolbox = await NamespaceToolbox.start(
      { kind: 'container', engine: 'local', containerId: id, containerName: target, sharePid: false },
      { engine, settings: { image: TOOLBOX_IMAGE, instance, limits: { memoryBytes: 256 * 1024 * 1024, pids: 128, nanoCpus: 1e9 } }, runId: randomBytes(16).toString('hex'), label: 'sonde.doctor', name: uniqueName('sonde-diagnosis-exec-toolbox'), lifetimeSeconds: 120 },
    );
  });

  afterAll(async () => {
    await toolbox?.remove();
    await docker('rm', '-f', target).catch(() => undefined);
  });

  it('separates stdout from stderr and returns the exit code', async () => {
    const done = await engine.exec(toolbox.id, ['ls', '/etc/hostname', '/nonexistent'], { timeoutMs: 5000, maxOutputBytes: 4096 });
    expect(done.stdout.toString()).toBe('/etc/hostname\n');
    expect(done.stderr.toString()).toContain("cannot access '/nonexistent'");
    expect(done).toMatchObject({ exitCode: 2, truncated: false, timedOut: false });
  });

  it('runs in the target namespace: it sees the target listening on 80', async () => {
    const done = await toolbox.run(['ss', '-ltn'], 5000);
    expect(done.stdout).toMatch(/\*:80\b/);
    expect(done.command).toBe('ss -ltn');
  });

  it('bounds the output it keeps', async () => {
    const done = await engine.exec(toolbox.id, ['head', '-c', '100000', '/dev/zero'], { timeoutMs: 5000, maxOutputBytes: 1000 });
    expect(done.stdout.length).toBe(1000);
    expect(done.truncated).toBe(true);
    expect(done.exitCode).toBe(0);
  });

  it('kills the command at its time limit', async () => {
    const done = await engine.exec(toolbox.id, ['sleep', '30'], { timeoutMs: 1000, maxOutputBytes: 1000 });
    expect(done.timedOut).toBe(true);
    expect(done.elapsedMs).toBeLessThan(5000);
    // Killed, not merely abandoned: no sleep 30 is left in the toolbox.
    const left = await engine.exec(toolbox.id, ['ps', '-eo', 'args'], { timeoutMs: 5000, maxOutputBytes: 4096 });
    expect(left.stdout.toString()).not.toContain('sleep 30');
  });

  it('refuses a toolbox that is gone', async () => {
    await expect(engine.exec('0'.repeat(64), ['true'], { timeoutMs: 1000, maxOutputBytes: 10 })).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('carries the labels the orphan reaper removes it by', async () => {
    let sonde: TestConsole | undefined;
    try {
      // A console with this instance label finds the toolbox nobody owns any more.
      sonde = await startConsole({ SONDE_INSTANCE: instance });
      expect(await containersWithLabels('sonde.managed=true', `sonde.instance=${instance}`, 'sonde.doctor')).toEqual([toolbox.id]);
      expect(await sonde.app.reaper.reap()).toBe(1);
      expect(await containersWithLabels(`sonde.instance=${instance}`)).toEqual([]);
    } finally {
      await sonde?.close();
    }
  });
});
