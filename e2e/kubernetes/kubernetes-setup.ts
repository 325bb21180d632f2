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
import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRecording, startReplay, type ReplayServer } from '../../server/test/support/kube-replay.js';
import { startConsoleProcess, type ConsoleProcess } from '../support/console-process.js';
import { clusterName, kubernetesBaseURL, kubernetesDataDir, kubernetesInstance, kubernetesPort, kubernetesToken } from '../support/kubernetes-environment.js';

/** The spec ends its session; the kill exec's script then runs within this. */
const SCRIPTS_DONE_MS = 15_000;

export default async function kubernetesSetup(): Promise<() => Promise<void>> {
  let replay: ReplayServer | undefined;
  let sonde: ConsoleProcess | undefined;

  const teardown = async () => {
    const problems: string[] = [];
    if (replay) {
      const done = await Promise.race([replay.scriptsDone().then(() => true), sleep(SCRIPTS_DONE_MS).then(() => false)]);
      if (!done) problems.push(`a websocket script did not reach its end within ${SCRIPTS_DONE_MS / 1000} s`);
      problems.push(...replay.problems(), ...replay.unused().map((note) => `never asked: ${note}`));
    }
    await sonde?.stop();
    await replay?.close();
    if (problems.length) throw new Error(`the console's calls to the cluster were not the recorded ones:\n- ${problems.join('\n- ')}`);
  };

  try {
    replay = await startReplay(loadRecording('browser'));
    rmSync(kubernetesDataDir, { recursive: true, force: true });
    mkdirSync(kubernetesDataDir, { recursive: true });
    sonde = await startConsoleProcess(
      {
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
      () => fetch(`${kubernetesBaseURL}/api/health`).then((r) => r.ok),
    );
    return teardown;
  } catch (error) {
    await sonde?.stop().catch(() => undefined);
    await replay?.close().catch(() => undefined);
    throw error;
  }
}
