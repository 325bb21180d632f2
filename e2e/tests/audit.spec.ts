import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { readFixtures, root, token } from '../support/environment.js';

const fixtures = readFixtures();

test('the audit trail filters by who, action, target and time, with session, run and capture ids apart and details as fields', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  const sessionId = await terminal.sessionId();

  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-page')).toBeVisible();
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();

  // The bootstrap token's name, in another case: names match in any case.
  await page.getByTestId('audit-filter-actor').fill('Bootstrap Token');
  await page.getByTestId('audit-filter-action').selectOption('session-opened');
  await page.getByTestId('audit-filter-target').fill(fixtures.web.name.toUpperCase());
  // From an hour ago (the browser's local time, as the field takes it).
  const hourAgo = new Date(Date.now() - 3600_000);
  const local = new Date(hourAgo.getTime() - hourAgo.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByTestId('audit-filter-since').fill(local);
  await page.getByTestId('audit-filter-apply').click();

  const mine = page.locator(`[data-testid="audit-row"]:has([data-testid="audit-session-id"] button[title$="${sessionId}"])`);
  await expect(mine).toHaveCount(1);
  await expect(rows).not.toHaveCount(0);
  for (const action of await rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-action')))) expect(action).toBe('session-opened');
  for (const target of await page.getByTestId('audit-target').allInnerTexts()) expect(target).toContain(fixtures.web.name);
  // Details are fields, not a line of JSON.
  await expect(mine.getByTestId('audit-details').locator('dt')).toContainText(['target']);
  await expect(mine.getByTestId('audit-run-id')).toHaveText('');
  await page.screenshot({ path: path.join(root, 'docs/screenshots/ui-8-after.png') });

  // Clicking the session id narrows to that session's entries (its opening and joining).
  await mine.getByTestId('audit-session-id').getByRole('button').click();
  await expect(page.getByTestId('audit-filter-session')).toHaveValue(sessionId);

  // A filter the server would refuse is explained here instead.
  await page.getByTestId('audit-filter-session').fill('abc');
  await page.getByTestId('audit-filter-apply').click();
  await expect(page.getByTestId('audit-filter-error')).toContainText('32 hexadecimal characters');
});
