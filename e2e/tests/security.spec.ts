import { expect, test, type Page } from '@playwright/test';
import { AttackerSite } from '../pages/attacker-site.js';
import { BrowserGuard } from '../pages/browser-guard.js';
import { ConsolePage } from '../pages/console-page.js';
import { HostileShell } from '../pages/hostile-shell.js';
import { ConsoleApi } from '../support/console-api.js';
import { baseURL, readFixtures, token } from '../support/environment.js';

/*
 * The browser side of Sonde's security, in real Chromium: what another origin can do with a
 * logged-in browser, what hostile output in a terminal can do, and what markup in Docker
 * metadata can do. The only traffic is to the console, the attacker's page on loopback and the
 * fixtures: the link test refuses every other URL before it leaves the browser.
 */

const fixtures = readFixtures();
const consoleOrigin = new URL(baseURL).origin;

declare global {
  interface Window {
    __pwned?: unknown;
    __inlineRan?: unknown;
  }
}

/** The console's own page opens the terminal socket, as the console's code does; first message. */
async function firstMessageOnOwnSocket(page: Page, ttyPath: string): Promise<string> {
  return page.evaluate(
    (path) =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(new URL(path, location.href.replace(/^http/, 'ws')));
        const timer = setTimeout(() => reject(new Error('no message within 10 s')), 10_000);
        socket.onmessage = (event) => {
          clearTimeout(timer);
          socket.close();
          resolve(typeof event.data === 'string' ? event.data : '[binary]');
        };
        socket.onclose = (event) => reject(new Error(`closed with ${event.code}`));
      }),
    ttyPath,
  );
}

test.describe('another origin with the logged-in browser', () => {
  let attacker: AttackerSite;

  test.beforeAll(async () => {
    attacker = await AttackerSite.start();
  });

  test.afterAll(async () => {
    await attacker?.close();
  });

  test("a page on another port cannot attach to a live terminal with the user's cookie", async ({ context, page }) => {
    const api = new ConsoleApi();
    const session = await api.startContainerSession(fixtures.web.name);
    try {
      const sonde = new ConsolePage(page);
      await sonde.loginWithUrl(token);

      const evil = await context.newPage();
      const attempt = await attacker.tryToHijackTerminal(evil, session.ttyPath);
      // The upgrade was refused: no handshake (1006 is what a browser reports for that), not a byte.
      expect(attempt).toEqual({ opened: false, messages: [], closeCode: 1006 });
      expect((await api.session(session.id)).clients).toBe(0);

      // The same socket from the console's own page in the same browser works: it was the
      // page's origin that was refused, not the cookie or the session.
      const hello = await firstMessageOnOwnSocket(page, session.ttyPath);
      expect(JSON.parse(hello)).toMatchObject({ type: 'hello', session: session.id });
    } finally {
      await api.endSession(session.id);
    }
  });

  test("a page on another port cannot start a session with the user's cookie", async ({ context, page }) => {
    const api = new ConsoleApi();
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(token);
    const before = (await api.sessions()).map((session) => session.id);

    const evil = await context.newPage();
    const forged = await attacker.tryToStartSession(evil, fixtures.web.name);
    expect(forged.map((attempt) => attempt.name)).toEqual([
      'text/plain no-cors',
      'json cors',
      'json cors with the console header',
      'form post',
    ]);
    expect((await api.sessions()).map((session) => session.id)).toEqual(before);
  });

  test('another site cannot frame the console', async ({ context }) => {
    const evil = await context.newPage();
    const frame = await attacker.frameConsole(evil);
    // The frame has loaded (its load event fired), so had the console been allowed in, its
    // document (with #root) would be there.
    expect(await frame.locator('#root').count()).toBe(0);
  });
});

test.describe('hostile output in a terminal', () => {
  test('OSC 52 cannot write the clipboard', async ({ context, page }) => {
    const guard = await BrowserGuard.watch(context);
    // Granted, so a write that slipped through would land instead of failing on permissions.
    await BrowserGuard.grantClipboard(context, consoleOrigin);
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(token);
    const shell = await HostileShell.open(sonde, fixtures.web.name);
    await page.evaluate(() => navigator.clipboard.writeText('what the user copied'));
    const writesBefore = await guard.clipboardWrites(page);

    const payload = Buffer.from('pwned-clipboard').toString('base64');
    // BEL- and ST-terminated, clipboard and primary selection, and the query form.
    await shell.print('\\033]52;c;%s\\a\\033]52;p;%s\\033\\\\\\033]52;;%s\\a\\033]52;c;?\\a', payload, payload, payload);

    expect(await guard.clipboardWrites(page)).toEqual(writesBefore);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('what the user copied');
  });

  test('an OSC 8 link opens only http(s), and only after the user saw its real target', async ({ context, page }) => {
    const guard = await BrowserGuard.watch(context);
    await guard.refuseRequestsExceptTo([consoleOrigin]);
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(token);
    const shell = await HostileShell.open(sonde, fixtures.web.name);
    const consoleUrl = page.url();

    // A javascript: link behind plain words, the same behind a URL-looking text, and a link that
    // looks like example.com but goes elsewhere.
    const link = (target: string) => `\\033]8;;${target}\\033\\\\%s\\033]8;;\\033\\\\\\n`;
    await shell.print(
      link('javascript:alert(document.domain)') + link('javascript:alert(document.domain)') + link('http://evil.invalid/x'),
      'open-the-docs',
      'https://example.com/safe-a',
      'https://example.com/safe-b',
    );

    guard.answerDialogs('dismiss');
    await shell.clickLineStartingWith('open-the-docs');
    await shell.clickLineStartingWith('https://example.com/safe-a');
    await shell.clickLineStartingWith('https://example.com/safe-b');
    await expect.poll(() => guard.dialogs.length).toBe(2);
    const [printedUrl, disguised] = guard.dialogs;
    // The javascript: targets are dropped, so the words are no link at all; what is left of the
    // second is the URL printed in plain sight, which Sonde's URL detection offers, naming it.
    expect(printedUrl).toEqual({ type: 'confirm', message: expect.stringMatching(/\n\nhttps:\/\/example\.com\/safe-a$/) });
    // The disguised link asks first, naming where it really goes.
    expect(disguised).toEqual({ type: 'confirm', message: expect.stringMatching(/\n\nhttp:\/\/evil\.invalid\/x$/) });

    // Accepting (a control for the observers below) opens exactly the real target in a new tab,
    // whose request the guard refuses, so nothing leaves the machine.
    guard.answerDialogs('accept');
    await shell.clickLineStartingWith('https://example.com/safe-b');
    // Cancelled, it had opened nothing: one request and one tab, for the one accepted click.
    await expect.poll(() => guard.refusedRequests).toEqual(['http://evil.invalid/x']);
    await expect.poll(() => guard.newPages.length).toBe(1);
    // No script ran in the console's page (an alert would be a dialog too).
    expect(guard.dialogs.map((dialog) => dialog.type)).toEqual(['confirm', 'confirm', 'confirm']);
    expect(page.url()).toBe(consoleUrl);
  });

  test('a paste cannot break out of bracketed paste mode and run a command', async ({ page }) => {
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(token);
    const shell = await HostileShell.open(sonde, fixtures.web.name);
    expect(await shell.pathExists('/tmp/pwned-by-paste')).toBe(false);

    // Looks like a comment; carries the end-of-paste sequence and a command after it.
    await shell.paste('# harmless note\x1b[201~\rtouch /tmp/pwned-by-paste\r');
    // The pasted text waits in the prompt for the user to decide (the user then cancels).
    await shell.waitForText(/touch \/tmp\/pwned-by-paste/);
    await shell.pressInterrupt();

    expect(await shell.pathExists('/tmp/pwned-by-paste')).toBe(false);
  });

  test('the terminal never answers title or settings reports with text the program chose', async ({ page }) => {
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(token);
    const shell = await HostileShell.open(sonde, fixtures.web.name);

    // Set the title and icon name, then ask for them back (CSI 21t, 20t), ask for a setting
    // named by the program (DECRQSS), and ask for the secondary device attributes (DA2).
    const answers = await shell.answersTo(
      '\\033]2;attacker-title\\007\\033]1;attacker-icon\\007\\033[21t\\033[20t\\033P$qattacker-setting\\033\\\\\\033[>c',
    );
    // DA2 is answered with fixed text and reached the shell: an answer would have been seen.
    expect(answers).toMatch(/\[>\d+;\d+;\d+c/);
    expect(answers).not.toMatch(/attacker/);
  });
});

test('HTML in container labels and Compose names is shown as text and never runs', async ({ context, page }) => {
  const guard = await BrowserGuard.watch(context);
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  const { labels, name } = fixtures.hostile;
  const project = labels['com.docker.compose.project']!;
  const service = labels['com.docker.compose.service']!;
  const note = labels['sonde.e2e.note']!;

  // The sidebar groups by Compose project and shows the service under the name.
  await expect(page.getByText(project, { exact: true })).toBeVisible();
  await expect(sonde.container(name)).toContainText(service);
  await sonde.container(name).click();
  await expect(page.getByText(`${project} / ${service}`, { exact: true })).toBeVisible();
  await page.locator('details.label-list summary').click();
  await expect(page.locator('details.label-list li', { hasText: 'sonde.e2e.note=' })).toHaveText(`sonde.e2e.note=${note}`);

  expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
  expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0);
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  // Nothing even tried to run (CSP would have reported an inline handler or script).
  expect(await guard.cspViolations(page)).toEqual([]);
});

test('the console is served with a strict Content-Security-Policy; injected inline script does not run', async ({ context, page }) => {
  const index = await page.request.get('/');
  expect(index.status()).toBe(200);
  const headers = index.headers();
  const csp = headers['content-security-policy'] ?? '';
  const directives = new Map(
    csp
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
  const scriptSources = directives.get('script-src') ?? directives.get('default-src');
  expect(scriptSources, csp).toBeDefined();
  for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:', 'blob:']) {
    expect(scriptSources, csp).not.toContain(loose);
  }
  expect(directives.get('object-src')).toEqual(["'none'"]);
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  expect(directives.get('base-uri')).toEqual(["'none'"]);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  // The page itself needs no inline script.
  expect(await index.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);

  const guard = await BrowserGuard.watch(context);
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = "script"';
    document.body.append(script);
    // What an HTML injection would add: an inline event handler.
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="/no-such-image.png" onerror="window.__inlineRan = \'handler\'">';
    document.body.append(holder);
  });
  await expect.poll(() => guard.cspViolations(page)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^script-src-elem: inline$/), expect.stringMatching(/^script-src-attr: inline$/)]),
  );
  expect(await page.evaluate(() => window.__inlineRan)).toBeUndefined();
});
