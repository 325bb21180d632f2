/**
 * What is on the engines: each engine with its health and Swarm role, their containers and
 * networks, the Swarm nodes and services of manager engines (all refetched when the event stream
 * says they changed), and whether Docker is reachable (pushed by the stream's `status` events).
 */
import type { Listing, SondeClient } from '@sonde/client';
import type { ContainerSummary, EngineInfo, Health, NetworkSummary, SwarmNode, SwarmService } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';
import { LiveResource } from './live-resource';

/** The lists a reply can leave an engine out of (the `x-sonde-unreachable` header). */
export type ListingSource = 'containers' | 'networks' | 'swarm';

/**
 * Engines the last reply of each list left out, down or slower than the server's deadline. The
 * lists still hold every other engine's objects; this says whose are missing, and it can be
 * sooner than the health events (an engine that hangs still "answers" pings for a while).
 */
export class LeftOutEngines implements Disposable {
  private current: Readonly<Record<ListingSource, readonly string[]>> = { containers: [], networks: [], swarm: [] };
  private readonly changed = new Emitter<{ change: undefined }>();

  readonly subscribe = (listener: () => void): (() => void) => {
    const subscription = this.changed.on('change', listener);
    return () => subscription.dispose();
  };

  readonly getSnapshot = (): Readonly<Record<ListingSource, readonly string[]>> => this.current;

  record(source: ListingSource, engines: readonly string[]): void {
    const before = this.current[source];
    if (before.length === engines.length && before.every((name, i) => name === engines[i])) return;
    this.current = { ...this.current, [source]: [...engines] };
    this.changed.emit('change', undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * How soon a list that left an engine out is asked again. An engine that comes back says so
 * (a status event refetches everything), but one that was only slow says nothing: without this
 * its section would keep "did not answer" until something else changed.
 */
export const LEFT_OUT_RETRY_MS = 10_000;

export class Inventory implements Disposable {
  readonly engines: LiveResource<EngineInfo[]>;
  readonly containers: LiveResource<ContainerSummary[]>;
  readonly networks: LiveResource<NetworkSummary[]>;
  readonly swarmNodes: LiveResource<SwarmNode[]>;
  readonly swarmServices: LiveResource<SwarmService[]>;
  readonly health: LiveResource<Health>;
  readonly leftOut = new LeftOutEngines();

  private readonly cleanup = new DisposableStore();
  private readonly retries = new Map<ListingSource, ReturnType<typeof setTimeout>>();

  constructor(client: SondeClient) {
    const listed = <T,>(source: ListingSource, load: () => Promise<Listing<T>>) => async () => {
      const listing = await load();
      this.leftOut.record(source, listing.unreachable);
      if (listing.unreachable.length > 0) this.retryLater(source);
      return listing.items;
    };
    this.engines = new LiveResource(() => client.engines());
    this.containers = new LiveResource(listed('containers', () => client.containerListing()));
    this.networks = new LiveResource(listed('networks', () => client.networkListing()));
    this.swarmNodes = new LiveResource(listed('swarm', () => client.swarmNodeListing()));
    this.swarmServices = new LiveResource(listed('swarm', () => client.swarmServiceListing()));
    this.health = new LiveResource(() => client.health());
    for (const owned of [this.engines, this.containers, this.networks, this.swarmNodes, this.swarmServices, this.health, this.leftOut]) this.cleanup.add(owned);
    this.cleanup.add(() => {
      for (const timer of this.retries.values()) clearTimeout(timer);
      this.retries.clear();
    });
  }

  /** One retry per list at a time; the refetch records the engines it leaves out again (or none). */
  private retryLater(source: ListingSource): void {
    if (this.retries.has(source) || this.cleanup.isDisposed) return;
    this.retries.set(
      source,
      setTimeout(() => {
        this.retries.delete(source);
        if (source === 'containers') void this.containers.refresh();
        else if (source === 'networks') void this.networks.refresh();
        else this.refreshSwarm();
      }, LEFT_OUT_RETRY_MS),
    );
  }

  /** Whether any engine is a Swarm manager: only then are there nodes and services to ask for. */
  get hasSwarm(): boolean {
    return (this.engines.data ?? []).some((engine) => engine.swarm?.role === 'manager');
  }

  refresh(): void {
    void this.containers.refresh();
    void this.networks.refresh();
    if (this.hasSwarm) this.refreshSwarm();
  }

  refreshSwarm(): void {
    void this.swarmNodes.refresh();
    void this.swarmServices.refresh();
  }

  /** Engines, then (when one is a manager) the Swarm: roles can change when an engine comes back. */
  async refreshEngines(): Promise<void> {
    await this.engines.refresh();
    if (this.hasSwarm) this.refreshSwarm();
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
