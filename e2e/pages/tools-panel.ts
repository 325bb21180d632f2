import { expect, type Locator, type Page } from '@playwright/test';

/** The tool launcher on a container or network page: pick a tool, fill its form, read the result card. */
export class ToolsPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('tool-launcher');
  }

  /** Picks `tool` (a second click on a picked tool would close its form: only when not picked yet). */
  async choose(tool: string): Promise<void> {
    await expect(this.root).toBeVisible();
    const option = this.root.locator(`[data-testid="tool-option"][data-tool="${tool}"]`);
    if ((await option.getAttribute('aria-pressed')) !== 'true') await option.click();
    await expect(option).toHaveAttribute('aria-pressed', 'true');
  }

  param(name: string): Locator {
    return this.root.locator(`[data-testid="tool-param"][data-name="${name}"]`);
  }

  async fill(params: Record<string, string | boolean>): Promise<void> {
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'boolean') await this.param(name).setChecked(value);
      else await this.param(name).fill(value);
    }
  }

  /** Runs `tool` with `params` and returns its result card (which fills in when the tool exits). */
  async run(tool: string, params: Record<string, string | boolean>): Promise<Locator> {
    await this.choose(tool);
    await this.fill(params);
    return this.start(tool);
  }

  /**
   * Clicks Run on the filled form and returns the result card of the run it started. Until the
   * server has created that run, the panel shows the newest earlier run of this place (another
   * test's, already done): a card found by tool alone could be that one.
   */
  async start(tool: string): Promise<Locator> {
    const panel = this.root.getByTestId('run-panel');
    const shownId = async () => ((await panel.count()) > 0 ? await panel.getAttribute('data-run-id') : null);
    const before = await shownId();
    await this.root.getByTestId('run-tool').click();
    let id: string | null = null;
    await expect
      .poll(
        async () => {
          id = await shownId();
          return id !== null && id !== before;
        },
        { timeout: 30_000, message: 'the started run is shown' },
      )
      .toBe(true);
    return this.root.locator(`[data-testid="run-panel"][data-run-id="${id}"] [data-testid="result-card"][data-tool="${tool}"]`);
  }

  /** The card of whichever run the panel shows (to check what is or is not there, not to wait for a run). */
  resultCard(tool: string): Locator {
    return this.root.locator(`[data-testid="result-card"][data-tool="${tool}"]`);
  }

  /** The raw output of the shown run (xterm's DOM rows). */
  output(): Locator {
    return this.root.locator('[data-testid="run-output"] .xterm-rows');
  }
}
