import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { ConsoleApi } from '../support/console-api.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test.setTimeout(120_000);

test('the theme follows the system, a toggle overrides it (remembered), and the terminal follows', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(246, 248, 250)');

  const terminal = await sonde.openContainerShell(fixtures.web.name);
  const viewport = terminal.root.locator('.xterm-viewport');
  await expect(viewport).toHaveCSS('background-color', 'rgb(251, 252, 253)');

  // Toggle: the other scheme, applied to the page and the open terminal at once.
  await page.locator('[data-testid="theme-toggle"]:visible').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(viewport).toHaveCSS('background-color', 'rgb(11, 14, 19)');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');

  // The cycle goes on: this scheme forced (light), then following the system again.
  const toggle = page.locator('[data-testid="theme-toggle"]:visible');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-preference', 'light');
  await toggle.click();
  await expect(toggle).toHaveAttribute('data-preference', 'system');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
});

test('keyboard shortcuts: ? lists them, / filters, n opens a shell, ] and [ switch tabs, w closes; off inside the terminal', async ({ page }) => {
  // Every live session is a tab: ones earlier specs left (detached, ending when their grace
  // period runs out) would be switched to, mounted and focused under the keys, and leave.
  await new ConsoleApi().endSessionsWhere(() => true);
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await page.locator('body').press('?');
  const overlay = page.getByTestId('shortcuts-overlay');
  await expect(overlay).toBeVisible();
  await expect(overlay.getByTestId('shortcut-row')).toHaveCount(6);
  await page.keyboard.press('Escape');
  await expect(overlay).toBeHidden();

  await page.keyboard.press('/');
  await expect(page.getByTestId('filter')).toBeFocused();
  // In a field the keys are text.
  await page.keyboard.type('n]');
  await expect(page.getByTestId('filter')).toHaveValue('n]');
  await page.getByTestId('filter').fill('');

  const picked = sonde.container(fixtures.web.name);
  await picked.click();
  // "n" does what the page offers: wait until the container page offers a shell.
  await expect(page.getByTestId('shell-net')).toBeEnabled();
  // Focus is on the picked link (not a field, not a terminal): shortcuts apply. Said, not
  // assumed: under load a key pressed while the click's focus had not settled went nowhere.
  await picked.focus();
  await expect(picked).toBeFocused();
  await page.keyboard.press('n');
  const first = await sonde.activeTerminal();
  const firstId = await first.sessionId();
  // The tabs are this test's own: none was left open.
  const tabs = page.getByTestId('session-tab');
  await expect(tabs).toHaveCount(1);
  const baseline = await tabs.count();

  // Inside the terminal "n" is typed into the shell, not a shortcut.
  await first.run('echo n-stays-$((1+1))');
  await first.waitForText(/^n-stays-2/m);
  await expect(tabs).toHaveCount(baseline);

  // The escape leaves the terminal; then "n" opens another shell on the same target.
  await sonde.leaveTerminal();
  await page.keyboard.press('n');
  await expect(tabs).toHaveCount(baseline + 1);
  // The new tab is in front (until then the first terminal is still the one shown).
  await expect(page).not.toHaveURL(new RegExp(`/sessions/${firstId}$`));
  const second = await sonde.activeTerminal();
  const secondId = await second.sessionId();
  expect(secondId).not.toBe(firstId);

  await sonde.leaveTerminal();
  await page.keyboard.press('[');
  await expect(page).not.toHaveURL(new RegExp(`/sessions/${secondId}$`));
  await sonde.leaveTerminal();
  await page.keyboard.press(']');
  await expect(page).toHaveURL(new RegExp(`/sessions/${secondId}$`));

  await sonde.leaveTerminal();
  await page.keyboard.press('w');
  await expect(page.locator(`[data-testid="session-tab"][data-session-id="${secondId}"]`)).toHaveCount(0);
  // The next tab is now in front; w closes it too.
  const third = await page.locator('[data-testid="session-tab"].is-active').getAttribute('data-session-id');
  await sonde.leaveTerminal();
  await page.keyboard.press('w');
  await expect(page.locator(`[data-testid="session-tab"][data-session-id="${third ?? ''}"]`)).toHaveCount(0);
  await expect(tabs).toHaveCount(baseline - 1);
});
