import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { ConsoleApi } from '../support/console-api.js';
import { docker } from '../support/docker.js';
import { fixtureLabel, instance, readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test('log in with the URL token, which then leaves the address bar', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  expect(page.url()).not.toContain(token);
  await expect(sonde.container(fixtures.web.name)).toBeVisible();
  await expect(sonde.statusBar()).toContainText(/connected/i);
});

test('a wrong token shows the login form; the right one logs in', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await page.goto('/');
  await expect(page.getByTestId('login-form')).toBeVisible();
  await sonde.loginWithForm('not-the-token-at-all');
  await expect(page.getByTestId('login-form')).toContainText(/not valid|invalid|wrong/i);
  await sonde.loginWithForm(token);
  await expect(sonde.container(fixtures.web.name)).toBeVisible();
});

test("pick a container, get a prompt in its namespace, see its IP; resizing reaches the shell", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f]{32}$/);
  await terminal.run('ip -4 addr');
  await terminal.waitForText(new RegExp(`inet ${fixtures.web.ip.replace(/\./g, '\\.')}/`));

  await terminal.run('clear; stty size');
  await terminal.waitForText(/^\d+ \d+\s*$/m);
  const before = /^(\d+) (\d+)\s*$/m.exec(await terminal.screenText())!;
  await page.setViewportSize({ width: 900, height: 600 });
  await page.waitForTimeout(300);
  await terminal.run('clear; stty size');
  await expect.poll(async () => /^(\d+) (\d+)\s*$/m.exec(await terminal.screenText())?.[0]).not.toBe(before[0]);
  const after = /^(\d+) (\d+)\s*$/m.exec(await terminal.screenText())!;
  expect(Number(after[2])).toBeLessThan(Number(before[2]));
});

test("with its processes: ps shows the target's processes", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name, { withProcesses: true });
  await terminal.run('ps -e -o comm | grep -c httpd');
  await terminal.waitForText(/^1\s*$/m);
});

test("join a network: Docker's DNS resolves a member's alias", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.joinNetwork(fixtures.network);
  await terminal.run('dig +short payments');
  await terminal.waitForText(new RegExp(`^${fixtures.api.ip.replace(/\./g, '\\.')}\\s*$`, 'm'));
});

test('ending the session removes its toolbox (the tab\'s ✕ only detaches: session-close.spec.ts)', async ({ page }) => {
  const api = new ConsoleApi();
  // A host shell an earlier spec left open would share the toolbox (reuse) and keep it.
  await api.endSessionsWhere((s) => s.target.kind === 'host');
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openHostShell();
  const id = await terminal.sessionId();
  // By the server's id for it: a reused toolbox carries the label of the session it was started for.
  const toolbox = await api.toolboxOf(id);
  expect(toolbox).toMatch(/^[0-9a-f]{12,}$/);
  expect(docker('ps', '-q', '--filter', `id=${toolbox}`)).not.toBe('');
  await page.locator('[data-testid="session-end"]:visible').click();
  await expect.poll(() => docker('ps', '-aq', '--filter', `id=${toolbox}`)).toBe('');
});

test('a container started in a shell appears without a reload', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await expect(sonde.container(fixtures.web.name)).toBeVisible();
  const name = `${instance}-late-${Date.now().toString(36)}`;
  docker('run', '-d', '--name', name, '--label', fixtureLabel, process.env.SONDE_TEST_TARGET_IMAGE || 'sonde-test-target:latest');
  try {
    await expect(sonde.container(name)).toBeVisible();
  } finally {
    docker('rm', '-f', name);
  }
});
