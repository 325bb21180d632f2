import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { baseURL, chromiumUse, dashboardOrigin, instance, port, root, token } from './support/environment.js';

/**
 * Real Chromium (Debian's; nothing is downloaded) against a real console on a real engine.
 * The console runs from the built server with its own instance label, so its toolboxes are
 * told apart from any other console's.
 */
export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || path.join(root, 'test-results/e2e.json') }]],
  outputDir: path.join(root, 'test-results/e2e-artifacts'),
  globalSetup: './global-setup.ts',
  use: chromiumUse(baseURL),
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `node ${path.join(root, 'server/dist/server.js')}`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      SONDE_PORT: String(port),
      SONDE_HOST: '127.0.0.1',
      SONDE_TOKEN: token,
      SONDE_INSTANCE: instance,
      SONDE_TOOLBOX_IMAGE: process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest',
      SONDE_DATA_DIR: path.join(root, 'test-results/e2e-data'),
      SONDE_LOG_LEVEL: 'warn',
      // The one origin that may frame the embed views (e2e/tests/embed.spec.ts); no other page.
      SONDE_EMBED_ORIGINS: dashboardOrigin,
    },
  },
});
