#!/usr/bin/env node
// `npm start`: installs what is missing, builds what is stale, makes sure the toolbox image
// exists, then runs the console in the foreground (Ctrl-C stops it and removes its toolboxes).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stdout.write(`[sonde] ${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    say(`failed: ${command} ${args.join(' ')}`);
    process.exit(result.status ?? 1);
  }
}

function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  say(`Node ${process.versions.node} is too old; Sonde needs Node 20.19 or newer.`);
  process.exit(1);
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  say('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const workspaces = ['shared', 'client', 'server', 'web'];
const sources = Math.max(...workspaces.map((w) => newest(path.join(root, w, 'src'))), statSync(path.join(root, 'web/index.html')).mtimeMs);
const built = Math.min(...workspaces.map((w) => newest(path.join(root, w, 'dist')) || 0));
if (built < sources) {
  say('building');
  run('npm', ['run', 'build']);
}

const image = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
const docker = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
if (docker.error) {
  say('the docker command is not installed; Sonde needs a Docker engine (apt-get install docker.io).');
} else if (docker.status !== 0) {
  const info = spawnSync('docker', ['info'], { stdio: 'ignore' });
  if (info.status !== 0) {
    say('Docker is not reachable right now; starting anyway (the console will show it and keep retrying).');
  } else if (image === 'sonde-toolbox:latest') {
    say(`toolbox image ${image} is missing; building it from Debian packages, once (toolbox/README.md says how long it takes)`);
    run('bash', [path.join(root, 'toolbox/build.sh')]);
  } else {
    say(`toolbox image ${image} is missing; pull or build it (SONDE_TOOLBOX_IMAGE).`);
  }
}

const server = spawn(process.execPath, [path.join(root, 'server/dist/server.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
