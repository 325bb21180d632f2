import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { ConsolePage } from '../pages/console-page.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { readFixtures, root, token } from '../support/environment.js';

/**
 * The before/after screenshots of issue 17's screens (docs/screenshots/ui-<point>-<tag>.png).
 * `SONDE_SCREENSHOT_TAG=before` on the old build, `after` (the default) on the new one; it uses
 * only test hooks both builds have, so the same walk takes both sets.
 */
const tag = process.env.SONDE_SCREENSHOT_TAG || 'after';
const fixtures = readFixtures();

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(root, 'docs/screenshots', `ui-${name}-${tag}.png`) });
}

test('phone (390×844): overview, container page and a shell', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await expect(page.getByTestId('status-bar')).toBeVisible();
  await shot(page, '1-overview');
  await page.goto(`/containers/${fixtures.web.id}`);
  await expect(page.getByTestId('shell-net')).toBeVisible();
  await shot(page, '1-container');
  await page.getByTestId('shell-net').click();
  const terminal = await sonde.activeTerminal();
  await terminal.run('echo phone-ok');
  await terminal.waitForText(/^phone-ok/m);
  await shot(page, '1-shell');
});

test('desktop: tools in a session, a dig result, the header', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.openContainerShell(fixtures.web.name);
  await page.getByTestId('session-tools-toggle').click();
  const tools = new ToolsPanel(page);
  await tools.choose('dig');
  await shot(page, '3-session-tools');
  await tools.fill({ host: 'nothing-here.invalid' });
  const card = await tools.start('dig');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await shot(page, '5-dig-nxdomain');
  await page.goto('/admin/users');
  await expect(page.getByTestId('nav-admin')).toBeVisible();
  await shot(page, '5-admin');
});
