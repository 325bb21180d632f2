import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { SessionSharing } from '../pages/session-sharing.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

// A phone: 390×844, touch first (`pointer: coarse`, so the terminal gets its key row).
test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test('on a phone: log in, pick a container from the menu, run a tool, open a shell, type and read', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  // The sidebar is folded away; the overview has the whole width.
  await expect(page.getByTestId('sidebar')).not.toBeInViewport();
  await sonde.expectNoHorizontalOverflow();

  await sonde.showSidebar();
  await sonde.container(fixtures.web.name).click();
  // Picking a target closes the menu.
  await expect(page.getByTestId('sidebar')).not.toBeInViewport();
  await expect(page.getByTestId('shell-net')).toBeVisible();
  await sonde.expectNoHorizontalOverflow();

  const tools = new ToolsPanel(page);
  const dig = await tools.run('dig', { host: fixtures.api.alias });
  await expect(dig).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(dig).toContainText('NOERROR');
  await expect(dig).toBeInViewport();
  await sonde.expectNoHorizontalOverflow();

  await page.getByTestId('shell-net').click();
  const terminal = await sonde.activeTerminal();
  // The terminal takes the full width (minus its padding), not what a sidebar leaves.
  const box = await terminal.root.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThanOrEqual(380);
  await terminal.run('echo phone-$((6*7))');
  await terminal.waitForText(/^phone-42/m);
  await sonde.expectNoHorizontalOverflow();

  // The session's share dialog fits the screen.
  const sharing = new SessionSharing(page);
  await sharing.openDialog();
  const dialog = await sharing.dialog().boundingBox();
  expect(dialog).not.toBeNull();
  expect((dialog?.x ?? -1) >= 0 && (dialog?.x ?? 0) + (dialog?.width ?? 0) <= 390).toBe(true);
  await sharing.closeDialog();
});

test("on a phone: the key row sends Tab, arrows, Esc, Ctrl-C and a latched Ctrl through the terminal's input", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await page.goto(`/containers/${fixtures.web.id}`);
  await page.getByTestId('shell-net').click();
  const terminal = await sonde.activeTerminal();
  const key = (name: string) => terminal.root.locator(`[data-testid="touch-key"][data-key="${name}"]`);
  await expect(page.getByTestId('touch-keys')).toBeInViewport();

  // Tab completes (bash): "ech" + Tab becomes "echo ".
  await terminal.type('ech');
  await key('tab').click();
  await page.keyboard.type('tabbed-$((2+3))');
  await page.keyboard.press('Enter');
  await terminal.waitForText(/^tabbed-5/m);

  // Up recalls the last command, Left moves before its last character.
  await terminal.type('echo arrow-1');
  await page.keyboard.press('Enter');
  await terminal.waitForText(/^arrow-1/m);
  await key('up').click();
  await key('left').click();
  await page.keyboard.type('0');
  await page.keyboard.press('Enter');
  await terminal.waitForText(/^arrow-01/m);

  // Ctrl-C interrupts a running command: sent once the command runs (its first line is out), not
  // while the shell is still reading the line, where it would only cancel the typing.
  await terminal.type('echo started-$((1+1)); sleep 300; echo not-interrupted');
  await page.keyboard.press('Enter');
  await terminal.waitForText(/^started-2/m);
  await key('ctrl-c').click();
  // The tty echoes ^C, then the shell prompts again (the screen ends with the prompt).
  await terminal.waitForText(/\^C[\s\S]*[#$]\s*$/);
  await terminal.run('echo after-$((40+2))');
  await terminal.waitForText(/^after-42/m);
  expect(await terminal.screenText()).not.toMatch(/^not-interrupted/m);

  // Ctrl latched, then "u" typed on the keyboard: Ctrl+U erases the line typed so far.
  await terminal.type('echo erased');
  await key('ctrl').click();
  await expect(key('ctrl')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.type('u');
  await expect(key('ctrl')).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.type('echo kept-$((3*3))');
  await page.keyboard.press('Enter');
  await terminal.waitForText(/^kept-9/m);
  expect(await terminal.screenText()).not.toMatch(/^erased/m);
});

test('on a phone: the other main pages fit the width', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  for (const path of ['/recordings', '/admin/users', '/audit']) {
    await page.goto(path);
    await expect(page.getByTestId('status-bar')).toBeVisible();
    await sonde.expectNoHorizontalOverflow();
  }
  await sonde.showSidebar();
  await sonde.network(fixtures.network).click();
  await expect(page.getByTestId('join-network')).toBeVisible();
  await sonde.expectNoHorizontalOverflow();
});
