import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { DockerFixtures, containersWithLabels, docker } from '../support/docker-fixtures.js';
import { startConsole, type TestConsole } from '../support/test-console.js';
import { TerminalClient } from '../support/terminal-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A browser tab in a process of its own: attaches, starts output, acks, and can be SIGKILLed. */
const CLIENT_SCRIPT = `
const WebSocket = require('ws');
const ws = new WebSocket(process.env.TTY_URL, { headers: { authorization: process.env.TTY_AUTH } });
ws.on('open', () => ws.send(Buffer.from('while :; do echo tick; sleep 0.2; done\\r')));
let told = false;
ws.on('message', (data, binary) => {
  if (!binary) return;
  ws.send(JSON.stringify({ type: 'ack', bytes: data.length }));
  if (!told && /tick\\r?\\n/.test(data.toString())) { told = true; process.stdout.write('FLOWING\\n'); }
});
`;

describe('chaos: clients and targets that vanish (real Docker)', () => {
  let sonde: TestConsole;
  const fixtures = new DockerFixtures();

  beforeAll(async () => {
    sonde = await startConsole({ SONDE_DETACHED_GRACE_SECONDS: '3' });
  });

  afterAll(async () => {
    await sonde?.close();
    await fixtures.dispose();
  });

  const create = (target: TargetRequest): Promise<SessionInfo> => sonde.client.createSession(target);
  const info = (id: string): Promise<SessionInfo> => sonde.client.session(id);

  it('a client process killed mid-output: the session waits out the grace period, then its toolbox is removed', async () => {
    const session = await create({ kind: 'host', engine: 'local' });
    const client = spawn(process.execPath, ['-e', CLIENT_SCRIPT], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TTY_URL: `${sonde.wsUrl}${session.ttyPath}`, TTY_AUTH: sonde.auth.authorization },
    });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the client process never saw output')), 20_000);
        client.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('FLOWING')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect((await info(session.id)).clients).toBe(1);
    } finally {
      client.kill('SIGKILL');
      await exited;
    }
    // The server notices the dead socket, keeps the session (a reload could come back)...
    await expect.poll(async () => (await info(session.id)).clients, { timeout: 10_000 }).toBe(0);
    expect(await containersWithLabels(`sonde.session=${session.id}`)).toHaveLength(1);
    // ...and ends it once nobody came back within the grace period.
    await expect.poll(async () => (await info(session.id)).state, { timeout: 20_000 }).toBe('exited');
    expect(await info(session.id)).toMatchObject({ endReason: 'abandoned' });
    await expect.poll(() => containersWithLabels(`sonde.session=${session.id}`), { timeout: 10_000 }).toEqual([]);
  });

  it('a target killed while its shell floods ends the session with "target stopped", nothing left', async () => {
    const target = await fixtures.container();
    const session = await create({ kind: 'container', container: target.name });
    const term = await TerminalClient.connect(`${sonde.wsUrl}${session.ttyPath}`, sonde.auth, { keepBytes: 64 * 1024 });
    term.send('yes tick\r');
    await term.waitForBytes(1024 * 1024, 20_000);
    await docker('kill', target.id);
    const closed = await term.waitClosed(20_000);
    expect(closed.code).toBe(4000);
    expect(term.controlsOf('exit').at(-1)).toMatchObject({ reason: 'the target container stopped' });
    expect(term.controlsOf('error')).toEqual([]);
    await expect.poll(() => containersWithLabels(`sonde.session=${session.id}`), { timeout: 10_000 }).toEqual([]);
    expect(await info(session.id)).toMatchObject({ state: 'exited', endReason: 'target-stopped' });

    // The console is unaffected: a new session on another target works.
    const other = await fixtures.container();
    const next = await create({ kind: 'container', container: other.name });
    const term2 = await TerminalClient.connect(`${sonde.wsUrl}${next.ttyPath}`, sonde.auth);
    expect(await term2.run('echo $((6*7))')).toContain('42');
    term2.close();
    await sonde.client.endSession(next.id);
  });
});
