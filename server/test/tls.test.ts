import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { apiClient } from './support/api-client.js';
import { DockerFixtures, TOOLBOX_IMAGE, docker } from './support/docker-fixtures.js';
import { oneShotFetch } from './support/one-shot-fetch.js';
import { SERVER_ENTRY, SondeProcess, ensureServerBuilt } from './support/sonde-process.js';

/**
 * The built server as an operator runs it: HTTPS and wss:// from SONDE_TLS_CERT/SONDE_TLS_KEY,
 * the loud warning when it listens beyond loopback in plain HTTP, and clean refusals of bad
 * TLS files. Certificates are self-signed, made here with openssl, and trusted as their own CA.
 */
describe('TLS and exposure warnings (built server process)', () => {
  const fixtures = new DockerFixtures();
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let otherKeyFile: string;
  let cert: Buffer;
  /** The host's address on a bridge network this test created: not loopback, and reached only from this machine and that network. */
  let bridgeAddress: string;

  function makeCertificate(name: string): { certFile: string; keyFile: string } {
    const files = { certFile: path.join(dir, `${name}-cert.pem`), keyFile: path.join(dir, `${name}-key.pem`) };
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1', '-keyout', files.keyFile, '-out', files.certFile], { stdio: 'ignore', timeout: 30_000 });
    return files;
  }

  beforeAll(async () => {
    ensureServerBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'sonde-tls-'));
    ({ certFile, keyFile } = makeCertificate('console'));
    otherKeyFile = makeCertificate('other').keyFile;
    cert = readFileSync(certFile);
    const network = await fixtures.network();
    bridgeAddress = await docker('network', 'inspect', '-f', '{{(index .IPAM.Config 0).Gateway}}', network);
    expect(bridgeAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  afterAll(async () => {
    await fixtures.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function baseEnv(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      SONDE_PORT: '0',
      SONDE_TOKEN: randomBytes(18).toString('base64url'),
      SONDE_INSTANCE: `test-${randomBytes(4).toString('hex')}`,
      SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE,
      SONDE_LOG_LEVEL: 'warn',
      SONDE_DATA_DIR: mkdtempSync(path.join(dir, 'data-')),
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    };
  }

  /** Starts the server, waits until it listens, stops it (SIGTERM), and returns what it printed on each stream. */
  async function startAndStop(env: Record<string, string>): Promise<{ stdout: string; stderr: string; url: string }> {
    const child = spawn(process.execPath, [SERVER_ENTRY], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const deadline = Date.now() + 30_000;
      let url: string | undefined;
      while (!(url = /Sonde is running at (\S+) /.exec(stdout)?.[1])) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill('SIGTERM');
      // After exit both pipes are drained, so "no warning" means none was printed.
      await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not stop in 15 s')), 15_000))]);
      return { stdout, stderr, url };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  /** A GET whose Set-Cookie header is what matters (the login redirect, which it does not follow). */
  async function requestHeaders(url: string): Promise<{ status: number; setCookie: string }> {
    const response = await oneShotFetch({ ca: cert, timeoutMs: 10_000 })(url, { method: 'GET' });
    return { status: response.status, setCookie: response.headers.getSetCookie().join('\n') };
  }

  it('marks the login cookie Secure behind an acknowledged TLS proxy, and not over plain loopback HTTP', async () => {
    for (const [env, secure] of [[{}, false], [{ SONDE_TLS_PROXY: '1' }, true]] as const) {
      const sonde = await SondeProcess.start({ env });
      try {
        const login = await requestHeaders(`${sonde.baseUrl}/?token=${sonde.token}`);
        expect(login.status).toBe(303);
        expect(login.setCookie).toMatch(/^sonde_auth=/);
        expect(/;\s*Secure/i.test(login.setCookie)).toBe(secure);
      } finally {
        await sonde.stop();
      }
    }
  });

  it('serves HTTPS and terminals over wss:// with SONDE_TLS_CERT/SONDE_TLS_KEY, prints an https:// URL, and does not warn', async () => {
    const sonde = await SondeProcess.start({ env: { SONDE_TLS_CERT: certFile, SONDE_TLS_KEY: keyFile } });
    try {
      expect(sonde.scheme).toBe('https');
      expect(sonde.log).toContain(`Sonde is running at https://127.0.0.1:${sonde.port}/`);

      // The certificate is verified (it is its own CA here), not waved through.
      const client = apiClient(sonde.baseUrl, { token: sonde.token }, oneShotFetch({ ca: cert, timeoutMs: 10_000 }));
      expect(await client.health()).toMatchObject({ status: 'ok' });
      // Plain HTTP on the TLS port gets no answer from the app (the request fails: status 0).
      await expect(apiClient(`http://127.0.0.1:${sonde.port}`, undefined, oneShotFetch({ timeoutMs: 10_000 })).health()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
      // A browser login over TLS gets a cookie that is never sent over plain HTTP.
      const login = await requestHeaders(`${sonde.baseUrl}/?token=${sonde.token}`);
      expect(login.status).toBe(303);
      expect(login.setCookie).toMatch(/^sonde_auth=.*; Secure/);

      const target = await fixtures.container();
      const info = await client.createSession({ kind: 'container', container: target.name });

      const ws = new WebSocket(`${sonde.wsUrl}${info.ttyPath}`, { headers: sonde.auth, ca: cert });
      let output = '';
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) output += data.toString();
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      });
      // Computed by the shell, so the echoed command line cannot satisfy the wait.
      ws.send(Buffer.from('echo over-wss-$((6*7))\r'), { binary: true });
      const deadline = Date.now() + 15_000;
      while (!output.includes('over-wss-42')) {
        if (Date.now() > deadline) throw new Error(`no echo over wss; got:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      ws.close();
      await client.endSession(info.id);
    } finally {
      await sonde.stop();
    }
    expect(sonde.log).not.toContain('WARNING');
  });

  it('warns loudly on stderr when it listens beyond loopback in plain HTTP, naming both fixes', async () => {
    const { stdout, stderr, url } = await startAndStop({ SONDE_HOST: bridgeAddress });
    expect(url).toMatch(new RegExp(`^http://${bridgeAddress.replace(/\./g, '\\.')}:\\d+/$`));
    expect(stderr).toContain(`WARNING: Sonde listens on ${bridgeAddress} over plain HTTP`);
    expect(stderr).toContain('SONDE_TLS_CERT and SONDE_TLS_KEY');
    expect(stderr).toContain('SONDE_TLS_PROXY=1');
    expect(stderr.split('\n').filter((line) => line.startsWith('!!')).length).toBeGreaterThan(5);
    expect(stdout).not.toContain('WARNING');
  });

  it('does not warn beyond loopback with TLS, or with a TLS proxy acknowledged', async () => {
    const withTls = await startAndStop({ SONDE_HOST: bridgeAddress, SONDE_TLS_CERT: certFile, SONDE_TLS_KEY: keyFile });
    expect(withTls.url).toMatch(/^https:\/\//);
    expect(withTls.stderr).not.toContain('WARNING');
    const behindProxy = await startAndStop({ SONDE_HOST: bridgeAddress, SONDE_TLS_PROXY: '1' });
    expect(behindProxy.url).toMatch(/^http:\/\//);
    expect(behindProxy.stderr).not.toContain('WARNING');
  });

  it.each([
    ['a missing certificate', () => ({ SONDE_TLS_CERT: path.join(dir, 'missing.pem'), SONDE_TLS_KEY: keyFile }), /SONDE_TLS_CERT: cannot read ".*missing\.pem" \(no such file\)/],
    ['a certificate that is not PEM', () => ({ SONDE_TLS_CERT: SERVER_ENTRY, SONDE_TLS_KEY: keyFile }), /SONDE_TLS_CERT: ".*" is not a PEM certificate/],
    ['the key of another certificate', () => ({ SONDE_TLS_CERT: certFile, SONDE_TLS_KEY: otherKeyFile }), /SONDE_TLS_KEY: ".*other-key\.pem" is not an unencrypted PEM private key for the certificate/],
    ['only one of the two', () => ({ SONDE_TLS_CERT: certFile }), /SONDE_TLS_KEY: set both SONDE_TLS_CERT and SONDE_TLS_KEY/],
  ])('refuses to start with %s: exit code 2, one line naming the variable, no stack trace', (_what, env, message) => {
    const result = spawnSync(process.execPath, [SERVER_ENTRY], { env: { ...baseEnv(), ...env() }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^sonde: invalid configuration: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain('Sonde is running');
  });
});
