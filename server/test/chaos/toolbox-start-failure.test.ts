import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetRequest } from '@sonde/shared';
import { DockerFixtures, TEST_LABEL, containersWithLabels, docker, uniqueName } from '../support/docker-fixtures.js';
import { openTerminal } from '../support/terminal-client.js';
import { startConsole, type TestConsole } from '../support/test-console.js';

const run = promisify(execFile);

/** Imports a one-file image: `files` maps names at the image root to their contents. */
async function importImage(tag: string, files: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sonde-test-image-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
    await run('bash', ['-o', 'pipefail', '-c', `tar -C "$1" -c . | docker import --change "LABEL ${TEST_LABEL}" - "$2"`, 'import', dir, tag]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Toolbox images that cannot work: Docker creates the container, then starting it fails. */
describe('chaos: a toolbox that cannot start (real Docker)', () => {
  const fixtures = new DockerFixtures();
  // `/sbin` is a file, so Docker cannot mount its init at /sbin/docker-init: start fails after create.
  const unstartable = `${uniqueName('sonde-test-unstartable')}:latest`;
  // No /bin/sh: the container starts, its init cannot exec the idle shell and exits at once.
  const shellless = `${uniqueName('sonde-test-shellless')}:latest`;
  const consoles: TestConsole[] = [];

  beforeAll(async () => {
    await importImage(unstartable, { sbin: 'not a directory\n' });
    await importImage(shellless, { hello: 'no shell here\n' });
  });

  afterAll(async () => {
    for (const c of consoles) await c.close();
    await fixtures.dispose();
    await docker('rmi', '-f', unstartable, shellless).catch(() => undefined);
  });

  async function consoleWith(image: string): Promise<TestConsole> {
    const sonde = await startConsole({ SONDE_TOOLBOX_IMAGE: image });
    consoles.push(sonde);
    return sonde;
  }

  it('create succeeds, start fails: 502 with Docker\'s reason, and no container is left', async () => {
    const sonde = await consoleWith(unstartable);
    const target = await fixtures.container();
    for (const request of [{ kind: 'container', container: target.name }, { kind: 'host', engine: 'local' }] satisfies TargetRequest[]) {
      await expect(sonde.client.createSession(request)).rejects.toMatchObject({
        status: 502,
        code: 'DOCKER_ERROR',
        message: expect.stringMatching(/docker-init|not a directory/),
      });
    }
    expect(await containersWithLabels(`sonde.instance=${sonde.instance}`)).toEqual([]);
    expect(await docker('ps', '-aq', '--filter', `ancestor=${unstartable}`)).toBe('');
    expect(await sonde.client.sessions()).toEqual([]);
    expect((await sonde.client.health()).status).toBe('ok');
  });

  it('a toolbox that cannot even idle (no /bin/sh): refused or ended saying so, and no container is left', async () => {
    const sonde = await consoleWith(shellless);
    const sentence = /stopped as soon as it started: its image .* needs \/bin\/sh/;
    // Docker decides which way this goes. Stopped before the shell's exec was created (409) or
    // between its create and start (Docker then forgets the exec: 404), the create is refused.
    // Started while the toolbox's init was still failing, the exec fails inside its stream: the
    // session then ends at once, and its end says the same. Three tries, as each is a coin toss.
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await openTerminal(sonde, { kind: 'host', engine: 'local' }).then(
        async ({ term }) => {
          await term.waitClosed();
          return { ended: term.controlsOf('exit').at(-1) };
        },
        (error: unknown) => ({ refused: error }),
      );
      if ('refused' in outcome) expect(outcome.refused).toMatchObject({ status: 502, code: 'DOCKER_ERROR', message: expect.stringMatching(sentence) });
      else expect(outcome.ended).toMatchObject({ type: 'exit', code: expect.any(Number), reason: expect.stringMatching(sentence) });
      await expect.poll(() => containersWithLabels(`sonde.instance=${sonde.instance}`), { timeout: 15_000 }).toEqual([]);
      await expect.poll(() => docker('ps', '-aq', '--filter', `ancestor=${shellless}`), { timeout: 15_000 }).toBe('');
      await expect.poll(async () => (await sonde.client.sessions()).filter((s) => s.state === 'running'), { timeout: 15_000 }).toEqual([]);
    }
  });
});
