import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { apiClient, callerOf, refusal } from './support/api-client.js';
import { DockerFixtures, TOOLBOX_IMAGE, containersWithLabels } from './support/docker-fixtures.js';
import { TerminalClient } from './support/terminal-client.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = 'sonde-compose-test';
const port = 18383;
const token = randomBytes(18).toString('hex');
const instance = 'compose-test';
const baseUrl = `http://127.0.0.1:${port}`;
const { client: sonde, auth } = callerOf(baseUrl, { token });

/** Whether the console at `url` says it is healthy; a bounded wait, since docker-proxy accepts before the console listens. */
async function healthy(url: string): Promise<boolean> {
  const client = apiClient(url, undefined, (request, init) => fetch(request, { ...init, signal: AbortSignal.timeout(2000) }));
  return client.health().then((health) => health.status === 'ok', () => false);
}

/**
 * The console's own image, run the way the README says (docker-compose with the socket
 * mounted), opens a session like the one on the host does. The image is built over a local
 * Node base (SONDE_BASE_IMAGE), since no registry is reachable here.
 */
describe('the composed console (real Docker)', () => {
  const fixtures = new DockerFixtures();
  const env = {
    ...process.env,
    SONDE_BASE_IMAGE: process.env.SONDE_BASE_IMAGE || 'sonde-node-base:20',
    SONDE_PORT: String(port),
    SONDE_TOKEN: token,
    SONDE_INSTANCE: instance,
    SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE,
    DOCKER_GID: String(statSync('/var/run/docker.sock').gid),
  };
  const compose = (...args: string[]) => run('docker-compose', ['-p', project, ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 });

  beforeAll(async () => {
    await compose('down', '-v').catch(() => undefined);
    await compose('up', '-d', '--build');
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (await healthy(baseUrl)) break;
      if (Date.now() > deadline) {
        const { stdout } = await compose('logs', '--no-color').catch(() => ({ stdout: '' }));
        throw new Error(`the composed console did not become healthy:\n${stdout}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 900_000);

  afterAll(async () => {
    await compose('down', '-v').catch(() => undefined);
    await fixtures.dispose();
  }, 120_000);

  it('runs as a non-root user and opens a shell in a target container', async () => {
    const { stdout: user } = await run('docker', ['exec', `${project}_sonde_1`, 'id', '-u']).catch(() => run('docker', ['exec', `${project}-sonde-1`, 'id', '-u']));
    expect(user.trim()).toBe('10001');

    const target = await fixtures.container();
    const session = await sonde.createSession({ kind: 'container', container: target.name });
    const term = await TerminalClient.connect(`ws://127.0.0.1:${port}${session.ttyPath}`, auth);
    const ip = await fixtures.ipv4(target.id);
    expect(await term.run('ip -4 addr | cat')).toContain(`inet ${ip}/`);
    term.close();
    await sonde.endSession(session.id);
    expect(await containersWithLabels(`sonde.session=${session.id}`)).toEqual([]);
  });

  it('makes users inside the container with `sonde user`, as the README says', async () => {
    const inside = (script: string) => compose('exec', '-T', 'sonde', 'sh', '-c', script);
    const created = await inside("printf 'a long compose password\\n' | sonde user create compose-op --role operator");
    expect(created.stdout).toContain('created operator "compose-op" in /data');
    expect((await inside('sonde user list')).stdout).toMatch(/^compose-op\s+operator\s+enabled/m);
    const login = await fetch(`${baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'compose-op', password: 'a long compose password' }),
    });
    expect(login.status).toBe(204);
  });

  it('refuses itself as a target', async () => {
    const containers = await sonde.containers();
    const self = containers.find((c) => c.labels['sonde.console'] === 'true' && c.labels['com.docker.compose.project'] === project);
    expect(self).toBeDefined();
    await expect(sonde.createSession({ kind: 'container', container: self!.id })).rejects.toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
  });

  it('recognises its own container by id, without the sonde.console label, and refuses to target it', async () => {
    // The same image started by hand with the image's label overridden: what it knows of itself comes from /proc.
    const name = `sonde-self-${randomBytes(3).toString('hex')}`;
    const id = (
      await run('docker', [
        'run', '-d', '--rm', '--name', name, '--label', 'sonde.test=true', '--label', 'sonde.console=false',
        '-e', `SONDE_TOKEN=${token}`, '-e', 'SONDE_INSTANCE=compose-self', '-e', 'SONDE_DATA_DIR=/tmp/sonde', '-e', `SONDE_TOOLBOX_IMAGE=${TOOLBOX_IMAGE}`,
        '--group-add', String(statSync('/var/run/docker.sock').gid), '-v', '/var/run/docker.sock:/var/run/docker.sock', '-p', '127.0.0.1::8080', 'sonde:latest',
      ])
    ).stdout.trim();
    try {
      const published = (await run('docker', ['port', name, '8080/tcp'])).stdout.trim().split('\n')[0]!;
      const selfUrl = `http://${published}`;
      const deadline = Date.now() + 60_000;
      while (!(await healthy(selfUrl))) {
        if (Date.now() > deadline) throw new Error('the unlabelled console did not start');
        await new Promise((r) => setTimeout(r, 500));
      }
      const labels = JSON.parse((await run('docker', ['inspect', '-f', '{{json .Config.Labels}}', id])).stdout) as Record<string, string>;
      expect(labels['sonde.console']).toBe('false');
      const self = apiClient(selfUrl, { token });
      for (const [what, start] of [
        ['session by id', () => self.createSession({ kind: 'container', container: id })],
        ['session by name, sharing its processes', () => self.createSession({ kind: 'container', container: name, sharePid: true })],
        ['run by short id', () => self.createRun({ tool: 'ip-addr', target: { kind: 'container', container: id.slice(0, 12) } })],
        ['capture by name', () => self.createCapture({ target: { kind: 'container', container: name } })],
      ] as const) {
        expect(await refusal(start()), what).toMatchObject({ status: 403, code: 'TARGET_NOT_ALLOWED' });
      }
    } finally {
      await run('docker', ['rm', '-f', id]).catch(() => undefined);
    }
  });

  it('removes its toolboxes when compose stops it', async () => {
    await sonde.createSession({ kind: 'host', engine: 'local' });
    await compose('stop', '-t', '20');
    expect(await containersWithLabels(`sonde.instance=${instance}`)).toEqual([]);
  });
});
