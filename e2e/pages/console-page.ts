import { expect, type Locator, type Page } from '@playwright/test';

/** The visible terminal of a shell session (TerminalView's data-kind tells it from a tool run's output). */
const SHELL_TERMINAL = '[data-testid="terminal"][data-kind="session"]:visible';

/** The console as a person sees it: sidebar, tabs, terminals. Tests speak through this. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  async loginWithUrl(token: string, path = '/'): Promise<void> {
    await this.page.goto(`${path}?token=${encodeURIComponent(token)}`);
    await expect(this.page).not.toHaveURL(/token=/);
    await expect(this.page.getByTestId('login-form')).toHaveCount(0);
  }

  async loginWithForm(token: string): Promise<void> {
    await this.page.getByTestId('login-token').fill(token);
    await this.page.getByTestId('login-token').press('Enter');
  }

  container(name: string): Locator {
    return this.page.locator(`[data-testid="container-item"][data-name="${name}"]`);
  }

  network(name: string): Locator {
    return this.page.locator(`[data-testid="network-item"][data-name="${name}"]`);
  }

  /** Opens the sidebar drawer when the screen is narrow enough to fold it behind the menu button. */
  async showSidebar(): Promise<void> {
    // The console first (a login may still be checking): the toggle exists only with it.
    await expect(this.page.getByTestId('sidebar')).toBeAttached();
    const toggle = this.page.getByTestId('menu-toggle');
    if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await expect(this.page.getByTestId('sidebar')).toBeInViewport();
  }

  /** The document and the routed page scroll only vertically: nothing is wider than the screen. */
  async expectNoHorizontalOverflow(): Promise<void> {
    await expect
      .poll(() =>
        this.page.evaluate(() => {
          const documentOverflow = (document.scrollingElement?.scrollWidth ?? 0) - window.innerWidth;
          const panes = Array.from(document.querySelectorAll<HTMLElement>('.page, .session-pane, .mobile-bar, .status-bar')).filter((e) => e.offsetParent !== null);
          const worst = Math.max(documentOverflow, ...panes.map((e) => e.scrollWidth - e.clientWidth));
          // Which one, so a failure names the culprit.
          const culprit = panes.find((e) => e.scrollWidth - e.clientWidth === worst)?.className ?? 'document';
          return worst <= 0 ? 0 : `${culprit} overflows by ${worst}px`;
        }),
      )
      .toBe(0);
  }

  async filter(text: string): Promise<void> {
    await this.page.getByTestId('filter').fill(text);
  }

  async openContainerShell(name: string, options: { withProcesses?: boolean } = {}): Promise<TerminalPane> {
    await this.container(name).click();
    await this.page.getByTestId(options.withProcesses ? 'shell-pid' : 'shell-net').click();
    return this.activeTerminal();
  }

  async joinNetwork(name: string): Promise<TerminalPane> {
    await this.network(name).click();
    await this.page.getByTestId('join-network').click();
    return this.activeTerminal();
  }

  async openHostShell(): Promise<TerminalPane> {
    await this.page.getByTestId('host-shell').click();
    return this.activeTerminal();
  }

  /**
   * The shell terminal on screen. A tool run's output is a terminal too (data-kind="run": a
   * container page's recent runs, a session's tools panel): never that one.
   */
  async activeTerminal(): Promise<TerminalPane> {
    const terminal = this.page.locator(SHELL_TERMINAL);
    await expect(terminal).toHaveCount(1);
    const pane = new TerminalPane(this.page, terminal);
    await pane.waitForPrompt();
    return pane;
  }

  /**
   * The documented escape (Ctrl+Shift+K) out of the shown terminal, once it has taken focus: a
   * tab just switched to focuses its terminal a moment later, which would take the next key.
   */
  async leaveTerminal(): Promise<void> {
    const input = this.page.locator(`${SHELL_TERMINAL} .xterm-helper-textarea`);
    await expect(input).toBeFocused();
    await this.page.keyboard.press('Control+Shift+K');
    await expect(input).not.toBeFocused();
  }

  /** "End session" on the session shown; resolves once its tab is gone (its toolbox removed). */
  async endShownSession(sessionId: string): Promise<void> {
    await this.page.locator('[data-testid="session-end"]:visible').click();
    await expect(this.page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"]`)).toHaveCount(0);
  }

  tabs(): Locator {
    return this.page.getByTestId('session-tab');
  }

  statusBar(): Locator {
    return this.page.getByTestId('status-bar');
  }
}

/** One xterm.js terminal; its text is read from the DOM renderer's rows. */
export class TerminalPane {
  constructor(
    readonly page: Page,
    readonly root: Locator,
  ) {}

  async sessionId(): Promise<string> {
    return (await this.root.getAttribute('data-session-id')) ?? '';
  }

  async screenText(): Promise<string> {
    return (await this.root.locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
  }

  async waitForText(pattern: RegExp, timeout = 15_000): Promise<void> {
    await expect.poll(() => this.screenText(), { timeout }).toMatch(pattern);
  }

  async waitForPrompt(): Promise<void> {
    await this.waitForText(/[#$]\s*$/m);
  }

  async type(text: string): Promise<void> {
    await this.root.click();
    await this.page.keyboard.type(text);
  }

  async run(command: string): Promise<void> {
    await this.type(command);
    await this.page.keyboard.press('Enter');
  }
}
