import { defineConfig } from 'vitest/config';

/**
 * Test tiers. `unit`: pure logic, and route and WebSocket tests (inject/injectWS) on the real app
 * with the in-memory fake engine (server/src/engine/fake-engine.ts, server/src/testing/): no
 * Docker. `integration`: the same routes and real sessions against the real Docker engine; files
 * run one at a time because they share one engine on a 2-core machine. Browser tests live in
 * e2e/ (Playwright).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['eslint.config.test.ts', 'shared/src/**/*.test.ts', 'client/src/**/*.test.ts', 'server/src/**/*.test.ts', 'server/bench/**/*.test.ts', 'web/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['server/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['server/test/global-setup.ts'],
        },
      },
    ],
  },
});
