import { expect, type Locator, type Page } from '@playwright/test';

/** "Capture packets" on a container or network page: start, watch the counts and lines, stop, download. */
export class CapturePanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('capture-panel');
  }

  async start(options: { interface?: string; filter?: string } = {}): Promise<void> {
    await expect(this.root.getByTestId('capture-form')).toBeVisible();
    if (options.interface !== undefined) await this.root.getByTestId('capture-interface').fill(options.interface);
    if (options.filter !== undefined) await this.root.getByTestId('capture-filter').fill(options.filter);
    await this.root.getByTestId('capture-start').click();
    await expect(this.root.getByTestId('capture-view')).toHaveAttribute('data-state', 'running');
  }

  count(): Locator {
    return this.root.getByTestId('capture-count');
  }

  lines(): Locator {
    return this.root.getByTestId('capture-line');
  }

  async stop(): Promise<void> {
    await this.root.getByTestId('capture-stop').click();
    await expect(this.root.getByTestId('capture-view')).toHaveAttribute('data-state', 'ended', { timeout: 15_000 });
  }

  downloadLink(): Locator {
    return this.root.getByTestId('capture-download');
  }

  /** "0:12 / 1:00 · 34 / 1000 packets · running". */
  progress(): Locator {
    return this.root.getByTestId('capture-progress');
  }

  view(): Locator {
    return this.root.getByTestId('capture-view');
  }
}

/** The Captures page (sidebar "Captures"): every capture of mine, running and kept. */
export class CapturesPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-captures').click();
    await expect(this.page.getByTestId('captures-page')).toBeVisible();
  }

  item(id: string): Locator {
    return this.page.locator(`[data-testid="capture-item"][data-capture-id="${id}"]`);
  }

  items(): Locator {
    return this.page.getByTestId('capture-item');
  }
}
