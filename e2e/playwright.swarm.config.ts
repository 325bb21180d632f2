import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { chromiumUse, root } from './support/environment.js';
import { swarmBaseURL } from './support/swarm-environment.js';

/**
 * The browser against a console of several engines: the two nodes of the Swarm testbed. Its own
 * config, so the main e2e run does not wait for the testbed; scripts/test.mjs runs both. The
 * console is started by the global setup (it needs the nodes' addresses), not by `webServer`.
 */
export default defineConfig({
  testDir: './swarm',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  // The testbed (built when missing: about 2 minutes), the service's tasks, then the tests.
  globalTimeout: 15 * 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || path.join(root, 'test-results/e2e-swarm.json') }]],
  outputDir: path.join(root, 'test-results/e2e-swarm-artifacts'),
  globalSetup: './swarm/swarm-setup.ts',
  use: chromiumUse(swarmBaseURL),
  projects: [{ name: 'chromium-swarm', use: { browserName: 'chromium' } }],
});
