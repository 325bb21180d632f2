import { expect, test } from '@playwright/test';
import { ClusterSidebar, KubeNodePage, PodPage } from '../pages/cluster-pages.js';
import { ConsolePage } from '../pages/console-page.js';
import { RecordingsPage } from '../pages/recordings-page.js';
import { SessionSharing } from '../pages/session-sharing.js';
import { clusterName, kubernetesToken } from '../support/kubernetes-environment.js';

/**
 * A cluster in the browser, against recorded Kubernetes API exchanges only
 * (server/test/fixtures/kubernetes/browser.json; no API server can run here). The sidebar's tree
 * comes from the console's watches; a pod shell goes through the same session API, terminal socket
 * and xterm.js as a Docker one, and is shared and recorded the same way. The global teardown fails
 * the run unless the console made exactly the recorded calls: the ephemeral container's patch, the
 * shell's exec with the browser's resizes on channel 4 and its keystrokes on channel 0, and the kill
 * exec when the session ends.
 */
test.describe('a Kubernetes cluster in the browser (recorded API exchanges)', () => {
  test('the sidebar shows namespaces, pods and nodes from the watches, and a node that is not ready cannot get a shell', async ({ page }) => {
    const sonde = new ConsolePage(page);
    await sonde.loginWithUrl(kubernetesToken);
    const cluster = new ClusterSidebar(page, clusterName);
    // The pods of the informer's list, under their namespace.
    await expect.poll(() => cluster.podNames('shop')).toEqual(['cart-7d9f', 'web-5c6b']);
    // A namespace labelled sonde.deny=true is listed, marked, and holds no shell.
    await expect(cluster.namespace('vault')).toContainText('denied');
    await expect(cluster.node('worker-1')).toHaveAttribute('data-ready', 'true');
    await expect(cluster.node('worker-3')).toHaveAttribute('data-ready', 'false');

    await cluster.node('worker-3').click();
    await expect(page).toHaveURL(new RegExp(`/engines/${clusterName}/nodes/worker-3$`));
    const node = new KubeNodePage(page);
    await expect(node.shellButton()).toBeDisabled();
    await expect(node.root()).toContainText('Node worker-3 is not Ready: a pod cannot start on it.');
  });

  test('a pod page opens a shell in the pod through the same session path as Docker: shared with a viewer, ended, recorded', async ({ page, browser }) => {
    const sonde = new ConsolePage(page);
    // A deep link to the pod's page, as a dashboard or a colleague would send it.
    await sonde.loginWithUrl(kubernetesToken, `/engines/${clusterName}/namespaces/shop/pods/cart-7d9f`);
    const pod = new PodPage(page);
    await expect(pod.root()).toBeVisible();
    await expect(new ClusterSidebar(page, clusterName).pod('shop', 'cart-7d9f')).toHaveAttribute('aria-current', 'page');
    await expect(pod.containerState('cart')).toHaveAttribute('data-state', 'running');
    // Said before the first shell: Kubernetes cannot remove an ephemeral container. And how far this was tested.
    await expect(pod.ephemeralWarning()).toContainText('cannot remove an ephemeral container');
    await expect(pod.caveat()).toHaveText('Kubernetes support is tested against recorded API exchanges only, not yet against a live cluster.');

    await pod.shellButton().click();
    const terminal = await sonde.activeTerminal();
    await terminal.waitForText(/cart-7d9f:~# *$/m);
    const sessionId = await terminal.sessionId();
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);

    // Shared as with Docker: a viewer link, opened in another browser context, watches read-only.
    // What the viewer types must not reach the pod: the recording expects the owner's command
    // first on channel 0, and the replay reports anything sent before it.
    const sharing = new SessionSharing(page);
    const link = await sharing.createLink('viewer');
    await sharing.closeDialog();
    const guestContext = await browser.newContext();
    try {
      const guestPage = await guestContext.newPage();
      await guestPage.goto(link);
      await expect(guestPage).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
      const guestTerminal = await new ConsolePage(guestPage).activeTerminal();
      await expect(new SessionSharing(guestPage).readOnlyBadge()).toBeVisible();
      await guestTerminal.waitForText(/cart-7d9f:~# *$/m);
      await guestTerminal.run('touch /tmp/viewer-was-here');
      await expect(guestPage.getByTestId('read-only-hint')).toBeVisible();

      await terminal.run('echo $HOSTNAME');
      await terminal.waitForText(/echo \$HOSTNAME *\n *cart-7d9f *\n *cart-7d9f:~# *$/m);
      await guestTerminal.waitForText(/^cart-7d9f *$/m);
    } finally {
      await guestContext.close();
    }
    await sonde.endShownSession(sessionId);

    // Recorded as with Docker: the ended session replays in the browser's player.
    const recordings = new RecordingsPage(page);
    await recordings.playCompleted(sessionId);
    await recordings.setSpeed(4);
    await recordings.togglePlay();
    await expect(recordings.player()).toHaveAttribute('data-state', 'ended', { timeout: 20_000 });
    expect(await recordings.screenText()).toMatch(/^cart-7d9f *$/m);
  });
});
