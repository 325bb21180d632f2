import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { apiClient } from './support/api-client.js';
import { SERVER_ENTRY, SondeProcess, ensureServerBuilt } from './support/sonde-process.js';
import { TOOLBOX_IMAGE } from './support/docker-fixtures.js';

/** Tokens never leak through logs; a generated one is printed once, as the login URL. */
describe('secrets in output', () => {
  it('never logs the token, whether it arrives in a URL, a header or as a login body', async () => {
    const sonde = await SondeProcess.start({ env: { SONDE_LOG_LEVEL: 'trace' } });
    try {
      const token = sonde.token;
      await fetch(`${sonde.baseUrl}/?token=${token}`, { redirect: 'manual' });
      await fetch(`${sonde.baseUrl}/containers/x?a=1&token=${token}`, { redirect: 'manual' });
      await sonde.client.containers();
      const anonymous = apiClient(sonde.baseUrl);
      await anonymous.login({ token });
      await expect(anonymous.login({ token: `${token}x` })).rejects.toMatchObject({ status: 401 });
      // Not JSON: the error path logs the request too.
      await fetch(`${sonde.baseUrl}/api/sessions`, { method: 'POST', headers: { ...sonde.auth, 'content-type': 'application/json' }, body: '{"target":' });
      // A user's password, an API token shown once, and a share link: none may reach the log either.
      const password = 'pw-that-must-not-leak-7f3a';
      await sonde.client.createUser({ username: 'erin', password, role: 'operator' });
      await anonymous.login({ username: 'erin', password });
      await expect(anonymous.login({ username: 'erin', password: `${password}-wrong` })).rejects.toMatchObject({ status: 401 });
      const { token: apiToken } = await sonde.client.createApiToken({ name: 'ci', role: 'viewer' });
      await apiClient(sonde.baseUrl, { token: apiToken }).containers();
      const shareToken = 'Zm9yZ2VkLXNoYXJlLXRva2VuLWZvci1sb2ctY2hlY2s';
      await fetch(`${sonde.baseUrl}/?share=${shareToken}`, { redirect: 'manual' });
      await new Promise((r) => setTimeout(r, 200));
      expect(sonde.log).toContain('incoming request');
      expect(sonde.log).toContain('token=[redacted]');
      expect(sonde.log).toContain('share=[redacted]');
      for (const secret of [token, password, apiToken, shareToken]) expect(sonde.log).not.toContain(secret);
    } finally {
      await sonde.stop();
    }
  });

  it('prints a generated token once, as a login URL that works', async () => {
    ensureServerBuilt();
    // Its own data directory: a database left by another run must not decide this one.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-secrets-'));
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, SONDE_PORT: '0', SONDE_INSTANCE: 'secrets-test', SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE, SONDE_DATA_DIR: dataDir },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 20_000;
      let url: URL | undefined;
      while (!url && Date.now() < deadline) {
        const match = /(http:\/\/\S+\/\?token=(\S+))/.exec(output);
        if (match) url = new URL(match[1]!);
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, output).toBeDefined();
      const token = url!.searchParams.get('token')!;
      expect(token.length).toBeGreaterThanOrEqual(32);
      const login = await fetch(url!, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('set-cookie')).toMatch(/^sonde_auth=/);
      await new Promise((r) => setTimeout(r, 200));
      expect(output.split(token).length - 1).toBe(1);
    } finally {
      // A console that died at start (its output says why, above) has nothing left to stop.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
