import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BenchContext } from './context.js';
import { nowMs, spread, type Spread } from './stats.js';

/**
 * The web UI: what a browser downloads (web/dist, built with `npm run build -w web` if it is
 * missing) and the time from loading the page to a usable prompt in headless Chromium.
 */

export interface BundleFile {
  name: string;
  bytes: number;
  gzip: number;
}

export interface WebResults {
  files: BundleFile[];
  totalBytes: number;
  totalGzip: number;
  builtAt: string;
  pageLoad?: { uiReady: Spread; clickToPrompt: Spread; loadToPrompt: Spread; runs: number };
  /** A fresh browser opening `/sessions/<id>` of a session that runs: to its prompt on screen. */
  deepLink?: { loadToPrompt: Spread; runs: number };
  pageLoadError?: string;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function runWebBench(ctx: BenchContext, root: string, log: (line: string) => void, runs: number): Promise<WebResults> {
  const dist = path.join(root, 'web/dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    log('  building the web UI (npm run build -w web)');
    execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'ignore' });
  }
  const files: BundleFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (!entry.endsWith('.map')) {
        const content = readFileSync(full);
        files.push({ name: path.relative(dist, full), bytes: content.length, gzip: gzipSync(content).length });
      }
    }
  };
  walk(dist);
  files.sort((a, b) => b.bytes - a.bytes);
  const result: WebResults = {
    files,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    totalGzip: files.reduce((n, f) => n + f.gzip, 0),
    builtAt: statSync(path.join(dist, 'index.html')).mtime.toISOString(),
  };

  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    result.pageLoadError = 'playwright-core is not installed (it comes with the e2e workspace)';
    return result;
  }
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  const promptOnScreen = () => {
    const rows = document.querySelector('[data-testid="terminal"] .xterm-rows');
    return /[#$]\s*$/m.test((rows?.textContent ?? '').replace(/\u00a0/g, ' '));
  };
  const ui: number[] = [];
  const prompt: number[] = [];
  const total: number[] = [];
  const deep: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      // A fresh context each time: no cache, no cookie (a first visit with the login URL).
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const t0 = nowMs();
      await page.goto(`${ctx.sonde.baseUrl}/?token=${encodeURIComponent(ctx.sonde.token)}`);
      await page.getByTestId('host-shell').waitFor({ state: 'visible', timeout: 30_000 });
      const t1 = nowMs();
      await page.getByTestId('host-shell').click();
      await page.waitForFunction(promptOnScreen, undefined, { timeout: 30_000, polling: 'raf' });
      const t2 = nowMs();
      await context.close();
      // The first run warms the server's static files and the toolbox image cache; not recorded.
      if (i > 0) {
        ui.push(t1 - t0);
        prompt.push(t2 - t1);
        total.push(t2 - t0);
      }
      // A deep link to that session, which still runs: another fresh browser straight to its page.
      const sessions = await ctx.sonde.client.sessions();
      const running = sessions.find((x) => x.state === 'running');
      if (running) {
        const linked = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const linkedPage = await linked.newPage();
        const d0 = nowMs();
        await linkedPage.goto(`${ctx.sonde.baseUrl}/sessions/${running.id}?token=${encodeURIComponent(ctx.sonde.token)}`);
        await linkedPage.waitForFunction(promptOnScreen, undefined, { timeout: 30_000, polling: 'raf' });
        if (i > 0) deep.push(nowMs() - d0);
        await linked.close();
      }
      for (const s of sessions.filter((x) => x.state === 'running')) {
        await ctx.sonde.client.endSession(s.id);
      }
    }
  } finally {
    await browser.close();
  }
  result.pageLoad = { uiReady: spread(ui), clickToPrompt: spread(prompt), loadToPrompt: spread(total), runs };
  if (deep.length) result.deepLink = { loadToPrompt: spread(deep), runs: deep.length };
  log(`  page load → prompt ${spread(total).median.toFixed(0)} ms (UI ready ${spread(ui).median.toFixed(0)} ms); deep link → prompt ${deep.length ? spread(deep).median.toFixed(0) : '–'} ms`);
  return result;
}
