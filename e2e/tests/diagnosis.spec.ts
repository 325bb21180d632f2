import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { ConsolePage } from '../pages/console-page.js';
import { DoctorPanel, MatrixPage, TopologyPage } from '../pages/diagnosis-pages.js';
import { docker } from '../support/docker.js';
import { fixtureLabel, instance, readFixtures, root, token } from '../support/environment.js';

/**
 * The doctor, the connectivity matrix and the topology map in the browser, on fixtures this file
 * breaks itself: a container publishing a port nothing listens on, and a network where one pair
 * is blocked by a firewall rule. They carry the run's fixture label, so global-setup's clean-up
 * removes them too if this file does not get to.
 */
const fixtures = readFixtures();
const TARGET_IMAGE = process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest';
const TOOLBOX_IMAGE = process.env.SONDE_TOOLBOX_IMAGE || 'sonde-toolbox:latest';
/** Set (a directory) to save the screenshots the docs show. */
const screenshots = process.env.SONDE_E2E_SCREENSHOTS;
const suffix = Math.random().toString(16).slice(2, 8);
const names = {
  network: `${instance}-diag-net-${suffix}`,
  noListener: `${instance}-diag-nolisten-${suffix}`,
  alpha: `${instance}-diag-alpha-${suffix}`,
  beta: `${instance}-diag-beta-${suffix}`,
  gamma: `${instance}-diag-gamma-${suffix}`,
};

async function shoot(page: Page, file: string, locator?: ReturnType<Page['locator']>): Promise<void> {
  if (!screenshots) return;
  const target = path.resolve(root, screenshots, file);
  if (locator) await locator.screenshot({ path: target });
  else await page.screenshot({ path: target, fullPage: false });
}

test.beforeAll(() => {
  docker('network', 'create', '--label', fixtureLabel, names.network);
  // Published port 8080: nothing in the container listens on it (httpd serves 80).
  docker('run', '-d', '--name', names.noListener, '--label', fixtureLabel, '--network', names.network, '-p', '127.0.0.1::8080', TARGET_IMAGE);
  for (const member of [names.alpha, names.beta, names.gamma]) docker('run', '-d', '--name', member, '--label', fixtureLabel, '--network', names.network, TARGET_IMAGE);
  const alphaIp = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${names.network}").IPAddress}}`, names.alpha);
  // Gamma drops what alpha starts: the one blocked pair.
  docker('run', '--rm', '--label', fixtureLabel, '--net', `container:${names.gamma}`, '--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN', '--entrypoint', 'iptables', TOOLBOX_IMAGE, '-I', 'INPUT', '-s', alphaIp, '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP');
});

test.afterAll(() => {
  docker('rm', '-f', names.noListener, names.alpha, names.beta, names.gamma);
  docker('network', 'rm', names.network);
});

test("the doctor on a container's page: a published port nothing listens on, with the evidence on demand", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(names.noListener).click();
  const doctor = new DoctorPanel(page);
  const run = await doctor.run();
  const finding = doctor.finding(run, 'published-port-not-listening');
  await expect(finding).toHaveAttribute('data-severity', 'error');
  await expect(finding).toContainText('Nothing listens on 8080/tcp');
  await expect(finding).toContainText('Fix:');
  // Evidence stays folded until asked for.
  await expect(finding.getByText('ss -ltun')).toBeHidden();
  const evidence = await doctor.evidence(finding);
  await expect(evidence).toContainText('$ ss -ltun');
  await expect(evidence).toContainText(':80');
  await expect(run.locator('[data-testid="doctor-finding"]')).toHaveCount(1);
  await shoot(page, 'doctor-panel.png', doctor.root);
  // Run again: a fresh run, the same finding.
  const again = await doctor.run();
  await expect(doctor.finding(again, 'published-port-not-listening')).toBeVisible();
  await expect.poll(() => docker('ps', '-aq', '--filter', 'label=sonde.doctor', '--filter', `label=sonde.instance=${instance}`)).toBe('');
});

test('the matrix of a network: the blocked pair fails with its reason, the rest answer, and its doctor says why', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.network(names.network).click();
  const matrix = new MatrixPage(page);
  await matrix.start(['icmp', 'tcp']);
  await matrix.waitUntilDone();
  await expect(matrix.cell(names.alpha, names.gamma)).toHaveAttribute('data-status', 'fail');
  for (const [from, to] of [
    [names.gamma, names.alpha],
    [names.alpha, names.beta],
    [names.beta, names.gamma],
  ] as const) {
    await expect(matrix.cell(from, to)).toHaveAttribute('data-status', 'ok');
  }
  const detail = await matrix.open(names.alpha, names.gamma);
  await expect(detail).toContainText('ping: timeout');
  await expect(detail).toContainText('TCP 80 filtered (timeout)');
  await shoot(page, 'matrix.png', page.getByTestId('matrix-page'));
  const pair = await matrix.diagnosePair();
  const finding = pair.locator('[data-testid="doctor-finding"][data-code="peer-unreachable"]');
  await expect(finding).toContainText(`cannot reach ${names.gamma}`);
  await expect(finding).toContainText('TCP 80: filtered (timeout)');
  await shoot(page, 'matrix-pair-doctor.png', page.getByTestId('pair-doctor'));
  await expect(page.getByTestId('matrix-export-csv')).toHaveAttribute('href', /\/export\?format=csv$/);
});

test('the topology map: the Compose project is drawn with its network and addresses, and a click opens a shell', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const topology = new TopologyPage(page);
  await topology.open();
  await expect(topology.node('network', fixtures.network)).toBeVisible();
  await expect(topology.node('container', fixtures.web.name)).toBeVisible();
  await expect(topology.map()).toContainText(fixtures.api.ip);
  await shoot(page, 'topology.png');
  await topology.filterProject('e2eshop');
  await expect(topology.node('container', names.alpha)).toHaveCount(0);
  await expect(topology.node('container', fixtures.api.name)).toBeVisible();
  const selection = await topology.select('container', fixtures.web.name);
  await expect(selection).toContainText(fixtures.web.ip);
  await selection.getByTestId('topology-shell').click();
  const terminal = await sonde.activeTerminal();
  await terminal.run('ip -4 -o addr show eth0');
  await terminal.waitForText(new RegExp(`inet ${fixtures.web.ip.replace(/\./g, '\\.')}/`));
});
