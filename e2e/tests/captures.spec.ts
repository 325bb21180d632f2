import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { CapturePanel, CapturesPage } from '../pages/capture-panel.js';
import { docker } from '../support/docker.js';
import { instance, readFixtures, root, token } from '../support/environment.js';

const fixtures = readFixtures();

test("from a container's page: capture pings, see them decoded live, stop, download a pcap", async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(fixtures.web.name).click();
  const capture = new CapturePanel(page);
  await capture.start({ interface: 'eth0', filter: 'icmp' });

  await docker('exec', fixtures.web.name, 'ping', '-c', '3', '-i', '0.2', fixtures.api.ip);
  await expect(capture.count()).toContainText('6 packets', { timeout: 15_000 });
  await expect(capture.lines()).toHaveCount(6);
  await expect(capture.lines().first()).toContainText(`→ ${fixtures.api.ip} ICMP echo request`);

  await capture.stop();
  const [download] = await Promise.all([page.waitForEvent('download'), capture.downloadLink().click()]);
  expect(download.suggestedFilename()).toMatch(/^sonde-[a-f0-9]{8}\.pcap$/);
  // The capture's toolbox is gone once it stopped.
  await expect.poll(() => docker('ps', '-aq', '--filter', 'label=sonde.capture', '--filter', `label=sonde.instance=${instance}`)).toBe('');
});

test('a capture outlives its page: start it, make traffic from a shell tab, come back to it still counting; list, download, delete', async ({ page }) => {
  const sonde = new ConsolePage(page);
  await sonde.loginWithUrl(token);
  await sonde.container(fixtures.web.name).click();
  const capture = new CapturePanel(page);
  await expect(capture.root.getByTestId('capture-hint')).toContainText('tcpdump (live)');
  await capture.start({ interface: 'eth0', filter: `icmp and host ${fixtures.api.ip}` });
  await expect(capture.progress()).toContainText(/\d:\d\d \/ 1:00 · 0 \/ 1000 packets · running/);
  // The status bar shows it, with its elapsed time against the time limit, on every page.
  await expect(sonde.statusBar().getByTestId('capture-status')).toContainText(/Capturing .* · \d:\d\d \/ 1:00/);

  // Away from the page: a shell tab makes the traffic.
  const terminal = await sonde.openContainerShell(fixtures.web.name);
  await terminal.run(`ping -c 3 -i 0.2 ${fixtures.api.ip}`);
  await terminal.waitForText(/3 packets transmitted/);
  await expect(sonde.statusBar().getByTestId('capture-status')).toBeVisible();

  // Back on the container's page: the same capture, still running, with the packets sent meanwhile.
  await sonde.container(fixtures.web.name).click();
  await expect(capture.view()).toHaveAttribute('data-state', 'running');
  await expect(capture.count()).toContainText('6 packets', { timeout: 15_000 });
  await expect(capture.lines()).toHaveCount(6);
  await expect(capture.progress()).toContainText(/6 \/ 1000 packets · running/);
  await capture.root.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(root, 'docs/screenshots/ui-2-after.png') });

  // The captures page lists it: download its pcap, then delete it.
  const captures = new CapturesPage(page);
  await captures.open();
  const row = captures.items().filter({ hasText: 'running' }).first();
  await expect(row).toContainText('6 / 1000 packets');
  const id = (await row.getAttribute('data-capture-id'))!;
  await page.screenshot({ path: path.join(root, 'docs/screenshots/ui-2-list-after.png') });
  const [download] = await Promise.all([page.waitForEvent('download'), captures.item(id).getByTestId('capture-item-download').click()]);
  expect(download.suggestedFilename()).toMatch(/^sonde-[a-f0-9]{8}\.pcap$/);
  await captures.item(id).getByTestId('capture-item-delete').click();
  await expect(captures.item(id)).toHaveCount(0);
  await expect(sonde.statusBar().getByTestId('capture-status')).toHaveCount(0);
  await expect.poll(() => docker('ps', '-aq', '--filter', `label=sonde.capture=${id}`)).toBe('');
});
