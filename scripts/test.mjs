#!/usr/bin/env node
// `npm test`: provisions the machine (or says what it lacks), builds, lints, then runs every tier (unit, real-Docker integration, browser e2e)
// and ends with each failure in short (so a log read from its end shows them) and one plain summary
// line, "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = path.join(root, 'test-results');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

function step(title, command, args, env = {}) {
  process.stdout.write(`\n==> ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function vitestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failed = report.numFailedTests ?? 0;
  // A run that failed outside any test (global setup, a file that does not load) counts once.
  return { passed: report.numPassedTests ?? 0, failed: failed + (report.success === false && failed === 0 ? 1 : 0) };
}

function playwrightCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1 };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const stats = report.stats ?? {};
  return { passed: stats.expected ?? 0, failed: (stats.unexpected ?? 0) + (stats.flaky ?? 0) + (report.errors?.length ?? 0) };
}

/** Failures kept for the digest at the end: a title and its error's first lines, each report's own. */
const failures = [];
const DIGEST_LINES = 24;
const stripAnsi = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '');

function vitestFailures(tier, file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const result of report.testResults ?? []) {
    const where = path.relative(root, result.name ?? '');
    const failed = (result.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of failed) failures.push({ title: `${tier} › ${where} › ${a.fullName}`, error: (a.failureMessages ?? []).join('\n') });
    // A file that failed outside its tests (a hook, an import) says so only here.
    if (failed.length === 0 && result.status === 'failed') failures.push({ title: `${tier} › ${where}`, error: result.message ?? '' });
  }
}

function playwrightFailures(tier, file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === 'expected' || test.status === 'skipped') continue;
        const errors = (test.results ?? []).flatMap((r) => (r.errors ?? []).map((e) => e.message ?? e.value ?? ''));
        failures.push({ title: `${tier} › ${spec.file}:${spec.line} › ${[...titles, spec.title].join(' › ')} (${test.status})`, error: errors.join('\n') });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of report.suites ?? []) walk(suite, []);
  for (const e of report.errors ?? []) failures.push({ title: `${tier} › outside any test`, error: e.message ?? '' });
}

/** A step that is one check: counted once, and named in the digest (its own output says why). */
function failedStep(title) {
  failures.push({ title, error: 'failed: its output is above, under its "==> " line' });
  return { passed: 0, failed: 1 };
}

function printDigest() {
  if (failures.length === 0) return;
  process.stdout.write(`\n==> the ${failures.length} failure(s) in short (each tier's own output above has them whole)\n`);
  for (const f of failures) {
    // Stack frames of the test runners and of Node say nothing about the failure: left out.
    const lines = stripAnsi(f.error)
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^\s+at .*(node_modules|node:internal|<anonymous>)/.test(l));
    process.stdout.write(`\n✗ ${f.title}\n`);
    for (const line of lines.slice(0, DIGEST_LINES)) process.stdout.write(`    ${line.slice(0, 200)}\n`);
    if (lines.length > DIGEST_LINES) process.stdout.write(`    … ${lines.length - DIGEST_LINES} more lines\n`);
  }
}

const only = process.argv[2]; // optional: lint | unit | integration | e2e | e2e-swarm | e2e-kubernetes
const totals = { passed: 0, failed: 0 };
const add = (c) => {
  totals.passed += c.passed;
  totals.failed += c.failed;
};

// What the tests need from the machine (Debian packages, a Docker engine): installed when we are
// root, otherwise named with the apt-get line to run, before anything runs (scripts/provision.sh).
if (!step('machine: packages and Docker engine (scripts/provision.sh)', 'bash', [path.join(root, 'scripts/provision.sh')])) {
  process.stdout.write('\ntests: 0 passed, 1 failed (the machine lacks what the tests need: see above)\n');
  process.exit(1);
}

if (!step('build', 'npm', ['run', 'build'])) {
  process.stdout.write('\ntests: 0 passed, 1 failed\n');
  process.exit(1);
}

if (!only || only === 'lint') {
  // The architecture rules (eslint.config.js) and no import cycles: one check, pass or fail.
  add(step('lint', 'npm', ['run', 'lint']) ? { passed: 1, failed: 0 } : failedStep('lint'));
  // The server's tests and the bench as TypeScript programs of their own (vitest does not type-check,
  // and the bench's program must hold every plugin's decorations): after the build, which they import.
  add(step('types: server tests and bench', 'npm', ['run', 'typecheck', '-w', 'server']) ? { passed: 1, failed: 0 } : failedStep('types'));
}

for (const tier of ['unit', 'integration']) {
  if (only && only !== tier) continue;
  const out = path.join(reports, `${tier}.json`);
  step(`${tier} tests`, 'npx', ['vitest', 'run', '--project', tier, '--reporter=default', '--reporter=json', `--outputFile=${out}`]);
  add(vitestCounts(out));
  vitestFailures(tier, out);
}

if (!only || only === 'e2e') {
  const out = path.join(reports, 'e2e.json');
  step('end-to-end tests (Chromium)', 'npm', ['run', 'test', '-w', 'e2e'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  add(playwrightCounts(out));
  playwrightFailures('e2e', out);
  // The e2e console was stopped with SIGTERM: it must have removed every toolbox it started.
  process.stdout.write('\n==> no toolbox left behind by the e2e console\n');
  const instance = process.env.SONDE_E2E_INSTANCE || 'e2e';
  const leftover = spawnSync('docker', ['ps', '-aq', '--filter', `label=sonde.instance=${instance}`], { encoding: 'utf8' }).stdout.trim();
  if (leftover) {
    const ids = leftover.split('\n');
    process.stdout.write(`leaked toolboxes: ${ids.join(' ')}\n`);
    spawnSync('docker', ['rm', '-f', ...ids]);
    add({ passed: 0, failed: 1 });
    failures.push({ title: 'e2e › no toolbox left behind', error: `leaked toolboxes: ${ids.join(' ')}` });
  } else {
    add({ passed: 1, failed: 0 });
  }
}

if (!only || only === 'e2e-swarm') {
  // The browser against a console of two engines, the nodes of the Swarm testbed (reused when up,
  // else built and removed after). Its global teardown fails the run if a node kept a toolbox.
  const out = path.join(reports, 'e2e-swarm.json');
  step('end-to-end tests, many engines and Swarm (Chromium)', 'npm', ['run', 'test:swarm', '-w', 'e2e'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  add(playwrightCounts(out));
  playwrightFailures('e2e-swarm', out);
}

if (!only || only === 'e2e-kubernetes') {
  // The browser against a console whose engine is a cluster answered from recorded API exchanges
  // (no API server can run here). Its global teardown fails the run unless the console made exactly
  // the recorded calls.
  const out = path.join(reports, 'e2e-kubernetes.json');
  step('end-to-end tests, Kubernetes against recorded API exchanges (Chromium)', 'npm', ['run', 'test:kubernetes', '-w', 'e2e'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  add(playwrightCounts(out));
  playwrightFailures('e2e-kubernetes', out);
}

printDigest();
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
