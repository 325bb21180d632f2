import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from './support/api-client.js';
import { DockerFixtures, TOOLBOX_IMAGE, containersWithLabels, docker, waitForNoContainers } from './support/docker-fixtures.js';
import { startLocalRegistry, type LocalRegistry } from './support/local-registry.js';
import { openTerminal, type ConsoleEndpoint } from './support/terminal-client.js';
import { SERVER_ENTRY, ensureServerBuilt } from './support/sonde-process.js';

/**
 * The README's first command on a machine as a new user has it: `npm start` run by an ordinary
 * user (uid 65534, in the group of Docker's socket, nothing else) whose Docker pulls from a
 * registry, with no toolbox image yet. scripts/start.mjs must build toolbox/Dockerfile from
 * that registry (root takes the debootstrap path instead) and start a console whose shells run
 * in the image it built, with its state under the user's home, not the working directory.
 *
 * The registry is Debian's docker-registry on loopback (support/local-registry.ts). Its
 * `debian:bookworm-slim` is the toolbox with its apt sources removed and a marker file added,
 * so the Dockerfile's `apt-get install` finds every package installed and nothing leaves the
 * machine; the marker in the shell proves the base came from the registry.
 */

const USER_ID = 65534;
const root = path.resolve(path.dirname(SERVER_ENTRY), '../..');

/** The group that may use Docker's socket, unless Docker is reached over TCP. */
function dockerGroup(): number | undefined {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return undefined;
  return statSync(host ? host.slice('unix://'.length) : '/var/run/docker.sock').gid;
}

/** `argv` run as the ordinary user: its own uid and gid, the socket's group, no capabilities. */
function asUser(argv: string[]): string[] {
  const group = dockerGroup();
  return ['setpriv', `--reuid=${USER_ID}`, `--regid=${USER_ID}`, group === undefined ? '--clear-groups' : `--groups=${group}`, '--inh-caps=-all', ...argv];
}

/**
 * The checkout as the user may read it: in place when every directory up to it lets others in,
 * else a copy (hard links where the file system allows) in a temporary directory that does.
 */
function readableCheckout(scratch: string): string {
  const [command, ...args] = asUser(['test', '-r', path.join(root, 'scripts/start.mjs')]);
  try {
    execFileSync(command!, args);
    return root;
  } catch {
    const copy = path.join(scratch, 'checkout');
    try {
      execFileSync('cp', ['-al', root, copy]);
    } catch {
      rmSync(copy, { recursive: true, force: true });
      execFileSync('cp', ['-a', root, copy]);
    }
    return copy;
  }
}

describe('first run: npm start as an ordinary user, with a registry', () => {
  const fixtures = new DockerFixtures();
  const instance = `first-run-${randomBytes(4).toString('hex')}`;
  const image = `sonde-toolbox:${instance}`;
  const marker = randomBytes(8).toString('hex');
  const token = randomBytes(18).toString('base64url');
  let scratch = '';
  let home = '';
  let registry: LocalRegistry | undefined;
  let base = '';
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<number | null> | undefined;

  beforeAll(async () => {
    ensureServerBuilt();
    scratch = mkdtempSync(path.join(tmpdir(), 'sonde-first-run-'));
    chmodSync(scratch, 0o755);
    home = path.join(scratch, 'home');
    execFileSync('install', ['-d', '-o', String(USER_ID), '-g', String(USER_ID), '-m', '0700', home]);
    registry = await startLocalRegistry();
    base = `${registry.host}/debian:bookworm-slim`;
    const context = path.join(scratch, 'base');
    execFileSync('install', ['-d', context]);
    writeFileSync(
      path.join(context, 'Dockerfile'),
      `FROM ${TOOLBOX_IMAGE}\nRUN rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo ${marker} > /etc/sonde-first-run-base\n`,
    );
    await docker('build', '-q', '--label', 'sonde.test=true', '-t', base, context);
    await docker('push', base);
    // Gone from the engine: the build can only have it from the registry.
    await docker('rmi', base);
  }, 300_000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await fixtures.dispose();
    const left = await containersWithLabels(`sonde.instance=${instance}`);
    if (left.length) await docker('rm', '-f', ...left).catch(() => undefined);
    for (const reference of [image, base]) if (reference) await docker('rmi', '-f', reference).catch(() => undefined);
    await registry?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('builds toolbox/Dockerfile from the registry, then serves shells in that image, state under the home directory', async () => {
    const checkout = readableCheckout(scratch);
    const argv = asUser(['npm', 'start']);
    child = spawn(argv[0]!, argv.slice(1), {
      cwd: checkout,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        USER: 'nobody',
        // npm as this user: its cache and logs in the home, and no call to the npm registry.
        npm_config_cache: path.join(home, '.npm'),
        npm_config_update_notifier: 'false',
        npm_config_fund: 'false',
        SONDE_HOST: '127.0.0.1',
        SONDE_PORT: '0',
        SONDE_TOKEN: token,
        SONDE_INSTANCE: instance,
        SONDE_TOOLBOX_IMAGE: image,
        SONDE_TOOLBOX_BASE_IMAGE: base,
        SONDE_TOOLBOX_PULL: 'never',
        SONDE_LOG_LEVEL: 'warn',
        ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      },
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const running = child;
    exited = new Promise((resolve) => running.once('exit', (code) => resolve(code)));

    let port = 0;
    for (const deadline = Date.now() + 240_000; !port; await new Promise((r) => setTimeout(r, 100))) {
      port = Number(/Sonde is running at http:\/\/[^:]+:(\d+)\//.exec(output)?.[1] ?? 0);
      if (port) break;
      if (running.exitCode !== null || Date.now() > deadline) throw new Error(`no console (${running.exitCode === null ? 'not listening after 240 s' : `exited ${running.exitCode}`}):\n${output}`);
    }
    expect(output).toContain(`toolbox image ${image} is missing; building it from toolbox/Dockerfile (docker build), once`);
    expect(output).not.toContain('debootstrap');
    const built = JSON.parse(await docker('image', 'inspect', image)) as { Config: { Labels: Record<string, string> } }[];
    expect(built[0]!.Config.Labels['org.opencontainers.image.title']).toBe('sonde-toolbox');

    // A shell in a container's namespace, in the image just built on the registry's base.
    const baseUrl = `http://127.0.0.1:${port}`;
    const console: ConsoleEndpoint = { client: apiClient(baseUrl, { token }), auth: { authorization: `Bearer ${token}` }, wsUrl: `ws://127.0.0.1:${port}` };
    const target = await fixtures.container();
    const { info, term } = await openTerminal(console, { kind: 'container', container: target.name });
    expect(await term.run('cat /etc/sonde-first-run-base')).toContain(marker);
    const toolboxes = await containersWithLabels(`sonde.instance=${instance}`);
    expect(toolboxes).toHaveLength(1);
    expect((await docker('inspect', '-f', '{{.Config.Image}}', toolboxes[0]!)).trim()).toBe(image);

    // The state is the user's, under ~/.local/state, not in the checkout it was started from.
    expect(existsSync(path.join(home, '.local/state/sonde'))).toBe(true);
    expect(statSync(path.join(home, '.local/state/sonde')).uid).toBe(USER_ID);

    // Ctrl-C (SIGINT to the foreground group) stops it and removes its toolbox.
    term.close();
    process.kill(-running.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    expect(code, output).not.toBe('hung');
    expect(output).not.toMatch(/Error|at .*\.js:\d+/);
    await waitForNoContainers([`sonde.instance=${instance}`, `sonde.session=${info.id}`], 10_000);
  }, 360_000);
});
