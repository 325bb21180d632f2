import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeSwarmTestbed, swarmTestbedParts } from './support/swarm-testbed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Integration tests need a real engine and the images; the idempotent build scripts make the
 * missing ones (no registry: Debian packages via debootstrap, which needs root).
 * The Swarm testbed (support/swarm-testbed.ts) is brought up by the tests that use it and
 * removed at the end of the run, unless it was up before (someone's `swarm.mjs up`) or
 * SONDE_TESTBED_KEEP=1 asks to keep it for the next run.
 */
export default async function setup(): Promise<() => Promise<void>> {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore' });
  } catch {
    throw new Error('Integration tests need a running Docker engine (docker info failed). Start dockerd, or run .ci/run.');
  }
  execFileSync('bash', [path.join(root, 'scripts/test-fixtures/build-target-image.sh')], { stdio: 'inherit' });
  const toolbox = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
  if (!hasImage(toolbox)) {
    if (toolbox !== 'sonde-toolbox:latest') throw new Error(`The toolbox image ${toolbox} is missing (SONDE_TOOLBOX_IMAGE).`);
    execFileSync('bash', [path.join(root, 'toolbox/build.sh')], { stdio: 'inherit' });
  }
  // The compose test builds the console image over this base (scripts/images/build-node-base.sh).
  const base = process.env.SONDE_BASE_IMAGE || 'sonde-node-base:20';
  if (!hasImage(base) && base === 'sonde-node-base:20') {
    execFileSync('bash', [path.join(root, 'scripts/images/build-node-base.sh')], { stdio: 'inherit' });
  }
  // A testbed already up is someone's to keep; with DOCKER_HOST on a remote engine there is
  // none (the testbed refuses to run there), so nothing to remove either.
  const keepTestbed = process.env.SONDE_TESTBED_KEEP === '1' || (await swarmTestbedParts().then((p) => p.containers.length > 0, () => true));
  return async () => {
    if (!keepTestbed) await removeSwarmTestbed();
  };
}

function hasImage(ref: string): boolean {
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
