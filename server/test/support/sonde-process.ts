import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { SondeClient } from '@sonde/client';
import { apiClient } from './api-client.js';
import { TOOLBOX_IMAGE } from './docker-fixtures.js';
import { oneShotFetch } from './one-shot-fetch.js';

/**
 * The built server (`node server/dist/server.js`) as a child process, for what an in-process
 * console cannot show: kill -9, SIGTERM, and the memory and descriptors of the server alone.
 */

/** The repository root, found upwards (this file also runs compiled, from server/bench/dist). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'server/package.json')) || !existsSync(path.join(dir, 'shared/package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root');
    dir = parent;
  }
  return dir;
}

const root = findRoot();
export const SERVER_ENTRY = path.join(root, 'server/dist/server.js');

/** Builds shared, client and server once if their output is missing (`npm test` builds before testing). */
export function ensureServerBuilt(): void {
  if (existsSync(SERVER_ENTRY) && existsSync(path.join(root, 'shared/dist/index.js')) && existsSync(path.join(root, 'client/dist/index.js'))) return;
  for (const workspace of ['shared', 'client', 'server']) execFileSync('npm', ['run', 'build', '-w', workspace], { cwd: root, stdio: 'ignore' });
}

export interface ProcessSample {
  rssKiB: number;
  fds: number;
}

/** RSS (VmRSS) and open descriptors of a process, read from /proc. */
export function sampleProcess(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { rssKiB: rss ? Number(rss[1]) : 0, fds: readdirSync(`/proc/${pid}/fd`).length };
}

export interface SondeProcessOptions {
  instance?: string;
  env?: Record<string, string>;
  /** Extra node flags. */
  nodeArgs?: string[];
  /** Open the inspector on a loopback port, so `collectGarbage()` can run a full GC. */
  inspect?: boolean;
}

export interface HeapFigures {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export class SondeProcess {
  private output = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  private readonly exited: Promise<void>;
  port = 0;
  /** `https` when the server was started with SONDE_TLS_CERT/SONDE_TLS_KEY (it prints its URL so). */
  scheme: 'http' | 'https' = 'http';

  private constructor(
    readonly child: ChildProcess,
    readonly token: string,
    readonly instance: string,
    private readonly dataDir: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal, at: Date.now() };
        resolve();
      }),
    );
  }

  /** Starts the server on an ephemeral loopback port and resolves once it listens. */
  static async start(options: SondeProcessOptions = {}): Promise<SondeProcess> {
    ensureServerBuilt();
    const token = randomBytes(18).toString('base64url');
    const instance = options.instance ?? `test-${randomBytes(4).toString('hex')}`;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sonde-test-data-'));
    const inspect = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
    const child = spawn(process.execPath, [...inspect, ...(options.nodeArgs ?? []), SERVER_ENTRY], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        SONDE_HOST: '127.0.0.1',
        SONDE_PORT: '0',
        SONDE_TOKEN: token,
        SONDE_INSTANCE: instance,
        SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE,
        // No test pulls from a public registry (the pull test uses a local one, in process).
        SONDE_TOOLBOX_PULL: 'never',
        SONDE_LOG_LEVEL: 'warn',
        SONDE_DATA_DIR: dataDir,
        ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
        ...options.env,
      },
    });
    const sonde = new SondeProcess(child, token, instance, dataDir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const match = /Sonde is running at (https?):\/\/[^:]+:(\d+)\//.exec(sonde.output);
      if (match) {
        sonde.scheme = match[1] as 'http' | 'https';
        sonde.port = Number(match[2]);
        return sonde;
      }
      if (sonde.exitInfo || Date.now() > deadline) {
        const reason = sonde.exitInfo ? `exited (${sonde.exitInfo.code}) before listening` : 'did not start in 30 s';
        await sonde.stop();
        throw new Error(`sonde ${reason}:\n${sonde.output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  get baseUrl(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `${this.scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${this.port}`;
  }

  get auth(): { authorization: string } {
    return { authorization: `Bearer ${this.token}` };
  }

  private bootstrapClient: SondeClient | undefined;

  /**
   * The bootstrap admin's API client (see TestConsole.client), over a connection of its own per
   * request that closes after the reply: a pooled one would be a descriptor the server did not
   * leak. Plain HTTP only: a test of the TLS listener brings the CA (oneShotFetch({ ca })).
   */
  get client(): SondeClient {
    this.bootstrapClient ??= apiClient(this.baseUrl, { token: this.token }, oneShotFetch());
    return this.bootstrapClient;
  }

  /** What the server printed (stdout and stderr), for failure messages. */
  get log(): string {
    return this.output;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined {
    return this.exitInfo;
  }

  sample(): ProcessSample {
    return sampleProcess(this.pid);
  }

  /**
   * Runs a full garbage collection in the server through the inspector (started with
   * `inspect: true`), then returns its `process.memoryUsage()`: what it still holds, not what
   * the collector has not got round to freeing yet.
   */
  async collectGarbage(): Promise<HeapFigures> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(this.output)?.[1];
    if (!url) throw new Error('the server was not started with inspect: true');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let id = 0;
    const call = (method: string, params: object = {}) =>
      new Promise<{ result?: { result?: { value?: string } } }>((resolve, reject) => {
        const mine = ++id;
        const onMessage = (data: Buffer) => {
          const reply = JSON.parse(data.toString()) as { id?: number; error?: unknown; result?: { result?: { value?: string } } };
          if (reply.id !== mine) return;
          ws.off('message', onMessage);
          if (reply.error) reject(new Error(JSON.stringify(reply.error)));
          else resolve(reply);
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id: mine, method, params }));
      });
    try {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const reply = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      return JSON.parse(reply.result?.result?.value ?? '{}') as HeapFigures;
    } finally {
      ws.close();
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exitInfo) this.child.kill(signal);
  }

  /** Resolves when the process has exited, or rejects after `timeoutMs`. */
  async waitExit(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`sonde did not exit within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    return this.exitInfo!;
  }

  /** Graceful stop (SIGTERM), falling back to SIGKILL, then removes its data directory; safe to call twice. */
  async stop(): Promise<void> {
    if (!this.exitInfo) {
      this.signal('SIGTERM');
      try {
        await this.waitExit(15_000);
      } catch {
        this.signal('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
