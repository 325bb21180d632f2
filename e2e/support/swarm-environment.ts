import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { instance, root } from './environment.js';

/**
 * Settings of the Swarm e2e (playwright.swarm.config.ts): a console of its own, configured with
 * the two engines of the Swarm testbed, on its own port and instance label, so it never shares
 * state with the main e2e console.
 */
export const swarmPort = Number(process.env.SONDE_E2E_SWARM_PORT || 18191);
export const swarmBaseURL = `http://localhost:${swarmPort}`;
export const swarmToken = 'e2e-swarm-token-not-a-secret-0123456789';
export const swarmInstance = `${instance}-swarm`;
export const swarmFixtureFile = path.join(root, 'test-results', 'e2e-swarm-fixtures.json');
/** Where the screenshots of the Swarm views go (docs/screenshots, kept in the repository). */
export const screenshotDir = path.join(root, 'docs', 'screenshots');

const Node = Type.Object({ name: Type.String(), engine: Type.String(), containerId: Type.String(), address: Type.String() });
const Task = Type.Object({ slot: Type.Integer(), engine: Type.String(), containerName: Type.String(), ip: Type.String() });

/** What swarm-setup.ts made, for the spec. */
export const SwarmFixtures = Type.Object({
  testbed: Type.String(),
  service: Type.String(),
  /** Attachable overlay the service runs on. */
  overlay: Type.String(),
  /** Overlay without --attachable and without tasks (listed by the manager only). */
  closedOverlay: Type.String(),
  nodes: Type.Array(Node),
  tasks: Type.Array(Task),
});
export type SwarmFixtures = Static<typeof SwarmFixtures>;

export function readSwarmFixtures(): SwarmFixtures {
  const data: unknown = JSON.parse(readFileSync(swarmFixtureFile, 'utf8'));
  if (Value.Check(SwarmFixtures, data)) return data;
  const problem = Value.Errors(SwarmFixtures, data)[0];
  throw new Error(`${swarmFixtureFile}: ${problem?.instancePath || '/'} ${problem?.message ?? 'unexpected shape'}; run the Swarm e2e setup again`);
}
