import { ErrorCode, type ToolboxImageEvent, type ToolboxImageStatus } from '@sonde/shared';
import type { EngineHandle, EngineSet } from '../engine/engine-set.js';
import type { ContainerEngine } from '../engine/types.js';
import { ApiError } from '../http/api-error.js';

/**
 * The toolbox image on each Docker engine: checked whenever the engine becomes reachable (at
 * start, after an outage, a Swarm node's engine when it is found) and, when it is missing and
 * pulls are on (SONDE_TOOLBOX_PULL), pulled once: one pull per engine at a time, whoever asks.
 * Progress goes to the operator's terminal and to every browser (GET /api/engines,
 * `toolbox-image` events); a start meeting the missing image is told how far the pull is, or why
 * it failed. Kubernetes engines are left alone: their kubelets pull.
 */

/** After a failed pull, a start this long after it tries again (the registry may be back, a login added). */
export const PULL_RETRY_AFTER_MS = 30_000;
/** The terminal gets a line each time the pull passes another this many percent (and at its start and end). */
const PRINT_STEP_PERCENT = 10;

export interface ToolboxImagesOptions {
  engines: EngineSet;
  /** SONDE_TOOLBOX_IMAGE. */
  image: string;
  /** Pull a missing image (SONDE_TOOLBOX_PULL); otherwise only say it is missing. */
  pull: boolean;
  /** A line for the operator's terminal (stdout). */
  print: (line: string) => void;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  retryAfterMs?: number;
}

interface Entry {
  status: ToolboxImageStatus;
  /** When the last pull failed. */
  failedAt?: number;
}

export class ToolboxImages {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(event: ToolboxImageEvent) => void>();
  private readonly stop = new AbortController();
  private readonly offStatus: () => void;
  private disposed = false;

  constructor(private readonly options: ToolboxImagesOptions) {
    this.offStatus = options.engines.onStatus((engine, status) => {
      if (status.reachable) void this.check(engine);
    });
  }

  /** The image's state on an engine; undefined for a Kubernetes engine or one not checked yet. */
  status(engine: string): ToolboxImageStatus | undefined {
    const entry = this.entries.get(engine);
    return entry ? { ...entry.status } : undefined;
  }

  /** Told of every change of state and of every percent a pull moves. */
  onChange(listener: (event: ToolboxImageEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Looks for the image on a (reachable) Docker engine and pulls it when it is missing and pulls are on. */
  async check(engine: string): Promise<void> {
    const handle = this.dockerHandle(engine);
    if (!handle || this.disposed || this.inFlight.has(engine)) return;
    let present: boolean;
    try {
      present = await handle.engine.hasImage(this.options.image);
    } catch {
      // Unreachable again, or a hiccup: it is checked again when the engine is reachable.
      return;
    }
    if (this.disposed || this.inFlight.has(engine)) return;
    if (present) return this.set(engine, { image: this.options.image, state: 'present' });
    if (!this.options.pull) return this.set(engine, { image: this.options.image, state: 'missing', error: this.missingSentence(engine) });
    await this.pull(handle);
  }

  /**
   * The answer to a start that found the image missing on `engine` (an ImageMissingError): how far
   * its pull is (starting one when none is going), or why the last one failed while that is recent.
   * Undefined when pulls are off, or for an engine this does not look after: the engine error's own
   * answer (build the image, set SONDE_TOOLBOX_IMAGE) stands.
   */
  refusal(engine: string): ApiError | undefined {
    const handle = this.dockerHandle(engine);
    if (!this.options.pull || !handle || this.disposed) return undefined;
    const entry = this.entries.get(engine);
    const retryAfterMs = this.options.retryAfterMs ?? PULL_RETRY_AFTER_MS;
    if (entry?.status.state === 'failed' && entry.failedAt !== undefined && Date.now() - entry.failedAt < retryAfterMs) {
      return new ApiError(
        424,
        ErrorCode.ToolboxImageMissing,
        `The toolbox image ${this.options.image} is not on engine ${engine}: ${entry.status.error ?? 'the pull failed.'} Sonde pulls it again on a start ${Math.round(retryAfterMs / 1000)} s after that failure; or set SONDE_TOOLBOX_IMAGE to an image the engine can get.`,
      );
    }
    // Missing now: never pulled here, removed since, or a failure long enough ago to try again.
    if (!this.inFlight.has(engine)) void this.pull(handle);
    return new ApiError(424, ErrorCode.ToolboxImageMissing, `The toolbox image ${this.options.image} is being pulled on engine ${engine} (${this.entries.get(engine)?.status.percent ?? 0}%); try again when it is done.`);
  }

  /** Stops following pulls (the engine may finish them) and forgets every listener. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.offStatus();
    this.stop.abort();
    this.listeners.clear();
  }

  private dockerHandle(engine: string): EngineHandle<ContainerEngine> | undefined {
    const handle = this.options.engines.get(engine);
    return handle && handle.engine.kind === 'docker' ? (handle as EngineHandle<ContainerEngine>) : undefined;
  }

  /** One pull per engine at a time: a second caller gets the pull already going. */
  private pull(handle: EngineHandle<ContainerEngine>): Promise<void> {
    const engine = handle.name;
    const going = this.inFlight.get(engine);
    if (going) return going;
    const { image, print, log } = this.options;
    const began = Date.now();
    let printed = 0;
    this.set(engine, { image, state: 'pulling', percent: 0 });
    print(`toolbox image ${image} is missing on engine ${engine}; pulling it`);
    print(`pulling ${image} on ${engine}: 0%`);
    log.info({ engine, image }, 'pulling the toolbox image');
    const work = handle.engine
      .pullImage(
        image,
        (percent) => {
          if (this.disposed || this.entries.get(engine)?.status.percent === percent) return;
          this.set(engine, { image, state: 'pulling', percent });
          if (percent >= printed + PRINT_STEP_PERCENT) {
            printed = percent - (percent % PRINT_STEP_PERCENT);
            print(`pulling ${image} on ${engine}: ${percent}%`);
          }
        },
        this.stop.signal,
      )
      .then(
        () => {
          if (this.disposed) return;
          const seconds = ((Date.now() - began) / 1000).toFixed(1);
          this.set(engine, { image, state: 'present' });
          print(`pulled ${image} on ${engine}: 100% (${seconds} s)`);
          log.info({ engine, image, seconds: Number(seconds) }, 'pulled the toolbox image');
        },
        (error: unknown) => {
          if (this.disposed) return;
          const reason = error instanceof Error ? error.message : String(error);
          this.entries.set(engine, { status: { image, state: 'failed', error: reason }, failedAt: Date.now() });
          this.emit(engine);
          print(`pulling ${image} on ${engine} failed: ${reason}`);
          log.warn({ engine, image, err: reason }, 'could not pull the toolbox image');
        },
      )
      .finally(() => this.inFlight.delete(engine));
    this.inFlight.set(engine, work);
    return work;
  }

  private missingSentence(engine: string): string {
    return /^sonde-toolbox(:|$)/.test(this.options.image)
      ? `The toolbox image ${this.options.image} is not on engine ${engine}; build it there with npm run toolbox:build.`
      : `The toolbox image ${this.options.image} is not on engine ${engine}, and pulls are off (SONDE_TOOLBOX_PULL=never); pull or build it there.`;
  }

  private set(engine: string, status: ToolboxImageStatus): void {
    this.entries.set(engine, { status });
    this.emit(engine);
  }

  private emit(engine: string): void {
    const status = this.entries.get(engine)?.status;
    if (!status) return;
    for (const listener of this.listeners) listener({ engine, ...status });
  }
}
