/**
 * Live updates from GET /api/events (server-sent events). `docker` events say a container or
 * network changed; they are batched so a `docker compose up` of 20 containers causes one
 * refetch, not 60. `status` events carry the Docker health, `audit` new trail entries (admins),
 * `netstate` changes sessions left behind, `toolbox-image` an engine's toolbox image pull (its
 * percent, then present or failed), `doctor` and `matrix` the progress of the principal's
 * own doctor runs and matrices (all of them for admins). EventSource reconnects by itself after network
 * errors; this class only restarts it when the browser gives up (an HTTP error).
 */
import { AuditEntry, DockerChangeEvent, DoctorEvent, Health, MatrixEvent, NetstateChange, NetstatePending, ToolboxImageEvent } from '@sonde/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';

/** Window in which change events are collected into one refetch. */
export const CHANGE_BATCH_MS = 250;
/** Delay before recreating an EventSource the browser closed for good. */
export const EVENTS_RETRY_MS = 5000;

export type EventStreamState = 'connecting' | 'live' | 'reconnecting';

export type EventSourceLike = Pick<EventSource, 'addEventListener' | 'close' | 'readyState' | 'onopen' | 'onerror'>;

export interface EventStreamOptions {
  url?: string;
  /** A batch of changes, at most one call per CHANGE_BATCH_MS. */
  onChange(changes: DockerChangeEvent[]): void;
  onHealth(health: Health): void;
  /** The stream came back after a gap: events may have been missed, so refetch everything. */
  onResume(): void;
  /** A new audit trail entry (the server sends these to admins only). */
  onAudit?(entry: AuditEntry): void;
  /** A session left firewall or qdisc changes behind, or one was reverted. */
  onNetstate?(change: NetstateChange): void;
  /** What an open session has changed so far (computed after typing goes quiet, or on Check now). */
  onNetstatePending?(pending: NetstatePending): void;
  /** An engine's toolbox image: being pulled (how far), there, or a failed pull and why. */
  onToolboxImage?(event: ToolboxImageEvent): void;
  /** A doctor run's check, finding or end. */
  onDoctor?(event: DoctorEvent): void;
  /** A matrix's member, cell or end. */
  onMatrix?(event: MatrixEvent): void;
  createSource?: (url: string) => EventSourceLike;
}

const EVENT_SOURCE_CLOSED = 2;

export class EventStream implements Disposable {
  readonly events = new Emitter<{ state: EventStreamState }>();

  private source: EventSourceLike | null = null;
  private currentState: EventStreamState = 'connecting';
  private batch: DockerChangeEvent[] = [];
  private batchTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * An error since the stream was last open: whatever happened meanwhile was not heard. Also when
   * the very first attempt failed (a 429 for too many streams, a 503, a dropped connection): the
   * lists the page fetched while it had no stream may be stale by the time one opens.
   */
  private missed = false;
  private disposed = false;
  private readonly url: string;
  private readonly createSource: (url: string) => EventSourceLike;

  constructor(private readonly options: EventStreamOptions) {
    this.url = options.url ?? '/api/events';
    this.createSource = options.createSource ?? ((url) => new EventSource(url));
  }

  get state(): EventStreamState {
    return this.currentState;
  }

  connect(): void {
    if (this.disposed || this.source) return;
    const source = this.createSource(this.url);
    this.source = source;
    source.onopen = () => {
      if (this.source !== source) return;
      if (this.missed) this.options.onResume();
      this.missed = false;
      this.setState('live');
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.missed = true;
      if (source.readyState !== EVENT_SOURCE_CLOSED) {
        this.setState('reconnecting');
        return;
      }
      // Closed for good (e.g. 401 or 503): the browser will not retry, so we do, slowly.
      source.close();
      this.source = null;
      this.setState('reconnecting');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.connect();
      }, EVENTS_RETRY_MS);
    };
    source.addEventListener('docker', (event) => {
      const change = parseEventData(event, DockerChangeEvent);
      if (change) this.queueChange(change);
    });
    source.addEventListener('status', (event) => {
      const health = parseEventData(event, Health);
      if (health) this.options.onHealth(health);
    });
    source.addEventListener('audit', (event) => {
      const entry = parseEventData(event, AuditEntry);
      if (entry) this.options.onAudit?.(entry);
    });
    source.addEventListener('netstate', (event) => {
      const change = parseEventData(event, NetstateChange);
      if (change) this.options.onNetstate?.(change);
    });
    source.addEventListener('netstate-pending', (event) => {
      const pending = parseEventData(event, NetstatePending);
      if (pending) this.options.onNetstatePending?.(pending);
    });
    source.addEventListener('toolbox-image', (event) => {
      const image = parseEventData(event, ToolboxImageEvent);
      if (image) this.options.onToolboxImage?.(image);
    });
    source.addEventListener('doctor', (event) => {
      const progress = parseEventData(event, DoctorEvent);
      if (progress) this.options.onDoctor?.(progress);
    });
    source.addEventListener('matrix', (event) => {
      const progress = parseEventData(event, MatrixEvent);
      if (progress) this.options.onMatrix?.(progress);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.batchTimer);
    clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
    this.batch = [];
    this.events.dispose();
  }

  private queueChange(change: DockerChangeEvent): void {
    this.batch.push(change);
    if (this.batchTimer !== undefined) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      const changes = this.batch;
      this.batch = [];
      if (!this.disposed && changes.length > 0) this.options.onChange(changes);
    }, CHANGE_BATCH_MS);
  }

  private setState(state: EventStreamState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.events.emit('state', state);
  }
}

/** Event data is untrusted JSON like any other: validated, never cast. */
function parseEventData<S extends TSchema>(event: Event, schema: S): Static<S> | null {
  if (!(event instanceof MessageEvent) || typeof event.data !== 'string') return null;
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return null;
  }
  return Value.Check(schema, data) ? data : null;
}
