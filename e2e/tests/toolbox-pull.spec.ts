import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startLocalRegistry, type LocalRegistry } from '../../server/test/support/local-registry.js';
import { ConsolePage } from '../pages/console-page.js';
import { docker } from '../support/docker.js';
import { fixtureLabel, instance, readFixtures, root } from '../support/environment.js';

/**
 * A configured toolbox image missing on the engine, in the browser: a console of its own (the
 * suite's has its image) pulls it from Debian's docker-registry on loopback, through a proxy
 * that paces the registry's answers to 1 MB/s so the pull takes long enough to watch:
 * "pulling <image> N%" above the page, a shell refused meanwhile with how far it is, then the
 * banner gone and a shell open in the pulled image. A reference the registry lacks shows why.
 * Nothing reaches a public registry.
 */
const fixtures = readFixtures();
const BYTES_PER_SECOND = 1024 * 1024;
const LAYER_BYTES = 12 * 1024 * 1024;
const token = 'e2e-pull-token-not-a-secret-0123456789';

/** The consoles' data and the registry: made in beforeAll (loading this file makes nothing). */
let work = '';
let registry: LocalRegistry | undefined;
const children: ChildProcess[] = [];
let proxy: net.Server | undefined;
let image = '';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return;
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

/** Forwards to `upstream`, pacing what comes back to BYTES_PER_SECOND. */
async function pacedProxy(upstream: number): Promise<number> {
  const port = await freePort();
  proxy = net.createServer((client) => {
    const server = net.connect(upstream, '127.0.0.1');
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      server.pause();
      client.write(chunk);
      setTimeout(() => server.resume(), (chunk.length / BYTES_PER_SECOND) * 1000);
    });
    server.on('end', () => client.end());
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
  });
  await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
  return port;
}

/** A console from the built server, on its own port and instance, pulling `toolboxImage`. */
async function startConsole(toolboxImage: string): Promise<string> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'server/dist/server.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SONDE_HOST: '127.0.0.1',
      SONDE_PORT: String(port),
      SONDE_TOKEN: token,
      SONDE_INSTANCE: `${instance}-pull-${randomBytes(3).toString('hex')}`,
      SONDE_TOOLBOX_IMAGE: toolboxImage,
      SONDE_DATA_DIR: mkdtempSync(path.join(work, 'data-')),
      SONDE_LOG_LEVEL: 'warn',
    },
  });
  children.push(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(`the console to listen (${output})`, async () => output.includes('Sonde is running at'));
  return `http://localhost:${port}`;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  work = mkdtempSync(path.join(tmpdir(), 'sonde-e2e-pull-'));
  registry = await startLocalRegistry();
  const proxyPort = await pacedProxy(Number(registry.host.split(':')[1]));
  const repository = `sonde-test/${instance}-pull-${randomBytes(4).toString('hex')}:1`;
  await registry.pushImageWithLayer(repository, LAYER_BYTES, fixtureLabel);
  // Pulled through the pacing proxy: the same registry under another address.
  image = `127.0.0.1:${proxyPort}/${repository}`;
});

test.afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  proxy?.close();
  await registry?.close();
  if (image) docker('rmi', '-f', image);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a missing toolbox image is pulled with its progress on screen; a shell waits for it, then opens in it', async ({ page }) => {
  test.setTimeout(150_000);
  const url = await startConsole(image);
  const sonde = new ConsolePage(page);
  await page.goto(`${url}/?token=${token}`);
  await expect(page).not.toHaveURL(/token=/);

  const banner = page.getByTestId('toolbox-image-status');
  await expect(banner).toHaveAttribute('data-state', 'pulling');
  // Some of the layer is in, not all of it: the pace makes the download take seconds.
  await expect(banner).toHaveText(new RegExp(`pulling ${image.replace(/[.]/g, '\\.')} ([1-9]|[1-9]\\d)%$`), { timeout: 30_000 });

  // A shell asked for meanwhile is refused, saying how far the pull is.
  await sonde.container(fixtures.web.name).click();
  await page.getByTestId('shell-net').click();
  await expect(page.getByTestId('error-banner')).toContainText(new RegExp(`The toolbox image ${image.replace(/[.]/g, '\\.')} is being pulled on engine local \\(\\d+%\\); try again when it is done\\.`));

  await expect(banner).toHaveCount(0, { timeout: 90_000 });
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  await terminal.run('wc -c < /blob');
  await terminal.waitForText(new RegExp(`^${LAYER_BYTES}\\s*$`, 'm'));
});

test('a reference the registry does not have: the banner says why', async ({ page }) => {
  test.setTimeout(90_000);
  const absent = image.replace(/:1$/, ':absent');
  const url = await startConsole(absent);
  await page.goto(`${url}/?token=${token}`);
  const banner = page.getByTestId('toolbox-image-status');
  await expect(banner).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(banner).toContainText(`Docker could not pull ${absent}: the registry has the repository but not this tag (Docker said: manifest for ${absent} not found: manifest unknown`);
});
