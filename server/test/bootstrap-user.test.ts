import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVER_ENTRY, ensureServerBuilt } from './support/sonde-process.js';
import { startConsole } from './support/test-console.js';

const CLI = path.join(path.dirname(SERVER_ENTRY), 'cli/sonde-user.js');
/** `sonde user …` through the client's `sonde` bin, which runs the server's command. */
const SONDE = path.resolve(path.dirname(SERVER_ENTRY), '../../client/dist/cli/main.js');

/** The bootstrap command creates the first admin before any console runs. */
describe('sonde-user bootstrap command', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-bootstrap-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const run = (args: string[], input: string) =>
    spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH, SONDE_DATA_DIR: dataDir } });

  it('creates an admin from a password on stdin; the console then logs them in', async () => {
    ensureServerBuilt();
    const created = run(['create', 'root-admin'], 'first admin password\n');
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain('created admin "root-admin"');
    // Refusals are clear and exit 2: a short password, a bad name, a bad role.
    expect(run(['create', 'x'], 'short\n')).toMatchObject({ status: 2, stderr: expect.stringMatching(/10 to 256 characters/) });
    expect(run(['create', 'Bad Name'], 'long enough password\n')).toMatchObject({ status: 2 });
    expect(run(['create', 'y', '--role', 'root'], 'long enough password\n')).toMatchObject({ status: 2, stderr: expect.stringMatching(/usage/) });

    const sonde = await startConsole({ SONDE_DATA_DIR: dataDir });
    try {
      const admin = await sonde.login('root-admin', 'first admin password');
      expect(await admin.client.me()).toMatchObject({ kind: 'user', name: 'root-admin', role: 'admin' });
    } finally {
      await sonde.close();
    }
    // Running it again resets the password (a locked-out admin's way back in).
    expect(run(['create', 'root-admin'], 'second admin password\n').stdout).toContain('reset "root-admin"');
  });

  it('sonde user lists, changes passwords and disables; bad input is one line and exit 2 or 4', () => {
    ensureServerBuilt();
    const sonde = (args: string[], input = '') =>
      spawnSync(process.execPath, [SONDE, 'user', ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH, SONDE_DATA_DIR: dataDir } });
    expect(sonde(['create', 'cli-op', '--role', 'operator'], 'operator password\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('created operator "cli-op"') });
    const list = sonde(['list']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^USERNAME\s+ROLE\s+STATE\s+CREATED$/m);
    expect(list.stdout).toMatch(/^cli-op\s+operator\s+enabled\s+\d{4}-/m);
    expect(sonde(['passwd', 'cli-op'], 'a new operator password\n')).toMatchObject({ status: 0, stdout: expect.stringContaining('new password for "cli-op"') });
    expect(sonde(['disable', 'cli-op'])).toMatchObject({ status: 0, stdout: expect.stringContaining('disabled "cli-op"') });
    expect(sonde(['list']).stdout).toMatch(/^cli-op\s+operator\s+disabled/m);
    expect(sonde(['disable', 'nobody'])).toMatchObject({ status: 4, stderr: 'sonde user: there is no user "nobody" (sonde user list)\n' });
    expect(sonde(['passwd', 'cli-op'], 'short\n')).toMatchObject({ status: 2, stderr: expect.stringMatching(/10 to 256 characters/) });
    expect(sonde(['frobnicate'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^sonde user: unknown command "frobnicate"/) });
    expect(sonde(['list', '--bogus']).status).toBe(2);
    // Ten runs of two Node processes each, with scrypt: slow on a loaded machine.
  }, 240_000);
});
