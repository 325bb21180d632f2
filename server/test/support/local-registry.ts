import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TARGET_IMAGE, docker } from './docker-fixtures.js';

/**
 * A real image registry on loopback for the toolbox pull tests (server/test/toolbox-pull.test.ts,
 * e2e/tests/toolbox-pull.spec.ts): Debian's docker-registry (scripts/provision.sh installs it) on a
 * free 127.0.0.1 port with a temporary store. Docker talks plain HTTP to it (127.0.0.0/8
 * registries are insecure by default). Nothing reaches a public registry.
 */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the first part of an image reference in it. */
  host: string;
  /**
   * Builds the test target plus a layer of `layerBytes` random bytes (at /blob; no engine has
   * that layer, so a pull has something to download and extract), pushes it as
   * `<host>/<repository>` and removes it from the engine. Returns the reference.
   */
  pushImageWithLayer(repository: string, layerBytes: number, label: string): Promise<string>;
  /** Stops the registry and removes its store. */
  close(): Promise<void>;
}

/** A free TCP port on loopback (for a server that must be told its address before it starts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const work = mkdtempSync(path.join(tmpdir(), 'sonde-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(
    path.join(work, 'config.yml'),
    ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(work, 'store')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
  );
  let log = '';
  const registry: ChildProcess = spawn('docker-registry', ['serve', path.join(work, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  registry.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const close = async () => {
    if (registry.exitCode === null && registry.signalCode === null) {
      const exited = new Promise((resolve) => registry.once('exit', resolve));
      registry.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    rmSync(work, { recursive: true, force: true });
  };
  const spawned = new Promise<never>((_, reject) =>
    registry.once('error', (error) => reject(new Error(`docker-registry did not start (apt-get install docker-registry; scripts/provision.sh lists it): ${error.message}`))),
  );
  const answering = (async () => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if ((await fetch(`http://${host}/v2/`).catch(() => undefined))?.status === 200) return;
    }
    throw new Error(`the registry did not answer on ${host}:\n${log}`);
  })();
  try {
    await Promise.race([spawned, answering]);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    host,
    async pushImageWithLayer(repository, layerBytes, label) {
      const image = `${host}/${repository}`;
      const context = mkdtempSync(path.join(work, 'context-'));
      writeFileSync(path.join(context, 'blob'), randomBytes(layerBytes));
      writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TARGET_IMAGE}\nCOPY blob /blob\n`);
      await docker('build', '-q', '--label', label, '-t', image, context);
      await docker('push', image);
      await docker('rmi', image);
      return image;
    },
    close,
  };
}
