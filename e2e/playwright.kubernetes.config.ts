import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { chromiumUse, root } from './support/environment.js';
import { kubernetesBaseURL } from './support/kubernetes-environment.js';

/**
 * The browser against a console whose one engine is a Kubernetes cluster, answered by the replay API
 * server from recorded exchanges (no API server can run here). Its own config, like the Swarm one:
 * the console needs the replay's kubeconfig, so the global setup starts both; scripts/test.mjs runs it.
 */
export default defineConfig({
  testDir: './kubernetes',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  globalTimeout: 5 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME || path.join(root, 'test-results/e2e-kubernetes.json') }]],
  outputDir: path.join(root, 'test-results/e2e-kubernetes-artifacts'),
  globalSetup: './kubernetes/kubernetes-setup.ts',
  use: chromiumUse(kubernetesBaseURL),
  projects: [{ name: 'chromium-kubernetes', use: { browserName: 'chromium' } }],
});
