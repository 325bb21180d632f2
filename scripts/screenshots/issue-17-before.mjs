#!/usr/bin/env node
// Before screenshots of issue 17's screens that e2e/tests/ui-screens.spec.ts does not take (it
// walks points 1, 3 and 5 on both builds; the other "after" pictures come from specs that use
// what only the new build has): the capture panel after a tab switch (point 2), a guest's view once the owner closed the tab (4), the recording player as it
// opens (6), changes left behind and their revert (7), and the audit page (8).
//
// Run it against a console built from the commit the issue was filed on (131c3bb), with a
// Compose-like pair of targets it can see (two containers labelled com.docker.compose.project,
// on one network, e.g. made as e2e/global-setup.ts makes its fixtures):
//
//   SONDE_URL=http://127.0.0.1:18950 SONDE_TOKEN=... SHOTS_WEB=shots-web SHOTS_PEER=shots-api \
//   SHOTS_OUT=docs/screenshots node scripts/screenshots/issue-17-before.mjs
//
// It uses only what that build has (its data-testids, its "Close session" and tab ✕, its REST
// routes), drives Debian's Chromium at 1440×900, and reports each screen it could not reach
// instead of saving a picture of something else.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.SONDE_URL ?? 'http://127.0.0.1:18950';
const token = process.env.SONDE_TOKEN ?? '';
const webName = process.env.SHOTS_WEB ?? 'shots-web';
const peerName = process.env.SHOTS_PEER ?? 'shots-api';
const out = path.resolve(process.env.SHOTS_OUT ?? 'docs/screenshots');
if (token.length < 16) throw new Error('set SONDE_TOKEN to the console\'s bootstrap token');
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const viewport = { width: 1440, height: 900 };
const failures = [];

/** Runs one screen's walk; a failure is reported and the next screen still gets its turn. */
async function step(name, walk) {
  const context = await browser.newContext({ viewport, baseURL: base });
  try {
    await walk(context);
    console.log(`ok   ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  } finally {
    await context.close();
  }
}

async function shot(page, file) {
  await page.screenshot({ path: path.join(out, file) });
}

async function login(context) {
  const page = await context.newPage();
  await page.goto(`/?token=${encodeURIComponent(token)}`);
  await page.waitForURL((url) => !url.search.includes('token='));
  await page.getByTestId('status-bar').waitFor();
  return page;
}

/** The visible terminal's text (xterm's DOM rows). */
async function screenText(page) {
  return (await page.locator('[data-testid="terminal"]:visible .xterm-rows').innerText()).replace(/\u00a0/g, ' ');
}

async function waitForText(page, pattern, timeout = 20_000) {
  const until = Date.now() + timeout;
  while (!pattern.test(await screenText(page).catch(() => ''))) {
    if (Date.now() > until) throw new Error(`terminal never showed ${pattern}`);
    await page.waitForTimeout(200);
  }
}

/** Opens a network-namespace shell on the web container from its page; returns the session id. */
async function openShell(page) {
  await page.locator(`[data-testid="container-item"][data-name="${webName}"]`).click();
  await page.getByTestId('shell-net').click();
  const terminal = page.locator('[data-testid="terminal"]:visible');
  await terminal.waitFor();
  await waitForText(page, /[#$]\s*$/m);
  return terminal.getAttribute('data-session-id');
}

async function typeLine(page, line) {
  await page.locator('[data-testid="terminal"]:visible').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

async function closeSession(page, sessionId) {
  await page.getByRole('button', { name: 'Close session' }).click();
  await page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"]`).waitFor({ state: 'detached', timeout: 30_000 });
}

// Point 2: a capture started on the container page, a shell tab opened to make traffic, back to
// the container page: the panel is back to an empty form (the server ended the capture
// "unwatched" when its page went away).
await step('ui-2 capture panel after a tab switch', async (context) => {
  const page = await login(context);
  await page.locator(`[data-testid="container-item"][data-name="${webName}"]`).click();
  const panel = page.getByTestId('capture-panel');
  await panel.getByTestId('capture-filter').fill('icmp');
  await panel.getByTestId('capture-start').click();
  await panel.locator('[data-testid="capture-view"][data-state="running"]').waitFor();
  const sessionId = await openShell(page);
  await typeLine(page, `ping -c 3 ${peerName}`);
  await waitForText(page, /3 packets transmitted/);
  await page.locator(`[data-testid="container-item"][data-name="${webName}"]`).click();
  await panel.waitFor();
  await panel.scrollIntoViewIfNeeded();
  await page.waitForTimeout(1500);
  await shot(page, 'ui-2-before.png');
  await page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"] a`).click();
  await closeSession(page, sessionId);
});

// Point 6: a shell left idle for 11 seconds after its prompt, then closed: its recording as the
// player opens it (an empty box; the clock counts only to the last output, the prompt).
await step('ui-6 player of an idle session', async (context) => {
  const page = await login(context);
  const sessionId = await openShell(page);
  await page.waitForTimeout(11_000);
  await closeSession(page, sessionId);
  await page.getByTestId('nav-recordings').click();
  await page.locator(`[data-testid="recording-item"][data-session-id="${sessionId}"] a`).click();
  await page.getByTestId('recording-player').waitFor();
  await page.waitForTimeout(1500);
  await shot(page, 'ui-6-before.png');
});

// Point 4: the owner shares the shell with a viewer link, the guest watches, the owner closes
// the tab with its ✕: what the guest is left with.
await step('ui-4 guest after the owner closed the tab', async (context) => {
  const page = await login(context);
  const sessionId = await openShell(page);
  await typeLine(page, 'echo shared-$((6*7))');
  await waitForText(page, /^shared-42\s*$/m);
  const response = await fetch(`${base}/api/sessions/${sessionId}/shares`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'viewer', expiresInSeconds: 3600 }),
  });
  if (response.status !== 201) throw new Error(`share link: HTTP ${response.status} ${await response.text()}`);
  const { url } = await response.json();
  const guestContext = await browser.newContext({ viewport, baseURL: base });
  try {
    const guest = await guestContext.newPage();
    await guest.goto(url);
    await waitForText(guest, /^shared-42\s*$/m);
    await page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"] .tab-close`).click();
    await page.locator(`[data-testid="session-tab"][data-session-id="${sessionId}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    await guest.waitForTimeout(3000);
    await shot(guest, 'ui-4-before.png');
  } finally {
    await guestContext.close();
  }
});

// Point 7: one iptables rule added in a session, the session closed: the container page's
// "Changes left behind" box, then after Revert.
await step('ui-7 changes left behind, and after Revert', async (context) => {
  const page = await login(context);
  const sessionId = await openShell(page);
  await typeLine(page, 'iptables -A INPUT -p tcp --dport 9 -j DROP && echo rule-$((3*3))');
  await waitForText(page, /^rule-9\s*$/m);
  await closeSession(page, sessionId);
  await page.locator(`[data-testid="container-item"][data-name="${webName}"]`).click();
  const box = page.getByTestId('netstate-warning');
  await box.waitFor({ timeout: 30_000 });
  // Open "Show what changed": the diff counts the rule and the dump's header lines, twice.
  await box.locator('summary').first().click();
  await box.getByTestId('netstate-diff').first().waitFor();
  await box.scrollIntoViewIfNeeded();
  await page.waitForTimeout(1000);
  await shot(page, 'ui-7-before.png');
  await box.getByTestId('netstate-revert').first().click();
  await box.getByTestId('netstate-revert-result').first().waitFor({ timeout: 30_000 });
  await box.scrollIntoViewIfNeeded();
  await page.waitForTimeout(1000);
  await shot(page, 'ui-7-before-reverted.png');
});

// Point 8: the audit page after the walks above (sessions, shares, a capture, a revert).
await step('ui-8 audit page', async (context) => {
  const page = await login(context);
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-row').first().waitFor();
  await page.waitForTimeout(1000);
  await shot(page, 'ui-8-before.png');
});

await browser.close();
if (failures.length > 0) {
  console.log(`not taken: ${failures.join('; ')}`);
  process.exitCode = 1;
}
