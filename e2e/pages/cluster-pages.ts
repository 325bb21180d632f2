import type { Locator, Page } from '@playwright/test';

/** One Kubernetes cluster's part of the sidebar: namespaces → pods, then nodes. */
export class ClusterSidebar {
  constructor(
    readonly page: Page,
    readonly engine: string,
  ) {}

  tree(): Locator {
    return this.page.locator(`[data-testid="kube-tree"][data-engine="${this.engine}"]`);
  }

  namespace(name: string): Locator {
    return this.tree().locator(`[data-testid="kube-namespace"][data-name="${name}"]`);
  }

  /** The names of the pods listed under a namespace, in the sidebar's order. */
  async podNames(namespace: string): Promise<string[]> {
    return this.namespace(namespace)
      .locator('[data-testid="kube-pod"]')
      .evaluateAll((links) => links.map((l) => l.getAttribute('data-name') ?? ''));
  }

  pod(namespace: string, name: string): Locator {
    return this.tree().locator(`[data-testid="kube-pod"][data-namespace="${namespace}"][data-name="${name}"]`);
  }

  node(name: string): Locator {
    return this.tree().locator(`[data-testid="kube-node"][data-name="${name}"]`);
  }
}

/** A pod's page: the shell button, the warning before Sonde's first ephemeral container, the caveat. */
export class PodPage {
  constructor(readonly page: Page) {}

  root(): Locator {
    return this.page.getByTestId('pod-page');
  }

  shellButton(): Locator {
    return this.root().getByTestId('shell-pod');
  }

  ephemeralWarning(): Locator {
    return this.root().getByTestId('ephemeral-warning');
  }

  caveat(): Locator {
    return this.root().getByTestId('kubernetes-caveat');
  }

  containerState(name: string): Locator {
    return this.root().locator(`[data-testid="pod-container-state"][data-name="${name}"]`);
  }
}

/** A Kubernetes node's page. */
export class KubeNodePage {
  constructor(readonly page: Page) {}

  root(): Locator {
    return this.page.getByTestId('kube-node-page');
  }

  shellButton(): Locator {
    return this.root().getByTestId('shell-node');
  }
}
