/**
 * What is on the engine: containers and networks (refetched when the event stream says they
 * changed) and whether Docker is reachable (pushed by the stream's `status` events).
 */
import type { SondeClient } from '@sonde/client';
import type { ContainerSummary, Health, NetworkSummary } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class Inventory implements Disposable {
  readonly containers: LiveResource<ContainerSummary[]>;
  readonly networks: LiveResource<NetworkSummary[]>;
  readonly health: LiveResource<Health>;

  private readonly cleanup = new DisposableStore();

  constructor(client: SondeClient) {
    this.containers = new LiveResource(() => client.containers());
    this.networks = new LiveResource(() => client.networks());
    this.health = new LiveResource(() => client.health());
    this.cleanup.add(this.containers);
    this.cleanup.add(this.networks);
    this.cleanup.add(this.health);
  }

  refresh(): void {
    void this.containers.refresh();
    void this.networks.refresh();
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
