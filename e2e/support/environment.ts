import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Settings shared by the Playwright config, its global setup and the tests. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const port = Number(process.env.SONDE_E2E_PORT || 18181);
export const baseURL = `http://localhost:${port}`;
export const token = 'e2e-token-not-a-secret-0123456789';
export const instance = 'e2e';
export const fixtureFile = path.join(root, 'test-results', 'e2e-fixtures.json');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface E2eFixtures {
  network: string;
  web: { id: string; name: string; ip: string };
  api: { id: string; name: string; alias: string; ip: string };
  /** A container whose labels (Compose project and service included) hold HTML. */
  hostile: { id: string; name: string; labels: Record<string, string> };
}
