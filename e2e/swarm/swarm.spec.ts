import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SondeClient } from '@sonde/client';
import { killNodeEngine, restartNodeEngine } from '../../server/test/support/swarm-testbed.js';
import { ConsolePage } from '../pages/console-page.js';
import { EnginesSidebar } from '../pages/engines-sidebar.js';
import { ToolsPanel } from '../pages/tools-panel.js';
import { readSwarmFixtures, screenshotDir, swarmBaseURL, swarmToken } from '../support/swarm-environment.js';

/**
 * The browser of a console with two engines, the nodes of a real Swarm (swarm-setup.ts): engines
 * at the top of the sidebar with their health, the service's tasks on both nodes, a shell in the
 * task on node 2, the overlay's own namespace (admins; the policy's refusal for an operator),
 * iperf3 between the tasks on two nodes, and node 2's engine dying while node 1's stay listed.
 */
test.describe.configure({ mode: 'serial' });

const fixtures = readSwarmFixtures();
const api = new SondeClient({ baseUrl: swarmBaseURL, token: swarmToken });
const onEngine = (engine: string) => fixtures.tasks.find((t) => t.engine === engine)!;
const node2 = fixtures.nodes.find((n) => n.engine === 'node2')!;

async function signIn(page: ConsolePage['page'], token = swarmToken): Promise<{ console: ConsolePage; sidebar: EnginesSidebar }> {
  const console = new ConsolePage(page);
  await console.loginWithUrl(token);
  return { console, sidebar: new EnginesSidebar(page) };
}

test.afterEach(async () => {
  // Every test ends its own shells; a failed one may not have.
  for (const session of await api.sessions()) if (session.state !== 'exited') await api.endSession(session.id).catch(() => undefined);
});

test('the sidebar shows both engines with their health and Swarm role, and the service’s tasks on both nodes', async ({ page }) => {
  const { sidebar } = await signIn(page);
  await expect(sidebar.engine('node1')).toHaveAttribute('data-reachable', 'true');
  await expect(sidebar.engine('node2')).toHaveAttribute('data-reachable', 'true');
  await expect(sidebar.engine('node1').getByTestId('engine-facts')).toContainText(/reachable · Docker \S+ · Swarm manager/);
  await expect(sidebar.engine('node2').getByTestId('engine-facts')).toContainText('Swarm worker');
  // Nodes map to their engines; each task says where it runs.
  for (const node of fixtures.nodes) await expect(sidebar.swarmNode(node.name)).toHaveAttribute('data-engine', node.engine);
  for (const engine of ['node1', 'node2']) {
    const task = sidebar.task(fixtures.service, engine);
    await expect(task).toHaveAttribute('data-state', 'running');
    await expect(task).toHaveAttribute('data-slot', String(onEngine(engine).slot));
    // The task's container is listed under the engine of its node, not the other.
    await expect(sidebar.containerIn(engine, onEngine(engine).containerName)).toBeVisible();
  }
  await expect(sidebar.containerIn('node1', onEngine('node2').containerName)).toHaveCount(0);
  // The attachable overlay is on both nodes (each has a task on it); the closed one on the manager only.
  await expect(sidebar.networkIn('node2', fixtures.overlay)).toBeVisible();
  await expect(sidebar.networkIn('node1', fixtures.closedOverlay)).toBeVisible();
  mkdirSync(screenshotDir, { recursive: true });
  // Tall enough to show both engines' sections in one picture.
  await page.setViewportSize({ width: 1400, height: 1700 });
  await page.getByRole('complementary', { name: 'Targets' }).screenshot({ path: path.join(screenshotDir, 'engines-sidebar.png') });
});

test('a shell into the task on node 2, opened from its task page, shows that task’s overlay address; the deep link carries the manager', async ({ page }) => {
  const { console, sidebar } = await signIn(page);
  const far = onEngine('node2');
  await sidebar.task(fixtures.service, 'node2').click();
  await expect(page).toHaveURL(new RegExp(`/engines/node1/services/${fixtures.service}/tasks/${far.slot}$`));
  await expect(page.getByTestId('task-title')).toHaveText(`${fixtures.service}.${far.slot}`);
  await expect(page.getByTestId('object-engine')).toHaveText('on node2');
  await expect(page.getByTestId('task-addresses')).toContainText(far.ip);
  await page.screenshot({ path: path.join(screenshotDir, 'task-page.png') });
  // The same page from its link, typed or shared: the engine is in it.
  await page.goto(`/engines/node1/services/${fixtures.service}/tasks/${far.slot}`);
  await page.getByTestId('shell-net').click();
  const terminal = await console.activeTerminal();
  const sessionId = await terminal.sessionId();
  await terminal.run('ip -4 -o addr show | cat');
  await terminal.waitForText(new RegExp(`inet ${far.ip.replace(/\./g, '\\.')}/`));
  // The server resolved the task on node 2's engine, asked of the manager.
  expect((await api.session(sessionId)).target).toMatchObject({ kind: 'container', engine: 'node2', task: { service: fixtures.service, slot: far.slot, manager: 'node1' } });
  // "Another shell" opens the same task again.
  await page.getByTestId('session-another').click();
  await expect(console.tabs()).toHaveCount(2);
  const again = await console.activeTerminal();
  expect((await api.session(await again.sessionId())).target).toMatchObject({ engine: 'node2', task: { slot: far.slot } });
});

test('a non-attachable overlay says why it cannot be joined; the attachable one joins from node 1', async ({ page }) => {
  const { console, sidebar } = await signIn(page);
  await sidebar.networkIn('node1', fixtures.closedOverlay).click();
  await expect(page).toHaveURL(/\/engines\/node1\/networks\/[0-9a-z]+$/);
  await expect(page.getByTestId('join-network')).toBeDisabled();
  await expect(page.locator('.action-reason').first()).toContainText('not attachable');
  await sidebar.networkIn('node1', fixtures.overlay).click();
  await page.getByTestId('join-network').click();
  const terminal = await console.activeTerminal();
  // Across the overlay to the task on node 2.
  await terminal.run(`ping -c 1 -W 3 ${onEngine('node2').ip} | tail -2`);
  await terminal.waitForText(/1 (packets )?received/);
});

test('the overlay’s own namespace opens for the admin on the node picked and shows its VXLAN device; an operator is told why not', async ({ page, browser }) => {
  const { console, sidebar } = await signIn(page);
  await sidebar.networkIn('node1', fixtures.overlay).click();
  // Offered on the nodes where the overlay has tasks.
  await expect(page.getByTestId('namespace-engine').locator('option')).toHaveText(['node1', 'node2']);
  await page.screenshot({ path: path.join(screenshotDir, 'overlay-network-page.png') });
  await page.getByTestId('namespace-engine').selectOption('node2');
  await page.getByTestId('open-namespace').click();
  const terminal = await console.activeTerminal();
  await terminal.run('ip -d link show | grep -o "vxlan id [0-9]*" | head -1');
  await terminal.waitForText(/vxlan id \d+/);
  expect((await api.session(await terminal.sessionId())).target).toMatchObject({ kind: 'network-namespace', engine: 'node2', networkName: fixtures.overlay });

  const created = await api.createApiToken({ name: `swarm e2e operator ${Date.now()}`, role: 'operator' });
  const context = await browser.newContext();
  try {
    const operator = await context.newPage();
    const { sidebar: theirs } = await signIn(operator, created.token);
    await theirs.networkIn('node1', fixtures.overlay).click();
    await operator.getByTestId('open-namespace').click();
    await expect(operator.getByTestId('namespace-refused')).toContainText('own namespace is not allowed');
    await expect(operator.getByTestId('terminal')).toHaveCount(0);
  } finally {
    await context.close();
    await api.revokeApiToken(created.id);
  }
});

test('iperf3 from the task on node 1 to the task on node 2, the peer picked among the other node’s tasks', async ({ page }) => {
  const { sidebar } = await signIn(page);
  const near = onEngine('node1');
  const far = onEngine('node2');
  await sidebar.task(fixtures.service, 'node1').click();
  const tools = new ToolsPanel(page);
  await tools.choose('iperf3');
  // The peer picker offers the task container on the other node, saying where it is.
  const offered = tools.root.locator(`datalist option[value="${far.containerName}"]`);
  await expect(offered).toHaveAttribute('label', `task ${fixtures.service}.${far.slot} on node2`);
  await tools.fill({ server: far.containerName, seconds: '2' });
  await tools.root.getByTestId('run-tool').click();
  const card = tools.resultCard('iperf3');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(card).toContainText(/bit\/s/);
  // Run from the task on node 1 (its page lists the run: asked of the task, resolved on node 1).
  const run = (await api.runs()).find((r) => r.tool === 'iperf3');
  expect(run?.target).toMatchObject({ kind: 'container', engine: near.engine, task: { service: fixtures.service, slot: near.slot } });
});

test('node 2’s engine killed shows as unreachable with its error, node 1’s objects stay listed; it comes back after a restart', async ({ page }) => {
  const { sidebar } = await signIn(page);
  const near = onEngine('node1');
  await expect(sidebar.containerIn('node2', onEngine('node2').containerName)).toBeVisible();
  await killNodeEngine(node2);
  try {
    await expect(sidebar.engine('node2')).toHaveAttribute('data-reachable', 'false', { timeout: 30_000 });
    await expect(sidebar.problem('node2')).toContainText('Engine node2 is unreachable');
    await expect(sidebar.problem('node2')).toContainText(node2.address);
    await expect(sidebar.containerIn('node2', onEngine('node2').containerName)).toHaveCount(0);
    // Node 1 works as before.
    await expect(sidebar.engine('node1')).toHaveAttribute('data-reachable', 'true');
    await expect(sidebar.containerIn('node1', near.containerName)).toBeVisible();
    await expect(sidebar.networkIn('node1', fixtures.overlay)).toBeVisible();
    await expect(page.getByTestId('docker-status')).toContainText('node2 unreachable');
    await page.setViewportSize({ width: 1400, height: 1500 });
    await sidebar.engine('node2').scrollIntoViewIfNeeded();
    await page.getByRole('complementary', { name: 'Targets' }).screenshot({ path: path.join(screenshotDir, 'engines-sidebar-node-down.png') });
  } finally {
    await restartNodeEngine(node2);
  }
  await expect(sidebar.engine('node2')).toHaveAttribute('data-reachable', 'true', { timeout: 60_000 });
  await expect(sidebar.problem('node2')).toHaveCount(0);
  // Its containers are listed again (Swarm may have replaced the task meanwhile: any of them).
  await expect(sidebar.engine('node2').getByTestId('container-item').first()).toBeVisible({ timeout: 30_000 });
});
