import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

test.use({ viewport: { width: 1440, height: 900 } });

test.setTimeout(120_000);

test("a session's tools sit beside the terminal, resize, remember their width, and show the result when it arrives", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  // The session's own terminal (the panel's run output is a terminal too).
  const sessionTerminal = page.locator(`[data-testid="terminal"][data-session-id="${await terminal.sessionId()}"]`);
  await page.getByTestId('session-tools-toggle').click();
  const panel = page.getByTestId('session-tools-panel');
  await expect(panel).toBeVisible();

  // Beside, not above: same top, panel on the right, the terminal keeps its height.
  const term = await sessionTerminal.boundingBox();
  const side = await panel.boundingBox();
  if (!term || !side) throw new Error('terminal or panel not laid out');
  expect(side.x).toBeGreaterThanOrEqual(term.x + term.width - 1);
  expect(Math.abs(side.y - term.y)).toBeLessThan(2);
  expect(term.height).toBeGreaterThan(600);

  // A tool with a long form: its Run button is on screen without scrolling.
  const tools = new ToolsPanel(page);
  await tools.choose('curl');
  await expect(tools.root.getByTestId('run-tool')).toBeInViewport();
  await tools.choose('dig');
  await expect(tools.root.getByTestId('run-tool')).toBeInViewport();
  await tools.fill({ host: fixtures.api.alias });
  const card = await tools.start('dig');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(card).toContainText(fixtures.api.ip);
  await expect(card).toBeInViewport();

  // Dragging the edge left widens the panel; the width is remembered across a reload.
  const handle = page.getByTestId('session-tools-panel-resize');
  const handleBox = await handle.boundingBox();
  if (!handleBox) throw new Error('no resize handle');
  const before = side.width;
  await page.mouse.move(handleBox.x + handleBox.width / 2, handleBox.y + 200);
  await page.mouse.down();
  await page.mouse.move(handleBox.x - 150, handleBox.y + 200, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await panel.boundingBox())?.width ?? 0).toBeGreaterThan(before + 120);
  const widened = (await panel.boundingBox())?.width ?? 0;
  // The terminal gave up the room (FitAddon refits it to fewer columns).
  expect((await sessionTerminal.boundingBox())?.width ?? 0).toBeLessThan(term.width - 120);

  await page.reload();
  await page.getByTestId('session-tools-toggle').click();
  await expect.poll(async () => Math.round((await panel.boundingBox())?.width ?? 0)).toBe(Math.round(widened));

  // Below the breakpoint the panel is a bottom sheet under a full-width terminal.
  await page.setViewportSize({ width: 700, height: 900 });
  await expect
    .poll(async () => {
      const t = await sessionTerminal.boundingBox();
      const p = await panel.boundingBox();
      return Boolean(t && p && p.y >= t.y + t.height - 1 && p.width >= 690);
    })
    .toBe(true);
});
