import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { readFixtures, root, token } from '../support/environment.js';

const fixtures = readFixtures();
const screenshots = path.join(root, 'docs/screenshots');

/*
 * Changes left behind: one iptables rule shows live in the open session as one change, stays
 * after the session ends, and once reverted the box turns green with Revert disabled.
 */
test('an iptables rule shows in the open session as one change, and reverting it turns the box green', async ({ page }) => {
  // Three snapshots and a restore, each a toolbox, on a shared machine.
  test.setTimeout(180_000);
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.api.name);
  const port = 40000 + Math.floor(Math.random() * 20000);
  await terminal.run(`iptables -A INPUT -p tcp --dport ${port} -j DROP && echo rule-added`);
  await terminal.waitForText(/^rule-added\s*$/m);

  // Live, in the session: checked a few seconds after typing stopped (or now, on request).
  const live = page.locator('[data-testid="session-netstate"]:visible');
  await expect(live).toHaveAttribute('data-state', 'changed', { timeout: 30_000 });
  await expect(live.getByTestId('session-netstate-summary')).toHaveText('iptables +1 −0');
  await live.getByText('Show the diff').click();
  await expect(live.getByTestId('session-netstate-diff')).toContainText(`--dport ${port} -j DROP`);
  await page.screenshot({ path: path.join(screenshots, 'ui-7-after-live.png') });

  // Ended: the change is left behind, on the container's page, counted once.
  await page.locator('[data-testid="session-end"]:visible').click();
  await sonde.container(fixtures.api.name).click();
  const warning = page.getByTestId('netstate-warning');
  const change = warning.getByTestId('netstate-change').filter({ hasText: 'iptables +1 −0' }).first();
  await expect(change).toBeVisible({ timeout: 30_000 });
  await expect(change).not.toContainText('nft');

  // Reverted: green, says so, and Revert is disabled.
  await change.getByTestId('netstate-revert').click();
  await expect(change.getByTestId('netstate-revert-result')).toHaveAttribute('data-matches', 'true', { timeout: 30_000 });
  await expect(change.getByTestId('netstate-revert')).toBeDisabled();
  await expect(change.getByTestId('netstate-revert')).toHaveText('Reverted');
  await expect(change.getByTestId('netstate-revert-result')).toContainText('reverted');
  await expect(warning).toHaveAttribute('data-state', 'reverted');
  await warning.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshots, 'ui-7-after-reverted.png') });
});
