import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A Docker engine of the test's own, so a test can kill and restart "Docker" without touching
 * the host engine: its own network namespace, socket, data root, exec root, pidfile, no bridge
 * and no iptables. Needs root, `unshare` (util-linux) and `dockerd` on PATH.
 */
export class SecondDockerd {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  private constructor(readonly dir: string) {}

  /** The engine's endpoint, as DOCKER_HOST. */
  get host(): string {
    return `unix://${path.join(this.dir, 'docker.sock')}`;
  }

  get log(): string {
    return this.output;
  }

  static async start(): Promise<SecondDockerd> {
    const engine = new SecondDockerd(mkdtempSync(path.join(os.tmpdir(), 'sonde-dockerd-')));
    try {
      await engine.launch();
    } catch (error) {
      await engine.dispose();
      throw error;
    }
    return engine;
  }

  /** Starts (or restarts) the daemon with the same directories and waits until it answers. */
  async launch(): Promise<void> {
    if (this.child) throw new Error('the second dockerd is already running');
    this.removeStalePidfiles();
    // Its own network namespace (unshare --net): dockerd started with --bridge=none deletes
    // any interface named docker0 it can see, which would break the host engine's default
    // bridge. Its unix socket is a file, so clients outside the namespace still reach it.
    const child = spawn(
      'unshare',
      [
        '--net',
        '--',
        'dockerd',
        `--host=${this.host}`,
        `--data-root=${path.join(this.dir, 'data')}`,
        `--exec-root=${path.join(this.dir, 'exec')}`,
        `--pidfile=${path.join(this.dir, 'docker.pid')}`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        '--userland-proxy=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.child) throw new Error(`the second dockerd exited while starting:\n${this.output.slice(-3000)}`);
      try {
        await this.docker('version', '--format', '{{.Server.Version}}');
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`the second dockerd did not answer in 30 s:\n${this.output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Runs the docker CLI against this engine. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', args, { env: { ...process.env, DOCKER_HOST: this.host }, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  }

  /** Copies an image from the host engine (docker save | docker load). */
  async loadImage(ref: string): Promise<void> {
    await run('bash', ['-o', 'pipefail', '-c', `docker save "$1" | DOCKER_HOST="$2" docker load -q`, 'load', ref, this.host], {
      env: { ...process.env, DOCKER_HOST: '' },
    });
  }

  /** Kills the daemon abruptly (SIGKILL): to its clients, Docker is simply gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the daemon gracefully and waits for it. */
  async stop(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * Removes everything: its containers, the daemon, container shims it left (a killed dockerd
   * leaves them running until it restarts), its mounts and its directory.
   */
  async dispose(): Promise<void> {
    try {
      if (!this.child && readdirSafe(path.join(this.dir, 'data')).length > 0) await this.launch().catch(() => undefined);
      if (this.child) {
        const ids = await this.docker('ps', '-aq').catch(() => '');
        if (ids) await this.docker('rm', '-f', ...ids.split('\n')).catch(() => undefined);
      }
    } finally {
      await this.stop();
      this.killShims();
      this.unmountAll();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /**
   * After a kill, dockerd's and its containerd's pidfiles stay behind, and until init reaps the
   * dead containerd its pid still answers kill(pid, 0): dockerd would then wait for that
   * "running" containerd and give up. A pid that is gone, a zombie, or not ours is stale.
   */
  private removeStalePidfiles(): void {
    for (const file of [path.join(this.dir, 'docker.pid'), path.join(this.dir, 'exec/containerd/containerd.pid')]) {
      let pid: number;
      try {
        pid = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue;
      }
      if (!this.ownsProcess(pid)) rmSync(file, { force: true });
    }
  }

  /** True when `pid` is a live process whose command line names this daemon's directory. */
  private ownsProcess(pid: number): boolean {
    if (!Number.isInteger(pid) || pid <= 1) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.dir);
    } catch {
      return false;
    }
  }

  /** Shims are this daemon's when their command line names its exec root; only those are killed. */
  private killShims(): void {
    const execRoot = path.join(this.dir, 'exec');
    for (const entry of readdirSafe('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid <= 1) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmdline.includes(execRoot) && cmdline.includes('containerd-shim')) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  private unmountAll(): void {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .map((p) => p.replace(/\\040/g, ' '))
      .filter((p) => p === this.dir || p.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {
        // already unmounted through a parent
      }
    }
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
