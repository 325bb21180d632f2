import { expect, test } from '@playwright/test';
import { ATTACKER_PORT } from '../pages/attacker-site.js';
import { DashboardSite } from '../pages/dashboard-site.js';
import { ConsoleApi } from '../support/console-api.js';
import { dashboardOrigin, dashboardPort, readFixtures } from '../support/environment.js';

/*
 * Issue 14, point 5, in real Chromium: a dashboard on an allowed origin (SONDE_EMBED_ORIGINS,
 * set in playwright.config.ts) frames a live terminal and types into it with nothing but the
 * embed token from the URL; a page on another origin gets nothing; the console's own pages stay
 * unframable even for the allowed dashboard.
 */

const fixtures = readFixtures();
const api = new ConsoleApi();
let dashboard: DashboardSite;
let stranger: DashboardSite;
const opened: string[] = [];

test.beforeAll(async () => {
  dashboard = await DashboardSite.start(dashboardPort);
  stranger = await DashboardSite.start(ATTACKER_PORT);
  expect(dashboard.origin).toBe(dashboardOrigin);
});

test.afterAll(async () => {
  await dashboard?.close();
  await stranger?.close();
  for (const id of opened) await api.endSession(id);
});

test('a dashboard on an allowed origin frames a live session and types into it', async ({ page }) => {
  const session = await api.startContainerSession(fixtures.web.name);
  opened.push(session.id);
  const embed = await api.createEmbed({ scope: { kind: 'session', sessionId: session.id }, role: 'driver', expiresInSeconds: 600 });
  expect(embed.url).toMatch(new RegExp(`/embed/sessions/${session.id}#token=`));
  const view = await dashboard.frame(page, embed.url);
  await view.waitForOpenTerminal();
  await view.type('echo embedded-$((6 * 7))\n');
  await view.expectScreenToContain('embedded-42');
  // The framed terminal is a participant of the session (what the refused frame below never becomes).
  expect((await api.session(session.id)).participants).toEqual([expect.objectContaining({ role: 'driver', clients: 1 })]);
  // Only the terminal: none of the console around it.
  await expect(view.frame.locator('[data-testid=status-bar], [data-testid=session-tab], nav')).toHaveCount(0);
  // The browser had no login: the embed token was the only credential.
  expect(await page.context().cookies()).toEqual([]);
});

test('a page on another origin gets nothing: no frame, no terminal', async ({ page }) => {
  const session = await api.startContainerSession(fixtures.web.name);
  opened.push(session.id);
  const embed = await api.createEmbed({ scope: { kind: 'session', sessionId: session.id }, role: 'driver', expiresInSeconds: 600 });
  const view = await stranger.frame(page, embed.url);
  // The frame loaded (its load event fired): had the embed been allowed in, #root would be there.
  expect(await view.rendered()).toBe(false);
  // Nobody attached: the session started over the API has no socket, and the refused frame opened none.
  expect((await api.session(session.id)).participants).toEqual([]);
});

test("the allowed dashboard still cannot frame the console's own pages", async ({ page }) => {
  const view = await dashboard.frame(page, `${new URL(api.client.baseUrl).origin}/`);
  expect(await view.rendered()).toBe(false);
});

test("a container embed opens its own shell in the target's namespace", async ({ page }) => {
  const embed = await api.createEmbed({ scope: { kind: 'container', container: fixtures.api.name }, role: 'driver', expiresInSeconds: 600 });
  expect(embed.url).toContain(`/embed/containers/${fixtures.api.id}/shell#token=`);
  const view = await dashboard.frame(page, embed.url);
  await view.waitForOpenTerminal();
  await view.type('hostname\n');
  await view.expectScreenToContain(fixtures.api.id.slice(0, 12));
  const shell = (await api.sessions()).find((s) => s.owner.id.startsWith('embed:') && s.state === 'running');
  expect(shell?.target).toMatchObject({ kind: 'container', containerId: fixtures.api.id });
  if (shell) opened.push(shell.id);
});

test("a run embed shows the result card, pushed when the run ends", async ({ page }) => {
  const run = await api.startRun('ping', fixtures.web.name, { host: fixtures.api.ip, count: 3 });
  const embed = await api.createEmbed({ scope: { kind: 'run', runId: run.id }, role: 'viewer', expiresInSeconds: 600 });
  const view = await dashboard.frame(page, embed.url);
  await expect(view.resultCard()).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(view.resultCard()).toContainText('3');
  expect((await api.run(run.id)).state).toBe('exited');
});
