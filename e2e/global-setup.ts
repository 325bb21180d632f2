import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { docker } from './support/docker.js';
import { fixtureFile, fixtureLabel, instance, root, type E2eFixtures } from './support/environment.js';

const TARGET_IMAGE = process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest';
const LABEL = fixtureLabel;

/** Targets for the browser to debug: a compose-like pair on their own network. */
export default function globalSetup(): () => void {
  execFileSync('bash', [path.join(root, 'scripts/test-fixtures/build-target-image.sh')], { stdio: 'inherit' });
  cleanup();
  const suffix = Math.random().toString(16).slice(2, 8);
  const network = `${instance}-net-${suffix}`;
  docker('network', 'create', '--label', LABEL, network);
  const compose = (service: string) => ['--label', `com.docker.compose.project=e2eshop`, '--label', `com.docker.compose.service=${service}`];
  const webName = `${instance}-web-${suffix}`;
  const apiName = `${instance}-api-${suffix}`;
  const webId = docker('run', '-d', '--name', webName, '--label', LABEL, ...compose('web'), '--network', network, TARGET_IMAGE);
  const apiId = docker('run', '-d', '--name', apiName, '--label', LABEL, ...compose('api'), '--network', network, '--network-alias', 'payments', TARGET_IMAGE);
  const ip = (id: string) => docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, id);
  // Markup in Docker metadata: the console must show it as text (container names cannot hold it).
  const hostileName = `${instance}-hostile-${suffix}`;
  const hostileLabels = {
    'com.docker.compose.project': '<img src=x onerror="window.__pwned=1">',
    'com.docker.compose.service': '<svg onload="window.__pwned=2"></svg>',
    'sonde.e2e.note': '<script>window.__pwned=3</script><b>bold</b>',
  };
  const hostileId = docker('run', '-d', '--name', hostileName, '--label', LABEL, ...Object.entries(hostileLabels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), '--network', 'none', TARGET_IMAGE);
  const fixtures: E2eFixtures = {
    network,
    web: { id: webId, name: webName, ip: ip(webId) },
    api: { id: apiId, name: apiName, alias: 'payments', ip: ip(apiId) },
    hostile: { id: hostileId, name: hostileName, labels: hostileLabels },
  };
  mkdirSync(path.dirname(fixtureFile), { recursive: true });
  writeFileSync(fixtureFile, JSON.stringify(fixtures));
  return cleanup;
}

function cleanup(): void {
  const ids = docker('ps', '-aq', '--filter', `label=${LABEL}`);
  if (ids) docker('rm', '-f', ...ids.split('\n'));
  // The console stops after this teardown, so a toolbox of a still-open session may hold an
  // endpoint on the network; scripts/test.mjs checks afterwards that the console removed it.
  const nets = docker('network', 'ls', '-q', '--filter', `label=${LABEL}`);
  for (const n of nets ? nets.split('\n') : []) {
    for (const endpoint of docker('network', 'inspect', '-f', '{{range $id, $c := .Containers}}{{$id}} {{end}}', n).split(' ').filter(Boolean)) {
      docker('network', 'disconnect', '-f', n, endpoint);
    }
    docker('network', 'rm', n);
  }
}
