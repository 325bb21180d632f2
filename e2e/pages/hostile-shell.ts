import { expect, type Page } from '@playwright/test';
import type { ConsolePage, TerminalPane } from './console-page.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A terminal whose output an attacker controls: anything running in a target can print anything,
 * so the tests print the hostile bytes themselves with printf and then look at what the browser
 * and the shell did about them.
 */
export class HostileShell {
  private probes = 0;

  private constructor(
    readonly page: Page,
    readonly terminal: TerminalPane,
  ) {}

  static async open(sonde: ConsolePage, container: string): Promise<HostileShell> {
    return new HostileShell(sonde.page, await sonde.openContainerShell(container));
  }

  /**
   * Clears the screen and prints `format` (printf syntax; no single quotes) followed by `args`.
   * Returns once everything printed has been through xterm.js: a marker printed after it shows.
   */
  async print(format: string, ...args: string[]): Promise<void> {
    expect(format).not.toContain("'");
    const marker = this.nextMarker();
    const quoted = args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    // The marker is printed in two halves so that the command line itself never matches it.
    await this.terminal.run(`clear; printf '${format}' ${quoted}; printf '\\n%s\\n' '${marker}''-done'`);
    await this.terminal.waitForText(new RegExp(`^${marker}-done\\s*$`, 'm'));
  }

  /**
   * Prints `format`, then lets the shell read for two seconds whatever the terminal typed back in
   * answer (reports are typed into the shell like keystrokes). Returns it as bash's %q shows it.
   */
  async answersTo(format: string): Promise<string> {
    expect(format).not.toContain("'");
    const marker = this.nextMarker();
    // read -n puts the tty in non-canonical mode, so answers without a newline arrive too; -s
    // keeps them off the screen; on the timeout read keeps what it got so far.
    await this.terminal.run(`clear; printf '${format}'; read -rs -t 2 -n 400 reply; printf '%s[%q]\\n' '${marker}' "$reply"`);
    const line = new RegExp(`^${marker}\\[(.*)\\]\\s*$`, 'm');
    await this.terminal.waitForText(line);
    return line.exec(await this.terminal.screenText())?.[1] ?? '';
  }

  /** Pastes `text` as a user does: into the clipboard, then Ctrl+Shift+V in the terminal. */
  async paste(text: string): Promise<void> {
    await this.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(this.page.url()).origin });
    await this.terminal.root.click();
    await this.page.evaluate((value) => navigator.clipboard.writeText(value), text);
    await this.page.keyboard.press('Control+Shift+V');
  }

  async pressInterrupt(): Promise<void> {
    await this.page.keyboard.press('Control+C');
  }

  /** Clicks the start of the on-screen line that begins with `text`, like a user following a link. */
  async clickLineStartingWith(text: string): Promise<void> {
    const row = this.terminal.root.locator('.xterm-rows > div').filter({ hasText: new RegExp(`^${escapeRegExp(text)}`) });
    await expect(row).toHaveCount(1);
    const box = await row.boundingBox();
    if (!box) throw new Error(`the line "${text}" is not on screen`);
    await this.page.mouse.move(box.x + 15, box.y + box.height / 2);
    await this.page.mouse.move(box.x + 20, box.y + box.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.up();
  }

  /** Whether `path` exists in the toolbox, asked of the shell. */
  async pathExists(path: string): Promise<boolean> {
    const marker = this.nextMarker();
    await this.terminal.run(`clear; test -e '${path}'; printf '%s:%s\\n' '${marker}' "$?"`);
    const line = new RegExp(`^${marker}:(\\d+)\\s*$`, 'm');
    await this.terminal.waitForText(line);
    return line.exec(await this.terminal.screenText())?.[1] === '0';
  }

  screenText(): Promise<string> {
    return this.terminal.screenText();
  }

  waitForText(pattern: RegExp): Promise<void> {
    return this.terminal.waitForText(pattern);
  }

  private nextMarker(): string {
    this.probes += 1;
    return `probe${this.probes}x${Date.now().toString(36)}`;
  }
}
