/**
 * An ssh-agent of a test's own, holding one key made for the test: what a console with ssh://
 * engines authenticates with (docker-modem takes keys only from the agent at SSH_AUTH_SOCK).
 *
 * Only Node built-ins and OpenSSH's client tools here: the transport bench runs it compiled.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class SshAgent {
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** The agent's socket: SSH_AUTH_SOCK. */
    readonly socket: string,
    /** The key's public half, one authorized_keys line. */
    readonly publicKey: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Makes an ed25519 key in `dir` (no passphrase), starts an agent with its socket there and adds the key. */
  static async start(dir: string): Promise<SshAgent> {
    const key = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sonde-test', '-f', key], { stdio: 'ignore', timeout: 30_000 });
    const socket = path.join(dir, 'agent.sock');
    // -D: in the foreground, so it is this process's child and ends by its pid.
    const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    const agent = new SshAgent(child, socket, readFileSync(`${key}.pub`, 'utf8').trim());
    try {
      const deadline = Date.now() + 10_000;
      while (!existsSync(socket)) {
        if (child.exitCode !== null) throw new Error(`ssh-agent exited with ${child.exitCode}`);
        if (Date.now() > deadline) throw new Error('ssh-agent made no socket within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, timeout: 10_000 });
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
