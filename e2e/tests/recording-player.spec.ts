import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { RecordingsPage } from '../pages/recordings-page.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test.setTimeout(120_000);

test("the player opens on a poster frame, counts the session's idle end in its length, and scrolls a wide screen on a phone", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  const sessionId = await terminal.sessionId();
  await terminal.run('echo poster-$((5*5))');
  await terminal.waitForText(/^poster-25\s*$/m);
  // The subject here is time with no output at the end (a shell left idle before it closed):
  // the recording's events stop now, the session goes on 4 s more.
  await page.waitForTimeout(4000);
  await sonde.endShownSession(sessionId);

  const recordings = new RecordingsPage(page);
  await recordings.playCompleted(sessionId);

  // Before play: the last screen, not an empty box; the clock at 0 of the whole session.
  await expect(recordings.player()).toHaveAttribute('data-poster', 'true');
  await expect.poll(() => recordings.screenText()).toMatch(/^poster-25\s*$/m);
  // At least the 4 idle seconds (closing under load adds some), not 0:00.
  await expect(page.getByTestId('recording-time')).toHaveText(/^0:00 \/ (0:0[4-9]|0:[1-5]\d|\d+:\d\d)$/);

  // Play starts from the beginning (the poster goes), and ends at the session's length.
  await recordings.setSpeed(4);
  await recordings.togglePlay();
  await expect(recordings.player()).toHaveAttribute('data-poster', 'false');
  await expect(recordings.player()).toHaveAttribute('data-state', 'ended', { timeout: 20_000 });
  await expect(page.getByTestId('recording-time')).toHaveText(/^(\d+:\d\d) \/ \1$/);

  // On a phone the recorded width does not fit: the screen scrolls sideways inside itself, the page does not.
  await page.setViewportSize({ width: 390, height: 844 });
  const screen = page.locator('.recording-screen');
  await expect.poll(() => screen.evaluate((e) => e.scrollWidth > e.clientWidth)).toBe(true);
  await expect(screen).toHaveCSS('overflow-x', 'auto');
  await sonde.expectNoHorizontalOverflow();
});

test("a tool run from the session's drawer is a marker on the recording's timeline; clicking it seeks there", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  const sessionId = await terminal.sessionId();
  await terminal.run('echo before-the-tool');
  await terminal.waitForText(/^before-the-tool\s*$/m);
  await page.getByTestId('session-tools-toggle').click();
  const tools = new ToolsPanel(page);
  await tools.choose('dig');
  await tools.fill({ host: fixtures.api.alias });
  const card = await tools.start('dig');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await terminal.run('echo after-the-tool');
  await terminal.waitForText(/^after-the-tool\s*$/m);
  await sonde.endShownSession(sessionId);

  const recordings = new RecordingsPage(page);
  await recordings.playCompleted(sessionId);
  const markers = page.getByTestId('recording-marker');
  await expect(markers).toHaveCount(2);
  await expect(markers.nth(0)).toHaveAccessibleName(new RegExp(`^dig ${fixtures.api.alias.replace(/[.]/g, '\\.')}\\b.* \\(\\d+:\\d\\d\\)$`));
  await expect(markers.nth(1)).toHaveAccessibleName(/^dig: ok, resolved \(\d+ records?\) \(\d+:\d\d\)$/);
  // The ticks sit in order along the timeline, inside it.
  const first = await markers.nth(0).boundingBox();
  const second = await markers.nth(1).boundingBox();
  const slider = await page.getByTestId('recording-seek').boundingBox();
  if (!first || !second || !slider) throw new Error('markers or slider not laid out');
  expect(first.x).toBeGreaterThan(slider.x);
  expect(second.x).toBeGreaterThanOrEqual(first.x);
  expect(second.x + second.width).toBeLessThanOrEqual(slider.x + slider.width + 1);

  // Clicking the end marker seeks there: the slider moves to its time, the poster goes.
  const at = Number(await markers.nth(1).getAttribute('data-time'));
  await markers.nth(1).click();
  await expect(recordings.player()).toHaveAttribute('data-poster', 'false');
  await expect.poll(async () => Math.abs(Number(await page.getByTestId('recording-seek').inputValue()) - at)).toBeLessThan(0.05);
  // The poster (the last screen) already shows both lines: wait for the re-render to drop the
  // later one, then for the earlier one to be written back, and check the later stays out.
  await expect.poll(() => recordings.screenText()).not.toMatch(/^after-the-tool\s*$/m);
  await expect.poll(() => recordings.screenText()).toMatch(/^before-the-tool\s*$/m);
  expect(await recordings.screenText()).not.toMatch(/^after-the-tool\s*$/m);
});
