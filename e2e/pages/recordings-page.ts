import { expect, type Locator, type Page } from '@playwright/test';

/** The recordings list and the in-browser player. */
export class RecordingsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-recordings').click();
    await expect(this.page.getByTestId('recordings-page')).toBeVisible();
  }

  item(sessionId: string): Locator {
    return this.page.locator(`[data-testid="recording-item"][data-session-id="${sessionId}"]`);
  }

  async play(sessionId: string): Promise<void> {
    await this.item(sessionId).getByRole('link').click();
    await expect(this.player()).toBeVisible();
  }

  /** Opens the list, waits until the session's recording is complete, and opens it in the player. */
  async playCompleted(sessionId: string): Promise<void> {
    await this.open();
    await expect(this.item(sessionId)).toBeVisible();
    await expect(this.item(sessionId)).toContainText(/complete/);
    await this.play(sessionId);
  }

  player(): Locator {
    return this.page.getByTestId('recording-player');
  }

  async screenText(): Promise<string> {
    return (await this.player().locator('.xterm-rows').innerText()).replace(/\u00a0/g, ' ');
  }

  async setSpeed(speed: number): Promise<void> {
    await this.page.getByTestId('recording-speed').selectOption(String(speed));
  }

  async togglePlay(): Promise<void> {
    await this.page.getByTestId('recording-play').click();
  }

  /** Moves the position slider to `seconds` (the range input fires React's change event). */
  async seek(seconds: number): Promise<void> {
    await this.page.getByTestId('recording-seek').fill(String(seconds));
  }
}
