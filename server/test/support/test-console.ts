import type { SondeClient } from '@sonde/client';
import type { Role } from '@sonde/shared';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import { apiClient, callerOf, login, newToken, type Caller, type Credentials } from './api-client.js';
import { TOOLBOX_IMAGE } from './docker-fixtures.js';

/**
 * A real Sonde on an ephemeral loopback port, with its own instance label and token. As a
 * Caller it is the bootstrap admin: `client` for the API, `auth` for sockets and raw requests.
 */
export interface TestConsole extends Caller {
  app: FastifyInstance;
  config: Config;
  token: string;
  instance: string;
  baseUrl: string;
  wsUrl: string;
  /** The bootstrap admin's API client: replies validated, success statuses held to docs/api.md. */
  client: SondeClient;
  auth: { authorization: string };
  /** Another caller of this console: an API or share token, or a browser's login cookie. */
  caller(credentials: Credentials): Caller;
  /** A new named API token with `role`, made by the bootstrap admin, and the caller holding it. */
  newToken(role: Role, name?: string): Promise<Caller & { id: string; token: string }>;
  /** A user logged in like the browser does: the caller sends that browser's cookie. */
  login(username: string, password: string): Promise<Caller & { cookie: string }>;
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}, options: Pick<BuildOptions, 'consoleContainer' | 'print'> = {}): Promise<TestConsole> {
  const token = randomBytes(18).toString('base64url');
  const instance = `test-${randomBytes(4).toString('hex')}`;
  // Each console its own database and recordings, removed on close unless the test chose a directory.
  const ownDataDir = env.SONDE_DATA_DIR ? undefined : mkdtempSync(path.join(tmpdir(), 'sonde-test-'));
  const config = parseConfig({
    ...(ownDataDir ? { SONDE_DATA_DIR: ownDataDir } : {}),
    SONDE_TOKEN: token,
    SONDE_INSTANCE: instance,
    SONDE_TOOLBOX_IMAGE: TOOLBOX_IMAGE,
    // A test names images that are missing on purpose; none may reach a public registry for them.
    // The pull test (toolbox-pull.test.ts) turns pulls on, against its own local registry.
    SONDE_TOOLBOX_PULL: 'never',
    SONDE_PORT: '0',
    SONDE_LOG_LEVEL: 'warn',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...env,
  });
  const app = await buildApp({ config, logger: false, ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sonde: TestConsole = {
    app,
    config,
    token,
    instance,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    client: apiClient(baseUrl, { token }),
    auth: { authorization: `Bearer ${token}` },
    caller: (credentials) => callerOf(baseUrl, credentials),
    newToken: (role, name) => newToken(sonde, role, name),
    login: (username, password) => login(baseUrl, username, password),
    close: async () => {
      await app.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
  return sonde;
}
