import { expect, type Frame, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';

/**
 * An ops dashboard on another origin (another port on loopback): a page that frames a Sonde
 * embed view, as Grafana's text panel or an internal portal would. The same page serves as the
 * site that is not allowed (on an origin absent from SONDE_EMBED_ORIGINS).
 */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Dashboard</title></head>
<body><h1>Incident dashboard</h1><div id="panel"></div><script>
  const frame = document.createElement('iframe');
  frame.src = new URLSearchParams(location.search).get('src');
  frame.width = '900';
  frame.height = '420';
  frame.onload = () => { document.body.dataset.loaded = 'yes'; };
  document.getElementById('panel').append(frame);
</script></body></html>`;

export class DashboardSite {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(port: number): Promise<DashboardSite> {
    const server = createServer((request, response) => {
      if (new URL(request.url ?? '/', 'http://placeholder').pathname !== '/panel') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return new DashboardSite(server, `http://localhost:${port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Opens the dashboard with `src` in its panel; returns the panel's frame once it has loaded. */
  async frame(page: Page, src: string): Promise<EmbeddedView> {
    await page.goto(`${this.origin}/panel?${new URLSearchParams({ src })}`);
    await expect(page.locator('body[data-loaded="yes"]')).toHaveCount(1);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) throw new Error('the dashboard has no frame');
    return new EmbeddedView(page, frame);
  }
}

/** What the framed embed view shows: a terminal, or a run's result card. */
export class EmbeddedView {
  constructor(
    private readonly page: Page,
    readonly frame: Frame,
  ) {}

  /** Whether the embed page's document is there at all (a refused frame has none). */
  async rendered(): Promise<boolean> {
    return (await this.frame.locator('#root').count()) > 0;
  }

  terminal() {
    return this.frame.locator('[data-testid=terminal]');
  }

  async waitForOpenTerminal(): Promise<void> {
    await expect(this.terminal()).toHaveAttribute('data-state', 'open');
  }

  /** Types into the framed terminal as a person would: click it, then type. */
  async type(text: string): Promise<void> {
    await this.frame.locator('[data-testid=terminal] .xterm-screen').click();
    await this.page.keyboard.type(text);
  }

  async expectScreenToContain(text: string): Promise<void> {
    await expect(this.frame.locator('[data-testid=terminal] .xterm-rows')).toContainText(text);
  }

  resultCard() {
    return this.frame.locator('[data-testid=result-card]');
  }
}
