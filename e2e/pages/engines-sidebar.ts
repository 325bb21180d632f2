import type { Locator, Page } from '@playwright/test';

/** The sidebar of a console with several engines: a section per engine, a manager's Swarm. */
export class EnginesSidebar {
  constructor(readonly page: Page) {}

  engine(name: string): Locator {
    return this.page.locator(`[data-testid="engine-section"][data-engine="${name}"]`);
  }

  /** The banner in an engine's section saying why its objects are missing. */
  problem(engine: string): Locator {
    return this.engine(engine).getByTestId('engine-problem');
  }

  containerIn(engine: string, name: string): Locator {
    return this.engine(engine).locator(`[data-testid="container-item"][data-name="${name}"]`);
  }

  networkIn(engine: string, name: string): Locator {
    return this.engine(engine).locator(`[data-testid="network-item"][data-name="${name}"]`);
  }

  swarmNode(hostname: string): Locator {
    return this.page.locator(`[data-testid="swarm-node"][data-name="${hostname}"]`);
  }

  /** A task of `service` in the manager's Swarm, by the engine of the node it runs on. */
  task(service: string, onEngine: string): Locator {
    return this.page.locator(`[data-testid="swarm-task"][data-service="${service}"][data-engine="${onEngine}"]`);
  }
}
