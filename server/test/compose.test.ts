import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DockerFixtures, TOOLBOX_IMAGE, containersWithLabels } from './support/docker-fixtures.js';
import { TerminalClient } from './support/terminal-client.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = 'sonde-compose-test';
const port = 18383;
const token = randomBytes(18).toString('hex');
const instance = 'compose-test';
const baseUrl = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${token}` };

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
      // docker-proxy accepts before the console listens; a bounded fetch cannot hang on that.
      const health = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json(), () => undefined);
      if (health?.status === 'ok') break;
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
    const created = await fetch(`${baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { kind: 'container', container: target.name } }),
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as { id: string; ttyPath: string };
    const term = await TerminalClient.connect(`ws://127.0.0.1:${port}${session.ttyPath}`, auth);
    const ip = await fixtures.ipv4(target.id);
    expect(await term.run('ip -4 addr | cat')).toContain(`inet ${ip}/`);
    term.close();
    expect((await fetch(`${baseUrl}/api/sessions/${session.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect(await containersWithLabels(`sonde.session=${session.id}`)).toEqual([]);
  });

  it('refuses itself as a target', async () => {
    const containers = (await (await fetch(`${baseUrl}/api/containers`, { headers: auth })).json()) as { id: string; labels: Record<string, string> }[];
    const self = containers.find((c) => c.labels['sonde.console'] === 'true' && c.labels['com.docker.compose.project'] === project);
    expect(self).toBeDefined();
    const r = await fetch(`${baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { kind: 'container', container: self!.id } }),
    });
    expect(r.status).toBe(403);
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
      while ((await fetch(`${selfUrl}/api/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false)) === false) {
        if (Date.now() > deadline) throw new Error('the unlabelled console did not start');
        await new Promise((r) => setTimeout(r, 500));
      }
      const labels = JSON.parse((await run('docker', ['inspect', '-f', '{{json .Config.Labels}}', id])).stdout) as Record<string, string>;
      expect(labels['sonde.console']).toBe('false');
      for (const [path, body] of [
        ['/api/sessions', { target: { kind: 'container', container: id } }],
        ['/api/sessions', { target: { kind: 'container', container: name, sharePid: true } }],
        ['/api/runs', { tool: 'ip-addr', target: { kind: 'container', container: id.slice(0, 12) } }],
        ['/api/captures', { target: { kind: 'container', container: name } }],
      ] as const) {
        const r = await fetch(`${selfUrl}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(403);
        expect(await r.json()).toMatchObject({ error: { code: 'TARGET_NOT_ALLOWED' } });
      }
    } finally {
      await run('docker', ['rm', '-f', id]).catch(() => undefined);
    }
  });

  it('removes its toolboxes when compose stops it', async () => {
    const created = await fetch(`${baseUrl}/api/sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { kind: 'host', engine: 'local' } }),
    });
    expect(created.status).toBe(201);
    await compose('stop', '-t', '20');
    expect(await containersWithLabels(`sonde.instance=${instance}`)).toEqual([]);
  });
});
