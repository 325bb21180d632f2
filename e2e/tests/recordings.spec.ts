import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { RecordingsPage } from '../pages/recordings-page.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test('a closed session is listed as a recording and replays in the browser with play, pause, seek and speed', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  const sessionId = await terminal.sessionId();
  await terminal.run('echo replay-$((6*7))');
  await terminal.waitForText(/^replay-42\s*$/m);
  await terminal.run('sleep 1; echo later-$((7*7))');
  await terminal.waitForText(/^later-49\s*$/m);
  // The tab goes once the toolbox is gone (other tabs, e.g. sessions other tests left open, may stay).
  await sonde.endShownSession(sessionId);

  const recordings = new RecordingsPage(page);
  await recordings.playCompleted(sessionId);

  await recordings.setSpeed(4);
  await recordings.togglePlay();
  await expect(recordings.player()).toHaveAttribute('data-state', /playing|ended/);
  await expect(recordings.player()).toHaveAttribute('data-state', 'ended', { timeout: 20_000 });
  expect(await recordings.screenText()).toMatch(/^replay-42\s*$/m);
  expect(await recordings.screenText()).toMatch(/^later-49\s*$/m);

  // Seeking back to the start redraws the screen as it was then: nothing typed yet.
  await recordings.seek(0);
  await expect.poll(() => recordings.screenText()).not.toMatch(/replay-42/);
  await expect(recordings.player()).not.toHaveAttribute('data-state', 'playing');
  // Play from the start, pause: the position holds.
  await recordings.togglePlay();
  await expect(recordings.player()).toHaveAttribute('data-state', 'playing');
  await recordings.togglePlay();
  await expect(recordings.player()).toHaveAttribute('data-state', 'paused');
  const held = await page.getByTestId('recording-time').innerText();
  await page.waitForTimeout(600);
  expect(await page.getByTestId('recording-time').innerText()).toBe(held);
});
