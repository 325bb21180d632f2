import { expect, type Locator, type Page } from '@playwright/test';

/** Logging in with a password, who the console says you are, and the admin's user list. */
export class AccessPages {
  constructor(readonly page: Page) {}

  async loginWithPassword(username: string, password: string): Promise<void> {
    await this.page.getByTestId('login-username').fill(username);
    await this.page.getByTestId('login-password').fill(password);
    await this.page.getByTestId('login-submit').click();
  }

  loginError(): Locator {
    return this.page.getByTestId('login-error');
  }

  /** Why the login form is shown (a dead share link, a wrong login link, a lost login). */
  loginNotice(): Locator {
    return this.page.getByTestId('login-notice');
  }

  currentUser(): Locator {
    return this.page.getByTestId('current-user');
  }

  async logout(): Promise<void> {
    await this.page.getByTestId('logout').click();
    await expect(this.page.getByTestId('login-form')).toBeVisible();
  }

  async createUser(username: string, password: string, role: 'viewer' | 'operator' | 'admin'): Promise<void> {
    await this.page.getByTestId('nav-admin').click();
    await this.page.getByTestId('user-create-username').fill(username);
    await this.page.getByTestId('user-create-password').fill(password);
    await this.page.getByTestId('user-create-role').selectOption(role);
    await this.page.getByTestId('user-create-submit').click();
    await expect(this.page.locator(`[data-testid="user-row"][data-username="${username}"]`)).toBeVisible();
  }
}
