#!/usr/bin/env node
// The Swarm testbed for humans (scripts/testbed/README.md):
//
//   node scripts/testbed/swarm.mjs up       build what is missing, start or repair the two nodes
//   node scripts/testbed/swarm.mjs status   the nodes, their engines and the swarm, as JSON
//   node scripts/testbed/swarm.mjs down     remove the nodes, the network and their cgroups
//
// SONDE_TESTBED_NAME picks another testbed (default sonde-testbed). The work is done by the
// tests' own module, server/test/support/swarm-testbed.ts, which Vite (already a dependency)
// imports here with its TypeScript transform, so there is one implementation of the testbed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const usage = 'usage: node scripts/testbed/swarm.mjs up|status|down';

const command = process.argv[2];
if (!['up', 'status', 'down'].includes(command ?? '')) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const { module: testbed } = await runnerImport(path.join(root, 'server/test/support/swarm-testbed.ts'), {
  configFile: false,
  logLevel: 'silent',
});

try {
  switch (command) {
    case 'up': {
      const up = await testbed.ensureSwarmTestbed();
      process.stdout.write(`${JSON.stringify(up, null, 2)}\n`);
      process.stdout.write(`try: DOCKER_HOST=${up.nodes[0].engineUrl} docker node ls\n`);
      break;
    }
    case 'status':
      process.stdout.write(`${JSON.stringify(await testbed.swarmTestbedStatus(), null, 2)}\n`);
      break;
    case 'down':
      await testbed.removeSwarmTestbed();
      break;
  }
} catch (error) {
  process.stderr.write(`[testbed] error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
