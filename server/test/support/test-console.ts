import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import { TOOLBOX_IMAGE } from './docker-fixtures.js';

/** A real Sonde on an ephemeral loopback port, with its own instance label and token. */
export interface TestConsole {
  app: FastifyInstance;
  config: Config;
  token: string;
  instance: string;
  baseUrl: string;
  wsUrl: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}, options: Pick<BuildOptions, 'consoleContainer'> = {}): Promise<TestConsole> {
  const token = randomBytes(18).toString('base64url');
  const instance = `test-${randomBytes(4).toString('hex')}`;
  // Each console its own database and recordings, removed on close unless the test chose a directory.
  const ownDataDir = env.SONDE_DATA_DIR ? undefined : mkdtempSync(path.join(tmpdir(), 'sonde-test-'));
  const config = parseConfig({
    ...(ownDataDir ? { SONDE_DATA_DIR: ownDataDir } : {}),
    SONDE_TOKEN: token,
    SONDE_INSTANCE: instance,
    SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE,
    SONDE_PORT: '0',
    SONDE_LOG_LEVEL: 'warn',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...env,
  });
  const app = await buildApp({ config, logger: false, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    token,
    instance,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    auth: { authorization: `Bearer ${token}` },
    close: async () => {
      await app.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}
