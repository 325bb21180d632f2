/**
 * What is on the engines: each engine with its health and Swarm role, their containers and
 * networks, the Swarm nodes and services of manager engines (all refetched when the event stream
 * says they changed), and whether Docker is reachable (pushed by the stream's `status` events).
 */
import type { Listing, SondeClient } from '@sonde/client';
import type { ContainerSummary, EngineInfo, Health, KubeNamespace, KubeNode, KubePod, NetworkSummary, SwarmNode, SwarmService, ToolboxImageEvent } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';
import { LiveResource } from './live-resource';

/** The lists a reply can leave an engine out of (the `x-sonde-unreachable` header). */
export type ListingSource = 'containers' | 'networks' | 'swarm' | 'kubernetes';

/**
 * Engines the last reply of each list left out, down or slower than the server's deadline. The
 * lists still hold every other engine's objects; this says whose are missing, and it can be
 * sooner than the health events (an engine that hangs still "answers" pings for a while).
 */
export class LeftOutEngines implements Disposable {
  private current: Readonly<Record<ListingSource, readonly string[]>> = { containers: [], networks: [], swarm: [], kubernetes: [] };
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
  /**
   * Of Kubernetes engines (only asked for when there is one). Not services: no page shows them,
   * and every inventory refresh would fetch them for nothing.
   */
  readonly kubeNamespaces: LiveResource<KubeNamespace[]>;
  readonly kubePods: LiveResource<KubePod[]>;
  readonly kubeNodes: LiveResource<KubeNode[]>;
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
    this.kubeNamespaces = new LiveResource(listed('kubernetes', () => client.kubeNamespaceListing()));
    this.kubePods = new LiveResource(listed('kubernetes', () => client.kubePodListing()));
    this.kubeNodes = new LiveResource(listed('kubernetes', () => client.kubeNodeListing()));
    this.health = new LiveResource(() => client.health());
    const owned = [this.engines, this.containers, this.networks, this.swarmNodes, this.swarmServices, this.kubeNamespaces, this.kubePods, this.kubeNodes, this.health, this.leftOut];
    for (const resource of owned) this.cleanup.add(resource);
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
        else if (source === 'kubernetes') this.refreshKubernetes();
        else this.refreshSwarm();
      }, LEFT_OUT_RETRY_MS),
    );
  }

  /** Whether any engine is a Swarm manager: only then are there nodes and services to ask for. */
  get hasSwarm(): boolean {
    return (this.engines.data ?? []).some((engine) => engine.swarm?.role === 'manager');
  }

  /** Whether any engine is a Kubernetes cluster: only then are there namespaces, pods and nodes to ask for. */
  get hasKubernetes(): boolean {
    return (this.engines.data ?? []).some((engine) => engine.kind === 'kubernetes');
  }

  refresh(): void {
    void this.containers.refresh();
    void this.networks.refresh();
    if (this.hasSwarm) this.refreshSwarm();
    if (this.hasKubernetes) this.refreshKubernetes();
  }

  refreshKubernetes(): void {
    void this.kubeNamespaces.refresh();
    void this.kubePods.refresh();
    void this.kubeNodes.refresh();
  }

  refreshSwarm(): void {
    void this.swarmNodes.refresh();
    void this.swarmServices.refresh();
  }

  /**
   * A pushed change of an engine's toolbox image (a pull's percent, then present or failed):
   * applied to the engine list as it is; an engine the list does not have yet is fetched.
   */
  toolboxImageChanged(event: ToolboxImageEvent): void {
    const { engine, ...toolboxImage } = event;
    if (!this.engines.data?.some((e) => e.name === engine)) {
      void this.engines.refresh();
      return;
    }
    this.engines.update((list) => (list ?? []).map((e) => (e.name === engine ? { ...e, toolboxImage } : e)));
  }

  /** Engines, then (when one is a manager) the Swarm: roles can change when an engine comes back. */
  async refreshEngines(): Promise<void> {
    await this.engines.refresh();
    if (this.hasSwarm) this.refreshSwarm();
    if (this.hasKubernetes) this.refreshKubernetes();
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
