import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SondeClient } from '@sonde/client';
import { DockerFixtures, containersWithLabels, docker, uniqueName } from './support/docker-fixtures.js';
import { startConsole, type TestConsole } from './support/test-console.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI, as `npx sonde` runs it (npm links the client's bin to this file). */
const CLI = path.join(root, 'client/dist/cli/main.js');

interface Outcome {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * The `sonde` CLI as a child process against a console on the real engine. Asynchronous on
 * purpose: the console runs in this process and must keep serving while the CLI talks to it.
 */
// Each CLI start is a Node process: about a second, several under load on a shared machine, and a
// session's toolbox can take tens of seconds to start there.
describe('the sonde CLI (real Docker)', { timeout: 300_000 }, () => {
  let sonde: TestConsole;
  let home: string;
  const fixtures = new DockerFixtures();
  let network: string;
  let target: { id: string; name: string };
  let peer: { id: string; name: string };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'cli-home-'));
    sonde = await startConsole();
    network = await fixtures.network(uniqueName('cli-net'));
    target = await fixtures.container({ name: uniqueName('cli-target'), network });
    peer = await fixtures.container({ name: uniqueName('cli-peer'), network });
  });

  afterAll(async () => {
    await sonde?.close();
    // What the console left behind is checked after the fixtures are gone, so a failure leaves nothing.
    const left = sonde ? await containersWithLabels(`sonde.instance=${sonde.instance}`) : [];
    if (left.length) await docker('rm', '-f', ...left).catch(() => undefined);
    await fixtures.dispose();
    if (home) await rm(home, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  /**
   * Runs the CLI with HOME (where its config file would be) a directory no test logs into, so
   * each test stands alone: logged in through SONDE_URL/SONDE_TOKEN (`loggedIn`), or given
   * `env` (a HOME of its own, a wrong token), or not logged in at all.
   */
  function cli(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Outcome> {
    const env = { PATH: process.env.PATH ?? '', HOME: home, ...options.env };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out), stderr });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Asserts the CLI failed the documented way: that exit code, one line, no stack trace. */
  function expectOneLineFailure(outcome: Outcome, code: number, pattern: RegExp): void {
    expect(outcome.code, outcome.stderr).toBe(code);
    expect(outcome.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(outcome.stderr).toMatch(pattern);
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
  }

  /** Logged in as bootstrap through the environment (which the README says overrides the config file). */
  const loggedIn = (): { env: Record<string, string> } => ({ env: { SONDE_URL: sonde.baseUrl, SONDE_TOKEN: sonde.token } });

  it('refuses bad input with one line and the documented exit code', async () => {
    expectOneLineFailure(await cli(['frobnicate']), 2, /unknown command "frobnicate"/);
    expectOneLineFailure(await cli(['shell']), 2, /exactly one target/);
    expectOneLineFailure(await cli(['run', 'dig']), 2, /exactly one target/);
    expectOneLineFailure(await cli(['ls', '--bogus']), 2, /Unknown option '--bogus'/);
    expectOneLineFailure(await cli(['share', 'abc', '--expires', 'soon']), 2, /--expires/);
    expectOneLineFailure(await cli(['login']), 2, /console URL/);
    // Not logged in yet: no config file.
    expectOneLineFailure(await cli(['ls']), 3, /Not logged in/);
    // A wrong token, from the environment.
    expectOneLineFailure(await cli(['ls'], { env: { SONDE_URL: sonde.baseUrl, SONDE_TOKEN: 'not-the-token' } }), 3, /sonde login/);
    // A wrong token at login stores nothing.
    expectOneLineFailure(await cli(['login', sonde.baseUrl, '--token-stdin'], { input: 'wrong-token\n' }), 3, /refused this token/);
    await expect(stat(path.join(home, '.config/sonde/config.json'))).rejects.toThrow();
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toMatch(/exit codes:[\s\S]*125/);
  });

  it('logs in with a token into a 0600 config file, and refuses a file others can read', async () => {
    const ownHome = await mkdtemp(path.join(tmpdir(), 'cli-home-login-'));
    try {
      const env = { HOME: ownHome };
      const login = await cli(['login', sonde.baseUrl, '--token-stdin'], { input: `${sonde.token}\n`, env });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout.toString()).toContain('as bootstrap');
      const file = path.join(ownHome, '.config/sonde/config.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ url: sonde.baseUrl, token: sonde.token });
      const listed = await cli(['ls', 'engines'], { env });
      expect(listed.code, listed.stderr).toBe(0);

      await chmod(file, 0o644);
      expectOneLineFailure(await cli(['ls'], { env }), 3, /other users can read it/);
    } finally {
      await rm(ownHome, { recursive: true, force: true });
    }
  });

  it('logs in with an admin password by minting an API token; an operator is told to ask for one', async () => {
    const admin = new SondeClient({ baseUrl: sonde.baseUrl, token: sonde.token });
    await admin.createUser({ username: 'cli-admin', password: 'a long admin password', role: 'admin' });
    await admin.createUser({ username: 'cli-operator', password: 'a long operator password', role: 'operator' });
    const otherHome = await mkdtemp(path.join(tmpdir(), 'cli-home2-'));
    try {
      const env = { HOME: otherHome };
      const minted = await cli(['login', sonde.baseUrl, '--user', 'cli-admin'], { input: 'a long admin password\n', env });
      expect(minted.code, minted.stderr).toBe(0);
      expect((await admin.apiTokens()).map((t) => t.name)).toContainEqual(expect.stringMatching(/^sonde-cli /));
      const me = await cli(['ls', 'engines'], { env });
      expect(me.code, me.stderr).toBe(0);

      expectOneLineFailure(await cli(['login', sonde.baseUrl, '--user', 'cli-admin'], { input: 'wrong password!!\n', env }), 3, /Wrong user name or password/);
      expectOneLineFailure(await cli(['login', sonde.baseUrl, '--user', 'cli-operator'], { input: 'a long operator password\n', env }), 3, /ask an admin/);
    } finally {
      await rm(otherHome, { recursive: true, force: true });
    }
  });

  it('lists containers, networks and engines as tables and JSON', async () => {
    const table = await cli(['ls'], loggedIn());
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.toString().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ENGINE\s+STATE\s+IMAGE\s+NETWORKS$/);
    expect(lines.find((line) => line.startsWith(target.name))).toMatch(new RegExp(`^${target.name}\\s+local\\s+running\\s+\\S+\\s+${network}$`));

    const json = await cli(['ls', 'networks', '--json'], loggedIn());
    expect(json.code, json.stderr).toBe(0);
    const networks = JSON.parse(json.stdout.toString()) as Array<{ name: string }>;
    expect(networks.map((n) => n.name)).toContain(network);

    const engines = await cli(['ls', 'engines'], loggedIn());
    expect(engines.stdout.toString()).toMatch(/^local\s+docker\s+yes\s+\d/m);
    expectOneLineFailure(await cli(['ls', 'pods'], loggedIn()), 2, /unknown kind "pods"/);
  });

  it('opens a shell through a pty (script -qec) and exits with the remote shell status', async () => {
    // script gives the CLI a real terminal: raw mode, the window size, keys as typed.
    const command = `${process.execPath} ${CLI} shell ${target.name}`;
    const outcome = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: home, TERM: 'xterm', ...loggedIn().env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
      // Left open until the CLI exits: script ends the session when its input ends.
      child.stdin.write('echo sonde-$((6*7)) $(hostname); exit 7\r');
    });
    expect(outcome.code, outcome.output).toBe(7);
    expect(outcome.output).toMatch(/sonde-42/);
  });

  it('runs a script given on stdin when stdin is not a terminal', async () => {
    const ok = await cli(['shell', target.name], { input: 'echo scripted-$((40+2))\n', ...loggedIn() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.toString()).toContain('scripted-42');
    // The end of input reaches the TTY while the last command still runs (canonical mode), where a
    // single Ctrl-D is lost once readline takes the TTY back; the last line has no newline.
    const slow = await cli(['shell', target.name], { input: 'sleep 2; echo slept-$((40+2))', ...loggedIn(), timeoutMs: 60_000 });
    expect(slow.code, slow.stderr).toBe(0);
    expect(slow.stdout.toString()).toContain('slept-42');
    const failed = await cli(['shell', '--network', network], { input: 'exit 3\n', ...loggedIn() });
    expect(failed.code, failed.stderr).toBe(3);
    expectOneLineFailure(await cli(['shell', uniqueName('cli-missing')], loggedIn()), 4, /TARGET_NOT_FOUND/);
  });

  it('runs dig and prints its result card; --json gives the run', async () => {
    const card = await cli(['run', 'dig', '--target', target.name, '--param', `host=${peer.name}`], loggedIn());
    expect(card.code, `${card.stdout.toString()}${card.stderr}`).toBe(0);
    const text = card.stdout.toString();
    expect(text).toMatch(new RegExp(`^dig on container ${target.name}: ok \\(NOERROR, 1 answer\\)`));
    const peerIp = (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, peer.id)).trim();
    expect(text).toContain(` A ${peerIp}`);

    const json = await cli(['run', 'dig', '--target', target.name, '--param', `host=${peer.name}`, '--json'], loggedIn());
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({ tool: 'dig', state: 'exited', exitCode: 0, result: { kind: 'dns', status: 'NOERROR' } });

    expectOneLineFailure(await cli(['run', 'no-such-tool', '--target', target.name], loggedIn()), 4, /no tool "no-such-tool"/);
    expectOneLineFailure(await cli(['run', 'dig', '--target', target.name, '--param', 'color=blue'], loggedIn()), 2, /no parameter "color"/);
  });

  it('captures 5 packets into a pcap that tshark reads', async () => {
    const pcap = path.join(home, 'five.pcap');
    const capturing = cli(['capture', target.name, '-i', 'eth0', '-f', 'icmp', '-c', '5', '-w', pcap], loggedIn());
    // The capture answers once tcpdump listens; ping until it has its 5 packets (bounded).
    const targetIp = (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, target.id)).trim();
    const client = new SondeClient({ baseUrl: sonde.baseUrl, token: sonde.token });
    await waitFor(async () => (await client.captures()).length > 0);
    await docker('exec', peer.id, 'ping', '-c', '6', '-i', '0.2', targetIp);
    const outcome = await capturing;
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).toMatch(/5 packets captured/);
    const tshark = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('tshark', ['-n', '-r', pcap], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(tshark.code).toBe(0);
    const frames = tshark.stdout.trim().split('\n');
    expect(frames).toHaveLength(5);
    expect(frames[0]).toMatch(/ICMP/);

    // The same to stdout when it is a pipe.
    const piped = cli(['capture', target.name, '-f', 'icmp', '-c', '2'], loggedIn());
    await waitFor(async () => (await client.captures()).some((c) => c.state === 'running'));
    await docker('exec', peer.id, 'ping', '-c', '3', '-i', '0.2', targetIp);
    const toStdout = await piped;
    expect(toStdout.code, toStdout.stderr).toBe(0);
    // The pcap magic number (microsecond, either byte order) opens the file.
    expect(toStdout.stdout.subarray(0, 4).toString('hex')).toMatch(/^(d4c3b2a1|a1b2c3d4)$/);
  });

  it('shares a session and prints the link, which opens that session only', async () => {
    const client = new SondeClient({ baseUrl: sonde.baseUrl, token: sonde.token });
    const session = await client.createSession({ kind: 'container', container: target.name });
    try {
      const shared = await cli(['share', session.id, '--role', 'viewer', '--expires', '1h'], loggedIn());
      expect(shared.code, shared.stderr).toBe(0);
      const url = new URL(shared.stdout.toString().trim());
      const shareToken = url.searchParams.get('share') ?? url.searchParams.get('token');
      expect(shareToken).toBeTruthy();
      const guest = new SondeClient({ baseUrl: sonde.baseUrl, token: shareToken! });
      expect((await guest.session(session.id)).id).toBe(session.id);
      expect((await client.shares(session.id))[0]).toMatchObject({ role: 'viewer' });
      expectOneLineFailure(await cli(['share', 'f'.repeat(32)], loggedIn()), 4, /SESSION_NOT_FOUND/);
    } finally {
      await client.endSession(session.id);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
