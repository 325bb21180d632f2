import type { BrowserContext, Page } from '@playwright/test';

/** A dialog the page opened (alert, confirm, prompt); the guard answers it as the user chose. */
export interface SeenDialog {
  type: string;
  message: string;
}

/** Page-side records, installed before any of the console's own scripts run. */
interface PageRecords {
  clipboardWrites: string[];
  cspViolations: string[];
}

declare global {
  interface Window {
    __sondeE2e?: PageRecords;
  }
}

/**
 * Everything a browser context does behind the user's back: dialogs, new tabs, clipboard
 * writes, Content-Security-Policy violations and, when asked, requests headed off loopback
 * (refused, so nothing leaves the machine).
 */
export class BrowserGuard {
  readonly dialogs: SeenDialog[] = [];
  readonly newPages: Page[] = [];
  /** Requests refused by refuseRequestsExceptTo; none of them left the browser. */
  readonly refusedRequests: string[] = [];
  private answer: 'dismiss' | 'accept' = 'dismiss';

  private constructor(readonly context: BrowserContext) {}

  static async watch(context: BrowserContext): Promise<BrowserGuard> {
    const guard = new BrowserGuard(context);
    context.on('dialog', (dialog) => {
      guard.dialogs.push({ type: dialog.type(), message: dialog.message() });
      void (guard.answer === 'accept' ? dialog.accept() : dialog.dismiss());
    });
    context.on('page', (page) => guard.newPages.push(page));
    await context.addInitScript(() => {
      const records: PageRecords = { clipboardWrites: [], cspViolations: [] };
      window.__sondeE2e = records;
      const clipboard = navigator.clipboard;
      if (clipboard) {
        const writeText = clipboard.writeText.bind(clipboard);
        const write = clipboard.write.bind(clipboard);
        clipboard.writeText = (text: string) => {
          records.clipboardWrites.push(text);
          return writeText(text);
        };
        clipboard.write = (items: ClipboardItems) => {
          records.clipboardWrites.push('[ClipboardItem]');
          return write(items);
        };
      }
      const execCommand = document.execCommand.bind(document);
      document.execCommand = (command: string, ...rest: [boolean?, string?]) => {
        if (command.toLowerCase() === 'copy' || command.toLowerCase() === 'cut') records.clipboardWrites.push(`[execCommand ${command}]`);
        return execCommand(command, ...rest);
      };
      document.addEventListener('securitypolicyviolation', (event) => {
        records.cspViolations.push(`${event.effectiveDirective}: ${event.blockedURI || 'inline'}`);
      });
    });
    return guard;
  }

  /**
   * Refuses every request to an origin not in `allowed` before it leaves the browser, and
   * records it. Not for tests of cross-origin requests: once a context intercepts requests,
   * Playwright answers CORS preflights itself (allowing everything), so an attack that
   * Chromium would refuse gets through.
   */
  async refuseRequestsExceptTo(allowed: string[]): Promise<void> {
    await this.context.route(
      (url) => !allowed.includes(url.origin),
      async (route) => {
        this.refusedRequests.push(route.request().url());
        await route.abort('blockedbyclient');
      },
    );
  }

  /** How the user answers the next dialogs (confirmations, mostly). */
  answerDialogs(answer: 'dismiss' | 'accept'): void {
    this.answer = answer;
  }

  async clipboardWrites(page: Page): Promise<string[]> {
    return page.evaluate(() => window.__sondeE2e?.clipboardWrites ?? []);
  }

  async cspViolations(page: Page): Promise<string[]> {
    return page.evaluate(() => window.__sondeE2e?.cspViolations ?? []);
  }

  /** Grants the console's origin the clipboard, so a write that slipped through would land. */
  static async grantClipboard(context: BrowserContext, origin: string): Promise<void> {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  }
}
