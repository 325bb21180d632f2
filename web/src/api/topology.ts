/**
 * The topology map's graph (GET /api/topology, or ?engine= for one engine's): fetched while a page
 * shows it, and fetched again on every batch of engine changes meanwhile (the same `docker`
 * events that refresh the lists), so the map follows containers and networks coming and going.
 */
import type { SondeClient } from '@sonde/client';
import type { Topology } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

/** The key of the whole map (every engine) among the per-engine ones. */
const EVERY_ENGINE = '';

export class TopologyMap implements Disposable {
  /** One graph per scope asked for: every engine (''), or one engine by name. */
  private readonly graphs = new Map<string, LiveResource<Topology>>();
  /** Pages showing each scope now: changes are refetched only while there is one. */
  private readonly watchers = new Map<string, number>();

  constructor(private readonly client: SondeClient) {}

  /** The graph of every engine, or of the one named. */
  graph(engine?: string): LiveResource<Topology> {
    const key = engine ?? EVERY_ENGINE;
    let graph = this.graphs.get(key);
    if (!graph) {
      graph = new LiveResource(() => this.client.topology(engine === undefined ? {} : { engine }));
      this.graphs.set(key, graph);
    }
    return graph;
  }

  /** A page shows the map: fetched now and after each change until the returned function is called. */
  watch(engine?: string): () => void {
    const key = engine ?? EVERY_ENGINE;
    this.watchers.set(key, (this.watchers.get(key) ?? 0) + 1);
    void this.graph(engine).refresh();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.watchers.set(key, (this.watchers.get(key) ?? 1) - 1);
    };
  }

  /** Something changed on an engine (or the event stream came back after a gap). */
  changed(): void {
    for (const [key, graph] of this.graphs) if ((this.watchers.get(key) ?? 0) > 0) void graph.refresh();
  }

  dispose(): void {
    for (const graph of this.graphs.values()) graph.dispose();
  }
}
