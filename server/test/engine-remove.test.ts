import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DockerEngine } from '../src/engine/docker-engine.js';
import { TEST_LABEL, TOOLBOX_IMAGE, docker, uniqueName } from './support/docker-fixtures.js';

const run = promisify(execFile);

/**
 * The engine seam's removal when Docker itself fails it: a file in the container's layer that
 * cannot be deleted (made immutable with chattr, as a busy or locked file would be) makes
 * Docker's removal fail with a 500 and leave the container dead. The seam tries again, so a
 * failure that passes does not leave a toolbox behind; one that lasts is still reported.
 */
describe('removing a container Docker failed to remove (real Docker)', () => {
  const engine = new DockerEngine({ name: 'local', ...(process.env.DOCKER_HOST ? { host: process.env.DOCKER_HOST } : {}) });
  const pinned: string[] = [];
  const created: string[] = [];

  afterEach(async () => {
    for (const file of pinned.splice(0)) await run('chattr', ['-i', file]).catch(() => undefined);
    for (const id of created.splice(0)) await docker('rm', '-f', id).catch(() => undefined);
  });

  /** A container whose layer holds an immutable file: Docker cannot remove it until the flag goes. */
  async function pinnedContainer(): Promise<{ id: string; file: string }> {
    const id = await docker('run', '-d', '--name', uniqueName('sonde-remove'), '--label', TEST_LABEL, TOOLBOX_IMAGE, 'sleep', '600');
    created.push(id);
    await docker('exec', id, 'sh', '-c', 'echo pinned > /pinned');
    const file = `${await docker('inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', id)}/pinned`;
    await run('chattr', ['+i', file]);
    pinned.push(file);
    return { id, file };
  }

  async function state(id: string): Promise<string | undefined> {
    return docker('inspect', '-f', '{{.State.Status}}', id).catch(() => undefined);
  }

  it('tries again after Docker failed it, so a failure that passes leaves nothing behind', async () => {
    const { id, file } = await pinnedContainer();
    const removal = engine.removeContainer(id);
    // Docker's first removal fails on the file and leaves the container dead; then the flag goes.
    const deadline = Date.now() + 10_000;
    while ((await state(id)) !== 'dead') {
      if (Date.now() > deadline) throw new Error(`the container never failed its removal: ${await state(id)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await run('chattr', ['-i', file]);
    await removal;
    expect(await state(id)).toBeUndefined();
  });

  it('reports a failure that lasts, after its tries', async () => {
    const { id, file } = await pinnedContainer();
    const started = Date.now();
    await expect(engine.removeContainer(id)).rejects.toMatchObject({ kind: 'failed', message: expect.stringContaining('Removing container') });
    // Two more tries, 0.5 and 1.5 s apart.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    await run('chattr', ['-i', file]);
    await engine.removeContainer(id);
    expect(await state(id)).toBeUndefined();
  });
});
