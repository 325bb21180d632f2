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
  const info = spawnSync('docker', ['info'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (info.status !== 0 && /permission denied/i.test(info.stderr ?? '')) {
    say(
      `you may not use Docker's socket: add yourself to the docker group (sudo usermod -aG docker ${process.env.USER || '$USER'}, then log in again) or set DOCKER_HOST; starting anyway (the console will show it and keep retrying).`,
    );
  } else if (info.status !== 0) {
    say('Docker is not reachable right now; starting anyway (the console will show it and keep retrying).');
  } else if (/^sonde-toolbox(:|$)/.test(image)) {
    // Ours to build (any tag); other images are pulled or built by whoever named them.
    await makeToolbox(image);
  } else {
    // The console pulls it (progress in this terminal) unless SONDE_TOOLBOX_PULL=never.
    say(
      process.env.SONDE_TOOLBOX_PULL === 'never'
        ? `toolbox image ${image} is missing and SONDE_TOOLBOX_PULL=never; pull or build it (SONDE_TOOLBOX_IMAGE).`
        : `toolbox image ${image} is missing; the console pulls it when it starts (progress below).`,
    );
  }
}

/**
 * The toolbox image, the first time: root builds it from Debian packages (works with no
 * registry); anyone else builds toolbox/Dockerfile when a registry answers, and otherwise is
 * told in one sentence what to run, and the console starts anyway (sessions say the image is
 * missing until it exists).
 */
async function makeToolbox(image) {
  if (process.getuid?.() === 0) {
    say(`toolbox image ${image} is missing; building it from Debian packages, once (toolbox/README.md says how long it takes)`);
    run('bash', [path.join(root, 'toolbox/build.sh')]);
    return;
  }
  if (await registryAnswers()) {
    say(`toolbox image ${image} is missing; building it from toolbox/Dockerfile (docker build), once`);
    const base = process.env.SONDE_TOOLBOX_BASE_IMAGE ? ['--build-arg', `BASE_IMAGE=${process.env.SONDE_TOOLBOX_BASE_IMAGE}`] : [];
    const build = spawnSync('docker', ['build', ...base, '-t', image, path.join(root, 'toolbox')], { cwd: root, stdio: 'inherit' });
    if (build.status === 0) return;
    say(`docker build failed (above): run \`sudo npm run toolbox:build\` once to build ${image} from Debian packages; starting the console meanwhile.`);
    return;
  }
  say(
    `toolbox image ${image} is missing and no registry answers to build toolbox/Dockerfile: run \`sudo npm run toolbox:build\` once (Debian packages, about 4 minutes), or set SONDE_TOOLBOX_IMAGE to an image this engine has; starting the console meanwhile.`,
  );
}

/**
 * Whether the registry of toolbox/Dockerfile's base image answers, within 3 s. Any HTTP answer
 * counts (Docker Hub's /v2/ says 401 without a login). The registry is the one named in
 * SONDE_TOOLBOX_BASE_IMAGE (a mirror: `mirror.example:5000/debian:bookworm-slim`; HTTPS, then
 * plain HTTP as Docker tries an insecure one), else Docker Hub; SONDE_REGISTRY_URL overrides both.
 */
async function registryAnswers() {
  const answers = async (url) => {
    try {
      await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
      return true;
    } catch {
      return false;
    }
  };
  if (process.env.SONDE_REGISTRY_URL) return answers(process.env.SONDE_REGISTRY_URL);
  const host = registryOf(process.env.SONDE_TOOLBOX_BASE_IMAGE ?? '');
  if (!host) return answers('https://registry-1.docker.io/v2/');
  return (await answers(`https://${host}/v2/`)) || answers(`http://${host}/v2/`);
}

/** The registry host of an image reference, as Docker reads one: a first part with a dot, a port or `localhost`; none for Docker Hub. */
function registryOf(reference) {
  const slash = reference.indexOf('/');
  if (slash < 0) return undefined;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

const server = spawn(process.execPath, [path.join(root, 'server/dist/server.js')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
