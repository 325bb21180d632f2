import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/** Settings shared by the Playwright config, its global setup and the tests. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const port = Number(process.env.SONDE_E2E_PORT || 18181);
export const baseURL = `http://localhost:${port}`;
/**
 * A dashboard that may frame the embed views (SONDE_EMBED_ORIGINS of the console under test):
 * another port on loopback, two above the console's (the attacker page has the one between).
 */
export const dashboardPort = Number(process.env.SONDE_E2E_DASHBOARD_PORT || port + 2);
export const dashboardOrigin = `http://localhost:${dashboardPort}`;
export const token = 'e2e-token-not-a-secret-0123456789';
/**
 * The console's SONDE_INSTANCE label, and the prefix of every container and network the run
 * creates: runs with different values (SONDE_E2E_INSTANCE, with SONDE_E2E_PORT) can share an engine.
 */
export const instance = process.env.SONDE_E2E_INSTANCE || 'e2e';
/** Marks the fixtures of this run, so its clean-up removes only those. */
export const fixtureLabel = `sonde.test=${instance}`;
export const fixtureFile = path.join(root, 'test-results', 'e2e-fixtures.json');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * What every e2e config gives its browser: Debian's Chromium with the flags this machine needs
 * (nothing is downloaded), one viewport, and traces and screenshots kept only for failures.
 */
export function chromiumUse(baseURL: string) {
  return {
    baseURL,
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure' as const,
    screenshot: 'only-on-failure' as const,
    launchOptions: {
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  };
}

/** The targets global-setup started, written to fixtureFile for the tests. */
export const E2eFixtures = Type.Object({
  network: Type.String(),
  web: Type.Object({ id: Type.String(), name: Type.String(), ip: Type.String() }),
  api: Type.Object({ id: Type.String(), name: Type.String(), alias: Type.String(), ip: Type.String() }),
  /** A container whose labels (Compose project and service included) hold HTML. */
  hostile: Type.Object({ id: Type.String(), name: Type.String(), labels: Type.Record(Type.String(), Type.String()) }),
});
export type E2eFixtures = Static<typeof E2eFixtures>;

/** The fixtures of this run; a file from an older layout fails here, naming the field, not later in a test. */
export function readFixtures(): E2eFixtures {
  const data: unknown = JSON.parse(readFileSync(fixtureFile, 'utf8'));
  if (Value.Check(E2eFixtures, data)) return data;
  const problem = Value.Errors(E2eFixtures, data)[0];
  throw new Error(`${fixtureFile}: ${problem?.instancePath || '/'} ${problem?.message ?? 'unexpected shape'}; run global-setup again`);
}
