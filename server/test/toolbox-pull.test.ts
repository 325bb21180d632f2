import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineList } from '@sonde/shared';
import { Value } from 'typebox/value';
import { DockerFixtures, TEST_LABEL, docker, uniqueName } from './support/docker-fixtures.js';
import { startLocalRegistry, type LocalRegistry } from './support/local-registry.js';
import { openTerminal } from './support/terminal-client.js';
import { startConsole, type TestConsole } from './support/test-console.js';

/**
 * A configured toolbox image missing on the real engine, pulled from a real registry: Debian's
 * docker-registry (scripts/provision.sh installs it) on 127.0.0.1 with a free port and a temp
 * store, which Docker talks plain HTTP to (it treats 127.0.0.0/8 registries as insecure). Nothing
 * here reaches a public registry. The image is the busybox test target plus a layer of random
 * bytes, so the pull has a layer to download and extract, and progress to report.
 */
describe('toolbox image pull (real Docker, local registry)', () => {
  const fixtures = new DockerFixtures();
  const consoles: TestConsole[] = [];
  let registry: LocalRegistry | undefined;
  let image = '';

  beforeAll(async () => {
    registry = await startLocalRegistry();
    // An image with a layer no engine has: the target image plus 8 MB of random bytes.
    image = await registry.pushImageWithLayer(`sonde-test/${uniqueName('image-pull')}:1`, 8 * 1024 * 1024, TEST_LABEL);
    expect(await docker('images', '-q', image)).toBe('');
  });

  afterAll(async () => {
    for (const c of consoles) await c.close().catch(() => undefined);
    await fixtures.dispose();
    if (image) await docker('rmi', '-f', image).catch(() => undefined);
    await registry?.close();
  });

  async function consoleWith(toolboxImage: string, lines: string[]): Promise<TestConsole> {
    const sonde = await startConsole({ SONDE_TOOLBOX_IMAGE: toolboxImage, SONDE_TOOLBOX_PULL: 'missing' }, { print: (line) => lines.push(line) });
    consoles.push(sonde);
    return sonde;
  }

  it('pulls the missing image once at start, with progress in the terminal and on GET /api/engines; a session then opens in it', async () => {
    const lines: string[] = [];
    const sonde = await consoleWith(image, lines);
    const seen: number[] = [];
    sonde.app.toolboxImages.onChange((event) => event.percent !== undefined && seen.push(event.percent));
    await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, { timeout: 60_000, interval: 100 }).toBe('present');
    expect(await docker('images', '-q', image)).not.toBe('');

    // The terminal: the start, the progress in 10% steps (the layer's download, then its extraction), the end.
    expect(lines[0]).toBe(`toolbox image ${image} is missing on engine local; pulling it`);
    expect(lines[1]).toBe(`pulling ${image} on local: 0%`);
    const percents = lines.slice(2, -1).map((l) => Number(new RegExp(`^pulling ${image.replace(/[.]/g, '\\.')} on local: (\\d+)%$`).exec(l)?.[1]));
    expect(percents.length, lines.join('\n')).toBeGreaterThan(0);
    expect(percents.every((p) => p > 0 && p < 100)).toBe(true);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(lines.at(-1)).toMatch(/^pulled .* on local: 100% \(\d+\.\d s\)$/);

    const viewer = await sonde.newToken('viewer');
    const listed = await fetch(`${sonde.baseUrl}/api/engines`, { headers: viewer.auth });
    const engines: unknown = await listed.json();
    if (!Value.Check(EngineList, engines)) throw new Error(`GET /api/engines does not match its schema: ${JSON.stringify(engines)}`);
    expect(engines[0]!.toolboxImage).toEqual({ image, state: 'present' });
    expect((await fetch(`${sonde.baseUrl}/api/engines`)).status).toBe(401);

    const target = await fixtures.container();
    const { info, term } = await openTerminal(sonde, { kind: 'container', container: target.name });
    expect(await term.run('echo $((40+2)); ls -l /blob')).toMatch(/42[\s\S]*8388608/);
    expect(await docker('inspect', '-f', '{{.Config.Image}}', info.toolbox.containerId)).toBe(image);
    term.close();
  });

  it('a reference the registry does not have fails with a sentence saying why, in the terminal, the engine list and a start', async () => {
    const absent = `${registry!.host}/sonde-test/${uniqueName('image-pull-absent')}:1`;
    const lines: string[] = [];
    const sonde = await consoleWith(absent, lines);
    await expect.poll(() => sonde.app.toolboxImages.status('local')?.state, { timeout: 60_000, interval: 100 }).toBe('failed');
    const error = sonde.app.toolboxImages.status('local')?.error ?? '';
    expect(error).toMatch(new RegExp(`^Docker could not pull ${absent.replace(/[.]/g, '\\.')}: the registry has the repository but not this tag \\(Docker said: manifest for .* not found: manifest unknown`));
    expect(lines.at(-1)).toBe(`pulling ${absent} on local failed: ${error}`);

    const target = await fixtures.container();
    const refused = await sonde.client.createSession({ kind: 'container', container: target.name }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ status: 424, code: 'TOOLBOX_IMAGE_MISSING', message: `The toolbox image ${absent} is not on engine local: ${error} Sonde pulls it again on a start 30 s after that failure; or set SONDE_TOOLBOX_IMAGE to an image the engine can get.` });
    expect(await docker('ps', '-aq', '--filter', `label=sonde.instance=${sonde.instance}`)).toBe('');
  });
});
