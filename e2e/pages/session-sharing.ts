import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Sharing a session as people see it: the Share dialog (owner), the participants strip with
 * the keyboard hand-over, the read-only badge and the guest's banner.
 */
export class SessionSharing {
  constructor(readonly page: Page) {}

  /** Opens the dialog, creates a link and returns its URL (shown once). */
  async createLink(role: 'viewer' | 'driver', expiry: '15 minutes' | '1 hour' | '8 hours' | '24 hours' = '1 hour'): Promise<string> {
    await this.openDialog();
    await this.page.getByTestId(`share-role-${role}`).check();
    await this.page.getByTestId('share-expiry').selectOption({ label: expiry });
    await this.page.getByTestId('share-create').click();
    const url = this.page.getByTestId('share-url');
    await expect(url).toHaveValue(/[?&]share=/);
    return url.inputValue();
  }

  async openDialog(): Promise<void> {
    if (await this.dialog().isVisible()) return;
    // The visible pane's: other sessions' panes stay mounted, hidden.
    await this.page.locator('[data-testid="share-button"]:visible').click();
    await expect(this.dialog()).toBeVisible();
  }

  async closeDialog(): Promise<void> {
    await this.page.getByTestId('share-close').click();
    await expect(this.dialog()).toHaveCount(0);
  }

  dialog(): Locator {
    return this.page.getByTestId('share-dialog');
  }

  /** Revokes the one active link of the session. */
  async revokeActiveLink(): Promise<void> {
    await this.openDialog();
    const active = this.dialog().locator('[data-testid="share-link"][data-state="active"]');
    await expect(active).toHaveCount(1);
    await active.getByTestId('share-revoke').click();
    await expect(this.dialog().locator('[data-testid="share-link"][data-state="revoked"]')).toHaveCount(1);
  }

  participants(): Locator {
    return this.page.locator('[data-testid="participants"]:visible [data-testid="participant"]');
  }

  participant(name: string | RegExp): Locator {
    return this.participants().filter({ hasText: name });
  }

  async giveKeyboardTo(name: string | RegExp): Promise<void> {
    await this.participant(name).getByTestId('give-keyboard').click();
  }

  async takeKeyboardBack(): Promise<void> {
    await this.page.locator('[data-testid="participants"]:visible').getByTestId('take-keyboard').first().click();
  }

  readOnlyBadge(): Locator {
    return this.page.locator('[data-testid="read-only"]:visible');
  }

  guestBanner(): Locator {
    return this.page.getByTestId('share-banner');
  }

  revokedMessage(): Locator {
    return this.page.locator('[data-testid="access-revoked"]:visible');
  }
}
