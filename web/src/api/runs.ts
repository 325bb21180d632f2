/**
 * Tool runs: the catalog (fetched once per login: it changes only with a server upgrade), the
 * runs live and recently ended (refreshed after each action; a followed run's state and result
 * arrive on its socket, see received()), and the actions on them.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import type { CreateRunRequest, RunInfo, ToolInfo } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class Runs implements Disposable {
  readonly tools: LiveResource<ToolInfo[]>;
  readonly list: LiveResource<RunInfo[]>;

  private readonly cleanup = new DisposableStore();

  constructor(private readonly client: SondeClient) {
    this.tools = new LiveResource(() => client.tools());
    this.list = new LiveResource(() => client.runs());
    this.cleanup.add(this.tools);
    this.cleanup.add(this.list);
  }

  /** Starts a tool run (the server validates, starts the toolboxes and answers once it runs). */
  async start(request: CreateRunRequest): Promise<RunInfo> {
    const run = await this.client.createRun(request);
    this.list.update((list = []) => [...list.filter((r) => r.id !== run.id), run]);
    return run;
  }

  /** A run's record as its socket pushed it (its state, then its result): recorded without a fetch. */
  received(run: RunInfo): void {
    this.list.update((list = []) => (list.some((r) => r.id === run.id) ? list.map((r) => (r.id === run.id ? run : r)) : [...list, run]));
  }

  /** Fetches one run again (its result appears once it exited) and records it. */
  async refresh(id: string): Promise<RunInfo | null> {
    try {
      const run = await this.client.run(id);
      this.list.update((list = []) => list.map((r) => (r.id === id ? run : r)));
      return run;
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
      this.list.update((list = []) => list.filter((r) => r.id !== id));
      return null;
    }
  }

  /** Like Sessions.exists, for a run's terminal: true unless the server says it is gone. */
  async exists(id: string): Promise<boolean> {
    try {
      return (await this.refresh(id)) !== null;
    } catch {
      return true;
    }
  }

  /** Cancels a run; one that already ended or is gone counts as cancelled. */
  async cancel(id: string): Promise<void> {
    try {
      await this.client.cancelRun(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    await this.refresh(id).catch(() => null);
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
