/**
 * Global setup of the Kubernetes e2e: the replay API server with the browser's recording, and a
 * console configured with that cluster as its one engine, as an operator would (SONDE_ENGINES with a
 * kubeconfig and a context). No Kubernetes API server can run where Sonde is tested, so this proves
 * the browser's path against recorded exchanges only (docs/kubernetes.md).
 *
 * The returned teardown is the check that matters beside the spec: the console must have made
 * exactly the recorded calls (none unrecorded, none left unmade, every websocket script run to its
 * end), checked before the console stops, so a call made only at shutdown is not counted as used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRecording, startReplay, type ReplayServer } from '../../server/test/support/kube-replay.js';
import { root } from '../support/environment.js';
import { clusterName, kubernetesBaseURL, kubernetesDataDir, kubernetesInstance, kubernetesPort, kubernetesToken } from '../support/kubernetes-environment.js';

const CONSOLE_UP_MS = 30_000;
/** The spec ends its session; the kill exec's script then runs within this. */
const SCRIPTS_DONE_MS = 15_000;

async function consoleUp(sonde: ChildProcess): Promise<void> {
  const deadline = Date.now() + CONSOLE_UP_MS;
  for (;;) {
    if (sonde.exitCode !== null) throw new Error(`the console exited with ${sonde.exitCode}`);
    const ok = await fetch(`${kubernetesBaseURL}/api/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the console did not answer within ${CONSOLE_UP_MS / 1000} s`);
    await sleep(250);
  }
}

export default async function kubernetesSetup(): Promise<() => Promise<void>> {
  let replay: ReplayServer | undefined;
  let sonde: ChildProcess | undefined;

  const stopConsole = async () => {
    if (sonde && sonde.exitCode === null) {
      const exited = new Promise((resolve) => sonde!.once('exit', resolve));
      sonde.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
    }
  };

  const teardown = async () => {
    const problems: string[] = [];
    if (replay) {
      const done = await Promise.race([replay.scriptsDone().then(() => true), sleep(SCRIPTS_DONE_MS).then(() => false)]);
      if (!done) problems.push(`a websocket script did not reach its end within ${SCRIPTS_DONE_MS / 1000} s`);
      problems.push(...replay.problems(), ...replay.unused().map((note) => `never asked: ${note}`));
    }
    await stopConsole();
    await replay?.close();
    if (problems.length) throw new Error(`the console's calls to the cluster were not the recorded ones:\n- ${problems.join('\n- ')}`);
  };

  try {
    replay = await startReplay(loadRecording('browser'));
    rmSync(kubernetesDataDir, { recursive: true, force: true });
    mkdirSync(kubernetesDataDir, { recursive: true });
    sonde = spawn(process.execPath, [path.join(root, 'server/dist/server.js')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        SONDE_PORT: String(kubernetesPort),
        SONDE_HOST: '127.0.0.1',
        SONDE_TOKEN: kubernetesToken,
        SONDE_INSTANCE: kubernetesInstance,
        // The image the recording's ephemeral container names (a kubelet would pull it; Sonde does not).
        SONDE_K8S_TOOLBOX_IMAGE: 'nicolaka/netshoot',
        SONDE_DATA_DIR: kubernetesDataDir,
        SONDE_LOG_LEVEL: 'warn',
        SONDE_ENGINES: JSON.stringify([{ name: clusterName, kind: 'kubernetes', kubeconfig: replay.kubeconfig, context: 'replay', namespace: 'sonde' }]),
      },
    });
    await consoleUp(sonde);
    return teardown;
  } catch (error) {
    await stopConsole().catch(() => undefined);
    await replay?.close().catch(() => undefined);
    throw error;
  }
}
