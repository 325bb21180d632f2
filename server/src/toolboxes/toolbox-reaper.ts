import type { EngineSet } from '../engine/engine-set.js';
import type { ToolboxEngine } from '../engine/types.js';
import { LABELS } from './toolbox-spec.js';
import type { ToolboxOwner } from './workload-registry.js';

/**
 * The one reaper: removes this console's toolboxes that nothing owns, left by a killed server or
 * not removable while the engine was unreachable. It asks every owner (sessions, runs, captures,
 * namespace probes) what it holds and what it is starting, so a toolbox being created while the
 * engine comes back is never taken for an orphan.
 */
export class ToolboxReaper {
  private readonly owners: ToolboxOwner[];

  constructor(
    private readonly engines: EngineSet,
    private readonly instance: string,
    owners: readonly ToolboxOwner[],
    private readonly log: { warn(obj: object, msg: string): void },
  ) {
    this.owners = [...owners];
  }

  /** Another service that starts toolboxes (namespace probes, diagnosis runs) joins the reaper. */
  add(owner: ToolboxOwner): void {
    this.owners.push(owner);
  }

  private owned(): Set<string> {
    return new Set(this.owners.flatMap((o) => [...o.ownedToolboxes()]));
  }

  private starting(): Set<string> {
    return new Set(this.owners.flatMap((o) => [...o.startingIds()]));
  }

  /**
   * Removes orphans on every engine (or one); returns how many. Safe while workloads are being
   * created. An engine that cannot be asked now is left for later (its error is thrown when only
   * that engine was asked).
   */
  async reap(only?: string): Promise<number> {
    const handles = only === undefined ? this.engines.all() : [this.engines.pick(only, 'engine')];
    const counts = await Promise.allSettled(handles.map((h) => this.reapOn(h.engine)));
    const failure = counts.find((c) => c.status === 'rejected');
    if (only !== undefined && failure?.status === 'rejected') throw failure.reason;
    return counts.reduce((n, c) => n + (c.status === 'fulfilled' ? c.value : 0), 0);
  }

  private async reapOn(engine: ToolboxEngine): Promise<number> {
    const ids = await engine.listToolboxes({ [LABELS.managed]: 'true', [LABELS.instance]: this.instance });
    const candidates = ids.filter((id) => !this.owned().has(id));
    // A toolbox being started has no live workload yet; its session label says whose it is.
    const details = await Promise.all(candidates.map(async (id) => ({ id, labels: await engine.toolboxLabels(id) })));
    const owned = this.owned();
    const starting = this.starting();
    const orphans = details.filter((d) => d.labels !== undefined && !owned.has(d.id) && !starting.has(d.labels[LABELS.session] ?? '')).map((d) => d.id);
    await Promise.all(orphans.map((id) => engine.removeContainer(id).catch(() => undefined)));
    if (orphans.length > 0) this.log.warn({ engine: engine.name, count: orphans.length }, 'removed orphaned toolboxes');
    return orphans.length;
  }
}
