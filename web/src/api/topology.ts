/**
 * The topology map's graph (GET /api/topology): fetched while a page shows it, and fetched again
 * on every batch of engine changes meanwhile (the same `docker` events that refresh the lists),
 * so the map follows containers and networks coming and going.
 */
import type { SondeClient } from '@sonde/client';
import type { Topology } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class TopologyMap implements Disposable {
  readonly graph: LiveResource<Topology>;
  /** Pages showing the map now: changes are refetched only while there is one. */
  private watchers = 0;

  constructor(client: SondeClient) {
    this.graph = new LiveResource(() => client.topology());
  }

  /** A page shows the map: fetched now and after each change until the returned function is called. */
  watch(): () => void {
    this.watchers += 1;
    void this.graph.refresh();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.watchers -= 1;
    };
  }

  /** Something changed on an engine (or the event stream came back after a gap). */
  changed(): void {
    if (this.watchers > 0) void this.graph.refresh();
  }

  dispose(): void {
    this.graph.dispose();
  }
}
