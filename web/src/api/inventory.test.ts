import type { Listing, SondeClient } from '@sonde/client';
import type { EngineInfo, Health } from '@sonde/shared';
import { describe, expect, it, vi } from 'vitest';
import { reachabilityChanged, refetchAfterHealth } from './console-data';
import { Inventory, LEFT_OUT_RETRY_MS } from './inventory';
import { toApiError } from './live-resource';

const manager: EngineInfo = { name: 'node1', reachable: true, swarm: { nodeId: 'n1', role: 'manager', clusterId: 'k' }, source: 'configured', kind: 'docker' };
const worker: EngineInfo = { name: 'node2', reachable: true, swarm: { nodeId: 'n2', role: 'worker' }, source: 'configured', kind: 'docker' };

/** The calls Inventory makes, answering with empty lists that left out `unreachable`. */
function fakeClient(engines: EngineInfo[], unreachable: string[] = []) {
  const listing = <T,>(): Promise<Listing<T>> => Promise.resolve({ items: [], unreachable });
  const calls = {
    engines: vi.fn(() => Promise.resolve(engines)),
    containerListing: vi.fn(listing),
    networkListing: vi.fn(listing),
    swarmNodeListing: vi.fn(listing),
    swarmServiceListing: vi.fn(listing),
    kubeNamespaceListing: vi.fn(listing),
    kubePodListing: vi.fn(listing),
    kubeNodeListing: vi.fn(listing),
    kubeServiceListing: vi.fn(listing),
    health: vi.fn(),
  };
  // Only the methods above are called; the rest of the client is not needed here.
  return { client: calls as unknown as SondeClient, calls };
}

describe('Inventory', () => {
  it('asks for the Swarm only when an engine is a manager', async () => {
    const plain = fakeClient([{ name: 'local', reachable: true, source: 'configured', kind: 'docker' }]);
    const inventory = new Inventory(plain.client);
    await inventory.refreshEngines();
    inventory.refresh();
    expect(plain.calls.containerListing).toHaveBeenCalledTimes(1);
    expect(plain.calls.swarmServiceListing).not.toHaveBeenCalled();

    const swarm = fakeClient([manager, worker]);
    const withSwarm = new Inventory(swarm.client);
    await withSwarm.refreshEngines();
    expect(withSwarm.hasSwarm).toBe(true);
    expect(swarm.calls.swarmNodeListing).toHaveBeenCalledTimes(1);
    expect(swarm.calls.swarmServiceListing).toHaveBeenCalledTimes(1);
    expect(swarm.calls.kubePodListing).not.toHaveBeenCalled();
  });

  it('asks for namespaces, pods and nodes (not services: nothing shows them) only when an engine is a Kubernetes cluster', async () => {
    const cluster = fakeClient([{ name: 'local', reachable: true, source: 'configured', kind: 'docker' }, { name: 'prod', reachable: true, source: 'configured', kind: 'kubernetes' }]);
    const inventory = new Inventory(cluster.client);
    await inventory.refreshEngines();
    expect(inventory.hasKubernetes).toBe(true);
    for (const call of [cluster.calls.kubeNamespaceListing, cluster.calls.kubePodListing, cluster.calls.kubeNodeListing]) expect(call).toHaveBeenCalledTimes(1);
    expect(cluster.calls.kubeServiceListing).not.toHaveBeenCalled();
    inventory.refresh();
    // The first fetch may still be in flight: the refresh is queued behind it, not dropped.
    await vi.waitFor(() => expect(cluster.calls.kubePodListing).toHaveBeenCalledTimes(2));
    expect(cluster.calls.swarmNodeListing).not.toHaveBeenCalled();
  });

  it('applies a pushed toolbox image change to its engine without a refetch; an engine it does not list yet is fetched', async () => {
    const local: EngineInfo = { name: 'local', reachable: true, source: 'configured', kind: 'docker', toolboxImage: { image: 'nicolaka/netshoot', state: 'pulling', percent: 0 } };
    const { client, calls } = fakeClient([local, worker]);
    const inventory = new Inventory(client);
    await inventory.refreshEngines();
    inventory.toolboxImageChanged({ engine: 'local', image: 'nicolaka/netshoot', state: 'pulling', percent: 37 });
    expect(inventory.engines.data?.map((e) => [e.name, e.toolboxImage])).toEqual([
      ['local', { image: 'nicolaka/netshoot', state: 'pulling', percent: 37 }],
      ['node2', undefined],
    ]);
    expect(calls.engines).toHaveBeenCalledTimes(1);
    inventory.toolboxImageChanged({ engine: 'edge', image: 'nicolaka/netshoot', state: 'present' });
    expect(calls.engines).toHaveBeenCalledTimes(2);
    inventory.dispose();
  });

  it('keeps which engines each listing left out, and notifies only when that changes', async () => {
    const { client } = fakeClient([manager, worker], ['node2']);
    const inventory = new Inventory(client);
    const seen = vi.fn();
    inventory.leftOut.subscribe(seen);
    await inventory.containers.refresh();
    await inventory.networks.refresh();
    expect(inventory.leftOut.getSnapshot()).toEqual({ containers: ['node2'], networks: ['node2'], swarm: [], kubernetes: [] });
    expect(seen).toHaveBeenCalledTimes(2);
    await inventory.containers.refresh();
    expect(seen).toHaveBeenCalledTimes(2);
    inventory.leftOut.record('containers', []);
    expect(inventory.leftOut.getSnapshot().containers).toEqual([]);
    expect(seen).toHaveBeenCalledTimes(3);
  });
});

describe('Inventory retries', () => {
  it('asks a list again after LEFT_OUT_RETRY_MS while it leaves an engine out, and stops once disposed', async () => {
    vi.useFakeTimers();
    try {
      const { client, calls } = fakeClient([manager, worker], ['node2']);
      const inventory = new Inventory(client);
      await inventory.containers.refresh();
      expect(calls.containerListing).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(LEFT_OUT_RETRY_MS);
      expect(calls.containerListing).toHaveBeenCalledTimes(2);
      inventory.dispose();
      await vi.advanceTimersByTimeAsync(LEFT_OUT_RETRY_MS * 3);
      expect(calls.containerListing).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('reachabilityChanged', () => {
  const health = (node2: boolean): Health => ({
    status: node2 ? 'ok' : 'degraded',
    docker: { reachable: true },
    engines: [
      { name: 'node1', reachable: true },
      { name: 'node2', reachable: node2, ...(node2 ? {} : { error: 'aborted' }) },
    ],
  });

  it('is true for the first report and when an engine goes or comes back, not for a repeat', () => {
    expect(reachabilityChanged(undefined, health(true))).toBe(true);
    expect(reachabilityChanged(health(true), health(false))).toBe(true);
    expect(reachabilityChanged(health(false), health(true))).toBe(true);
    expect(reachabilityChanged(health(false), health(false))).toBe(false);
    expect(reachabilityChanged(health(true), { ...health(true), engines: [{ name: 'node1', reachable: true }] })).toBe(true);
  });

  it('refetches after a pushed report only when the first fetches are back and reachability changed (or the first failed)', () => {
    expect(refetchAfterHealth({ status: 'loading' }, health(false))).toBe(false);
    expect(refetchAfterHealth({ status: 'ready', data: health(true), refreshError: null }, health(true))).toBe(false);
    expect(refetchAfterHealth({ status: 'ready', data: health(true), refreshError: null }, health(false))).toBe(true);
    expect(refetchAfterHealth({ status: 'failed', error: toApiError(new Error('offline')) }, health(true))).toBe(true);
  });
});
