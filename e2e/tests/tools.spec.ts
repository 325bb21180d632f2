import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { docker } from '../support/docker.js';
import { instance, readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test("from a container's page: dig an alias and check ports without typing a command", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(fixtures.web.name).click();
  const tools = new ToolsPanel(page);

  const dig = await tools.run('dig', { host: fixtures.api.alias });
  await expect(dig).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(dig).toContainText('NOERROR');
  await expect(dig).toContainText(fixtures.api.ip);
  await expect(tools.output()).toContainText('ANSWER SECTION');

  const ports = await tools.run('port-check', { host: fixtures.api.name, ports: '80,81' });
  await expect(ports).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(ports.locator('tr[data-port="80"]')).toContainText('open');
  await expect(ports.locator('tr[data-port="81"]')).toContainText('closed');
  // Every run's toolbox is gone once it has exited.
  await expect.poll(() => docker('ps', '-aq', '--filter', 'label=sonde.run', '--filter', `label=sonde.instance=${instance}`)).toBe('');
});

test('hostile parameter values are refused in the form, before anything runs', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(fixtures.web.name).click();
  const tools = new ToolsPanel(page);
  await tools.choose('ping');
  await tools.fill({ host: '-oProxyCommand=id' });
  await tools.root.getByTestId('run-tool').click();
  await expect(tools.root.getByRole('alert')).toContainText('must not start with "-"');
  await expect(tools.resultCard('ping')).toHaveCount(0);
});

test('from a network page: ping every member at once', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.network(fixtures.network).click();
  await page.getByTestId('ping-members').click();
  const tools = new ToolsPanel(page);
  // xterm renders only what is on screen; the page scrolls the run into view by itself.
  await expect(tools.output()).toBeInViewport({ timeout: 15_000 });
  for (const member of [fixtures.web, fixtures.api]) {
    await expect(tools.output()).toContainText(new RegExp(`${member.ip.replace(/\./g, '\\.')}\\s*: xmt/rcv/%loss = 3/3/0%`), { timeout: 30_000 });
  }
});

test("from a terminal tab: a tool runs in that session's namespace", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.openContainerShell(fixtures.web.name);
  await page.getByTestId('session-tools-toggle').click();
  const tools = new ToolsPanel(page);
  await tools.run('ip-addr', {});
  await expect(tools.output()).toContainText(`inet ${fixtures.web.ip}/`, { timeout: 30_000 });
});
