import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { root } from './environment.js';

/** How long a console started here may take to answer, and to stop once told to. */
const CONSOLE_UP_MS = 30_000;
const CONSOLE_STOP_MS = 15_000;

export interface ConsoleProcess {
  readonly process: ChildProcess;
  /** SIGTERM, then waits for it to exit (at most CONSOLE_STOP_MS); nothing when it already has. */
  stop(): Promise<void>;
}

/**
 * The built console (server/dist/server.js) as a child process, for the e2e configs whose console
 * needs something only their global setup knows (the Swarm nodes' addresses, the replay's
 * kubeconfig), so Playwright's `webServer` cannot start it. Resolves once `ready` says so; a console
 * that exits or is not ready within CONSOLE_UP_MS is stopped and the start rejects.
 */
export async function startConsoleProcess(env: Record<string, string>, ready: () => Promise<boolean>): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [path.join(root, 'server/dist/server.js')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  const handle: ConsoleProcess = {
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(CONSOLE_STOP_MS)]);
    },
  };
  const deadline = Date.now() + CONSOLE_UP_MS;
  let last: unknown;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the console exited with ${child.exitCode}`);
    try {
      if (await ready()) return handle;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`the console was not ready within ${CONSOLE_UP_MS / 1000} s${last instanceof Error ? ` (${last.message})` : ''}`);
    }
    await sleep(250);
  }
}
