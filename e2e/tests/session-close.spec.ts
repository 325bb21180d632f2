import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { SessionSharing } from '../pages/session-sharing.js';
import { ConsoleApi } from '../support/console-api.js';
import { docker } from '../support/docker.js';
import { readFixtures, root, token } from '../support/environment.js';

const fixtures = readFixtures();
const screenshots = path.join(root, 'docs/screenshots');

/*
 * Closing a tab detaches (the session lives on, "My sessions" rejoins it); "End session" ends it,
 * asking first when someone else is attached; the guest then reads that the owner ended it.
 */
test('closing a tab detaches and Rejoin brings it back; ending with a guest attached asks, and the guest sees the owner ended it', async ({ browser }) => {
  // Two browsers and two shells' worth of waiting on a shared machine.
  test.setTimeout(180_000);
  const ownerContext = await browser.newContext();
  const guestContext = await browser.newContext();
  const api = new ConsoleApi();
  // Shells earlier specs left on this target would share its toolbox (reuse), which then outlives this session.
  await api.endSessionsWhere((s) => s.target.kind === 'container' && s.target.containerId === fixtures.web.id);
  try {
    const ownerPage = await ownerContext.newPage();
    const owner = new ConsolePage(ownerPage);
    await owner.loginWithUrl(token);
    const terminal = await owner.openContainerShell(fixtures.web.name);
    const sessionId = await terminal.sessionId();
    // By the id the server gives: a reused toolbox carries the label of the session it was started for.
    const toolbox = await api.toolboxOf(sessionId);
    expect(toolbox).toMatch(/^[0-9a-f]{12,}$/);
    await terminal.run('echo detach-$((6*7))');
    await terminal.waitForText(/^detach-42\s*$/m);
    const tab = ownerPage.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"]`);

    // The tab's ✕ detaches: the tab goes, the toolbox stays, "My sessions" lists it.
    await tab.getByRole('button', { name: /^Close / }).click();
    await expect(tab).toHaveCount(0);
    // Another tab, or the overview, is in front; "My sessions" is on the overview.
    await expect(ownerPage).not.toHaveURL(new RegExp(sessionId));
    await ownerPage.getByRole('link', { name: 'Overview', exact: true }).first().click();
    const mine = ownerPage.locator(`[data-testid="my-session"][data-session-id="${sessionId}"]`);
    await expect(mine).toContainText(/detached/);
    expect(docker('ps', '-q', '--filter', `id=${toolbox}`)).not.toBe('');
    await ownerPage.getByTestId('my-sessions').screenshot({ path: path.join(screenshots, 'ui-4-after-my-sessions.png') });

    // Rejoin: the same shell, with what it printed before.
    await mine.getByTestId('my-session-rejoin').click();
    await expect(ownerPage).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
    const again = await owner.activeTerminal();
    await again.waitForText(/^detach-42\s*$/m);
    await expect(tab).toHaveCount(1);

    // A guest joins through a viewer link.
    const sharing = new SessionSharing(ownerPage);
    const link = await sharing.createLink('viewer');
    await sharing.closeDialog();
    const guestPage = await guestContext.newPage();
    await guestPage.goto(link);
    const guestSharing = new SessionSharing(guestPage);
    await new ConsolePage(guestPage).activeTerminal();
    await expect(sharing.participants()).toHaveCount(2);

    // End session asks first, naming the guest; Cancel keeps it running. (Other sessions' panes
    // stay mounted, hidden: the visible pane's buttons.)
    const visible = (testId: string) => ownerPage.locator(`[data-testid="${testId}"]:visible`);
    await visible('session-end').click();
    await expect(visible('session-end-confirm')).toContainText(/End this session for everyone\? guest.* is attached/);
    await ownerPage.screenshot({ path: path.join(screenshots, 'ui-4-after-end-confirm.png') });
    await visible('session-end-confirm').getByRole('button', { name: 'Cancel' }).click();
    await expect(visible('session-end')).toBeVisible();
    await visible('session-end').click();
    await visible('session-end-yes').click();
    await expect(tab).toHaveCount(0);

    // The guest reads who ended it and what to do next, not a link expiry.
    await expect(guestPage.getByTestId('guest-session-ended')).toContainText('The owner ended this session');
    await expect(guestPage.getByTestId('guest-session-ended')).toContainText('ask bootstrap token to open a new session');
    await expect(guestSharing.guestBanner()).toContainText('has ended');
    await expect(guestSharing.guestBanner()).not.toContainText('expires');
    await guestPage.screenshot({ path: path.join(screenshots, 'ui-4-after-guest.png') });
    await expect.poll(() => docker('ps', '-aq', '--filter', `id=${toolbox}`)).toBe('');
  } finally {
    await ownerContext.close();
    await guestContext.close();
  }
});
