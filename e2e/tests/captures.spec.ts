import { expect, test } from '@playwright/test';
import { ConsolePage } from '../pages/console-page.js';
import { CapturePanel } from '../pages/capture-panel.js';
import { docker } from '../support/docker.js';
import { instance, readFixtures, token } from '../support/environment.js';

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
