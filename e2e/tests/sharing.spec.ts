import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { SessionSharing } from '../pages/session-sharing.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

/*
 * Two people, two browser contexts (two cookie jars): the owner shares a shell with a viewer
 * link, the guest watches, cannot type, is handed the keyboard, and loses access on revoke.
 */
test('share a shell: the guest watches read-only, gets the keyboard, and is cut off on revoke', async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const guestContext = await browser.newContext();
  try {
    const ownerPage = await ownerContext.newPage();
    const owner = new ConsolePage(ownerPage);
    const ownerSharing = new SessionSharing(ownerPage);
    await owner.loginWithUrl(token);
    const ownerTerminal = await owner.openContainerShell(fixtures.web.name);
    const sessionId = await ownerTerminal.sessionId();

    const link = await ownerSharing.createLink('viewer');
    expect(new URL(link).origin).toBe(new URL(ownerPage.url()).origin);
    await ownerSharing.closeDialog();

    // The guest opens the link: the token is swapped for a cookie and leaves the address bar.
    const guestPage = await guestContext.newPage();
    const guest = new ConsolePage(guestPage);
    const guestSharing = new SessionSharing(guestPage);
    await guestPage.goto(link);
    await expect(guestPage).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
    await expect(guestSharing.guestBanner()).toContainText(/as a viewer \(read-only\) via a share link, expires/);
    await expect(guestPage.getByTestId('container-item')).toHaveCount(0);
    const guestTerminal = await guest.activeTerminal();
    await expect(guestSharing.readOnlyBadge()).toBeVisible();

    // Both see both, with who may type.
    for (const sharing of [ownerSharing, guestSharing]) {
      await expect(sharing.participants()).toHaveCount(2);
      await expect(sharing.participant(/guest/)).toHaveAttribute('data-role', 'viewer');
      await expect(sharing.participant(/guest/)).toContainText('watching');
      await expect(sharing.participant('bootstrap')).toContainText('can type');
      await expect(sharing.participant('bootstrap').getByTestId('participant-owner')).toBeVisible();
    }
    await expect(guestSharing.participants().getByTestId('give-keyboard')).toHaveCount(0);

    // The owner types; the guest sees it.
    await ownerTerminal.run('echo shared-$((40+2))');
    await guestTerminal.waitForText(/^shared-42\s*$/m);

    // The guest types; nothing reaches the shell.
    await guestTerminal.run('touch /tmp/viewer-was-here');
    await expect(guestPage.getByTestId('read-only-hint')).toBeVisible();
    await ownerTerminal.run('ls /tmp/viewer-was-here');
    await ownerTerminal.waitForText(/No such file/);

    // The owner hands the keyboard over: the guest types, both see it; the owner only watches.
    await ownerSharing.giveKeyboardTo(/guest/);
    await expect(guestSharing.participant(/guest/)).toHaveAttribute('data-role', 'driver');
    await expect(guestSharing.readOnlyBadge()).toHaveCount(0);
    await expect(ownerSharing.readOnlyBadge()).toBeVisible();
    await guestTerminal.run('echo handed-over');
    await guestTerminal.waitForText(/^handed-over\s*$/m);
    await ownerTerminal.waitForText(/^handed-over\s*$/m);

    // Revoking the link cuts the guest off for good, and says why.
    await ownerSharing.revokeActiveLink();
    await expect(guestSharing.revokedMessage()).toContainText(/Your access to this session was revoked/);
    await expect(guestTerminal.root).toHaveAttribute('data-state', 'closed');
    await expect(ownerSharing.participants()).toHaveCount(1);

    // The link no longer works, and the login page says so.
    const again = await guestContext.newPage();
    await again.goto(link);
    await expect(again.getByTestId('login-form')).toContainText(/This share link was revoked\. Ask for a new one\./);
  } finally {
    await guestContext.close();
    await ownerContext.close();
  }
});
