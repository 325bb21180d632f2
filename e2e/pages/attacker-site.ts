import { expect, type Frame, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { baseURL, port } from '../support/environment.js';

/**
 * A malicious page on another origin of the same site: another port on localhost. Browsers send
 * the console's cookie along with its requests (SameSite ignores ports), so only the console's
 * own checks stand between this page and a logged-in user's terminals. Each page here does its
 * attack in its own inline script and writes what happened into the DOM, as a real one would.
 */
export const ATTACKER_PORT = Number(process.env.SONDE_E2E_ATTACKER_PORT || port + 1);

/** What the attacker's page saw of a WebSocket to the console. */
export interface SocketAttempt {
  opened: boolean;
  /** Text frames, and `[binary N]` for binary ones. */
  messages: string[];
  closeCode: number | undefined;
}

/** One forged request to the console and how it ended for the page. */
export interface ForgedRequest {
  name: string;
  outcome: string;
}

const consoleOrigin = new URL(baseURL).origin;

/** A line the attacker's page logged: what it reports varies by attack, but it is always an object. */
const LogEntry = Type.Record(Type.String(), Type.Unknown());

// Shared by every page: append a JSON line to #log; data-done marks the end of the attack.
const REPORTER = `
  const report = (entry) => { document.getElementById('log').textContent += JSON.stringify(entry) + '\\n'; };
  const finish = () => { document.body.dataset.done = 'yes'; };
  const params = new URLSearchParams(location.search);
`;

const PAGES: Record<string, string> = {
  '/hijack': `
    const socket = new WebSocket(params.get('url'));
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => report({ event: 'open' });
    socket.onmessage = (e) => {
      report({ event: 'message', data: typeof e.data === 'string' ? e.data : '[binary ' + e.data.byteLength + ']' });
      // Enough to prove the hijack; keep reading a little, then hang up.
      setTimeout(() => socket.close(), 500);
    };
    socket.onclose = (e) => { report({ event: 'close', code: e.code }); finish(); };
    setTimeout(() => socket.close(), 8000);
  `,
  '/forge': `
    const target = params.get('target');
    const body = params.get('body');
    const attempt = async (name, init) => {
      try {
        const response = await fetch(target, { method: 'POST', credentials: 'include', body, ...init });
        report({ name, outcome: response.type + ' ' + response.status });
      } catch (error) {
        report({ name, outcome: 'failed: ' + error });
      }
    };
    (async () => {
      // A "simple" request: no preflight, so the browser sends it, cookie included.
      await attempt('text/plain no-cors', { mode: 'no-cors', headers: { 'content-type': 'text/plain' } });
      // JSON and custom headers need a CORS preflight, which the console does not grant.
      await attempt('json cors', { headers: { 'content-type': 'application/json' } });
      await attempt('json cors with the console header', { headers: { 'content-type': 'application/json', 'x-sonde-request': '1' } });
      // The classic form post, into a hidden frame.
      const frame = document.createElement('iframe');
      frame.name = 'sink';
      frame.hidden = true;
      document.body.append(frame);
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = target;
      form.target = 'sink';
      form.enctype = 'text/plain';
      const field = document.createElement('input');
      // text/plain forms send name=value: this makes the body valid JSON.
      field.name = body.slice(0, -1) + ', "pad": "';
      field.value = '"}';
      form.append(field);
      document.body.append(form);
      const loaded = new Promise((resolve) => { frame.onload = resolve; setTimeout(resolve, 5000); });
      form.submit();
      await loaded;
      report({ name: 'form post', outcome: 'submitted' });
      finish();
    })();
  `,
  '/frame': `
    const frame = document.createElement('iframe');
    frame.src = params.get('src');
    frame.width = '800';
    frame.height = '600';
    frame.onload = () => { report({ event: 'load' }); finish(); };
    document.body.append(frame);
  `,
};

function html(script: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Totally harmless page</title></head><body><pre id="log"></pre><script>${REPORTER}${script}</script></body></html>`;
}

export class AttackerSite {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<AttackerSite> {
    const server = createServer((request, response) => {
      const script = PAGES[new URL(request.url ?? '/', 'http://placeholder').pathname];
      if (script === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html(script));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ATTACKER_PORT, '127.0.0.1', resolve);
    });
    return new AttackerSite(server, `http://localhost:${ATTACKER_PORT}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The page opens the session's terminal socket as the logged-in user would. */
  async tryToHijackTerminal(page: Page, ttyPath: string): Promise<SocketAttempt> {
    const url = `${consoleOrigin.replace(/^http/, 'ws')}${ttyPath}`;
    const log = await this.visit(page, '/hijack', { url });
    const closed = log.find((entry) => entry.event === 'close');
    return {
      opened: log.some((entry) => entry.event === 'open'),
      messages: log.filter((entry) => entry.event === 'message').map((entry) => String(entry.data)),
      closeCode: typeof closed?.code === 'number' ? closed.code : undefined,
    };
  }

  /** The page asks the console to start a session in `container`, every way a page can. */
  async tryToStartSession(page: Page, container: string): Promise<ForgedRequest[]> {
    const body = JSON.stringify({ target: { kind: 'container', container } });
    const log = await this.visit(page, '/forge', { target: `${consoleOrigin}/api/sessions`, body });
    return log.map((entry) => ({ name: String(entry.name), outcome: String(entry.outcome) }));
  }

  /** The page frames the console (clickjacking); returns the frame once it has loaded. */
  async frameConsole(page: Page): Promise<Frame> {
    await this.visit(page, '/frame', { src: `${consoleOrigin}/` });
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) throw new Error('the attacker page has no frame');
    return frame;
  }

  private async visit(page: Page, path: string, params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    await page.goto(`${this.origin}${path}?${new URLSearchParams(params)}`);
    await expect(page.locator('body[data-done="yes"]')).toHaveCount(1, { timeout: 15_000 });
    const text = await page.locator('#log').textContent();
    return (text ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const entry: unknown = JSON.parse(line);
        if (!Value.Check(LogEntry, entry)) throw new Error(`the attacker page logged something that is not an object: ${line}`);
        return entry;
      });
  }
}
