import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Integration tests need a real engine and the two images; say how to get them if missing. */
export default function setup(): void {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore' });
  } catch {
    throw new Error('Integration tests need a running Docker engine (docker info failed). Start dockerd, or run .ci/run.');
  }
  execFileSync('bash', [path.join(root, 'scripts/test-fixtures/build-target-image.sh')], { stdio: 'inherit' });
  const toolbox = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
  try {
    execFileSync('docker', ['image', 'inspect', toolbox], { stdio: 'ignore' });
  } catch {
    throw new Error(`The toolbox image ${toolbox} is missing. Build it with: npm run toolbox:build`);
  }
}
