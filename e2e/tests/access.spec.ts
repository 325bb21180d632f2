import { expect, test } from '@playwright/test';
import { AccessPages } from '../pages/access-pages.js';
import { ConsolePage } from '../pages/console-page.js';
import { readFixtures, token } from '../support/environment.js';

const fixtures = readFixtures();

/*
 * The admin makes an operator; the operator logs in with a password, works without the host
 * shell (admin only), and logging out ends the login on the server, not only in the tab.
 */
test('an admin creates an operator, who logs in with a password, gets no host shell, and logs out for real', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const operatorContext = await browser.newContext();
  const username = `op-${Date.now().toString(36)}`;
  const password = 'correct horse battery staple';
  try {
    const adminPage = await adminContext.newPage();
    await new ConsolePage(adminPage).loginWithUrl(token);
    await new AccessPages(adminPage).createUser(username, password, 'operator');

    const page = await operatorContext.newPage();
    const sonde = new ConsolePage(page);
    const access = new AccessPages(page);
    await page.goto('/');
    await access.loginWithPassword(username, 'not the password');
    await expect(access.loginError()).toContainText(/Wrong user name or password/);
    await access.loginWithPassword(username, password);
    await expect(access.currentUser()).toHaveAttribute('data-role', 'operator');
    await expect(access.currentUser()).toContainText(username);
    await expect(page.getByTestId('host-shell')).toHaveCount(0);
    await expect(page.getByTestId('nav-admin')).toHaveCount(0);

    const terminal = await sonde.openContainerShell(fixtures.web.name);
    await terminal.run('echo operator-$((2*21))');
    await terminal.waitForText(/^operator-42\s*$/m);
    const sessionId = await terminal.sessionId();
    await page.getByRole('button', { name: 'Close session' }).click();
    await expect(page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"]`)).toHaveCount(0);

    // The cookie's login is deleted on the server: replaying the old cookie gets 401.
    const cookies = await operatorContext.cookies();
    await access.logout();
    const replay = await page.request.get('/api/me', { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(replay.status()).toBe(401);
  } finally {
    await adminContext.close();
    await operatorContext.close();
  }
});

/* A login link with a wrong token does not just show the form: it says the link was not valid, and the token leaves the address. */
test('a login link with a wrong token says so on the login form', async ({ browser }) => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const access = new AccessPages(page);
    await page.goto('/?token=not-the-right-token-at-all');
    await expect(page.getByTestId('login-form')).toBeVisible();
    await expect(access.loginNotice()).toContainText(/login link is not valid/);
    expect(page.url()).not.toContain('token');
  } finally {
    await context.close();
  }
});
