import { expect, test, type Locator } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { ConsoleApi } from '../support/console-api.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test.use({ viewport: { width: 1440, height: 900 } });

async function boxOf(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('not laid out');
  return box;
}

test.setTimeout(120_000);

test("a tool card leads with the tool's verdict: NXDOMAIN fails although dig exits 0", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(fixtures.web.name).click();
  const tools = new ToolsPanel(page);

  const missing = await tools.run('dig', { host: 'no-such-name.invalid' });
  await expect(missing).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(missing).toHaveAttribute('data-verdict', 'failed');
  await expect(missing.getByTestId('result-verdict')).toContainText('NXDOMAIN');
  // The exit code is still there, second.
  await expect(missing.getByTestId('result-verdict')).toContainText('exit 0');
  const panelBadge = page.getByTestId('run-panel').getByTestId('run-verdict');
  await expect(panelBadge).toHaveAttribute('data-verdict', 'failed');
  await expect(panelBadge.locator('.badge')).not.toHaveClass(/badge-ok/);

  const found = await tools.run('dig', { host: fixtures.api.alias });
  await expect(found).toHaveAttribute('data-verdict', 'ok', { timeout: 30_000 });

  // History rows: the verdict, and a relative time with the full date on hover.
  const newest = page.getByTestId('run-history-item').first();
  await expect(newest.getByTestId('run-verdict')).toHaveAttribute('data-verdict', 'ok');
  const time = newest.getByTestId('time');
  await expect(time).toHaveText(/^(just now|\d+ s ago)$/);
  await expect(time).toHaveAttribute('title', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC[+-]\d\d:\d\d \(\d{4}-\d\d-\d\dT/);

  // The capture form: labels above styled inputs, Start as the primary action.
  const iface = page.getByTestId('capture-interface');
  await expect(iface).toHaveAttribute('placeholder', /^e\.g\. /);
  const label = page.getByTestId('capture-form').locator('label').filter({ has: iface });
  expect((await boxOf(iface)).y).toBeGreaterThan((await boxOf(label)).y + 8);
  await expect(iface).toHaveCSS('height', '28px');
  await expect(page.getByTestId('capture-start')).toHaveClass(/button-primary/);
});

test('admin screens: example placeholders, an empty users table that explains itself, a header whose parts never collide', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token, '/admin/policy');
  const policyFields = page.locator('textarea[data-testid^="policy-"]');
  await expect(policyFields.first()).toBeVisible();
  for (const field of await policyFields.all()) await expect(field).toHaveAttribute('placeholder', /^e\.g\. /);

  await page.goto('/admin');
  const users = await new ConsoleApi().client.users();
  if (users.length === 0) {
    await expect(page.getByTestId('users-empty')).toContainText('No users yet');
    await expect(page.getByTestId('users-table')).toHaveCount(0);
  } else {
    await expect(page.getByTestId('user-row')).toHaveCount(users.length);
    await expect(page.getByTestId('users-empty')).toHaveCount(0);
  }

  // The brand and the signed-in name sit side by side, the name cut with an ellipsis if long.
  const brand = await boxOf(page.locator('.sidebar-top .brand'));
  const name = await boxOf(page.locator('.sidebar-top [data-testid="current-user"] .current-user-name'));
  expect(brand.x + brand.width).toBeLessThanOrEqual(name.x - 4);
  await expect(page.locator('.sidebar-top .current-user-name')).toHaveCSS('text-overflow', 'ellipsis');
});
