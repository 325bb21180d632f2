import type { DockerChangeEvent, Health } from '@sonde/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANGE_BATCH_MS, EventStream, EVENTS_RETRY_MS, type EventSourceLike } from './events';

class FakeEventSource {
  readyState = 0;
  onopen: EventSourceLike['onopen'] = null;
  onerror: EventSourceLike['onerror'] = null;
  closed = false;
  private readonly listeners = new Map<string, Array<(event: Event) => void>>();

  addEventListener(type: string, listener: (event: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.call(this as never, new Event('open'));
  }
  fail(closedForGood: boolean) {
    this.readyState = closedForGood ? 2 : 0;
    this.onerror?.call(this as never, new Event('error'));
  }
  emit(type: string, data: string) {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }
}

function setup() {
  const sources: FakeEventSource[] = [];
  const onChange = vi.fn<(changes: DockerChangeEvent[]) => void>();
  const onHealth = vi.fn<(health: Health) => void>();
  const onResume = vi.fn();
  const events = new EventStream({
    onChange,
    onHealth,
    onResume,
    createSource: () => {
      const source = new FakeEventSource();
      sources.push(source);
      return source as unknown as EventSourceLike;
    },
  });
  events.connect();
  return { events, sources, onChange, onHealth, onResume, source: () => sources.at(-1) as FakeEventSource };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('EventStream', () => {
  it('batches change events into one callback', () => {
    const s = setup();
    s.source().open();
    s.source().emit('docker', JSON.stringify({ engine: 'local', kind: 'container', action: 'start', id: 'a' }));
    s.source().emit('docker', JSON.stringify({ engine: 'local', kind: 'network', action: 'connect', id: 'n' }));
    expect(s.onChange).not.toHaveBeenCalled();
    vi.advanceTimersByTime(CHANGE_BATCH_MS);
    expect(s.onChange).toHaveBeenCalledTimes(1);
    expect(s.onChange.mock.calls[0]?.[0]).toHaveLength(2);
  });

  it('passes valid status events through and drops malformed data', () => {
    const s = setup();
    s.source().emit('status', JSON.stringify({ status: 'degraded', docker: { reachable: false }, engines: [{ name: 'local', reachable: false, error: 'connect ENOENT' }] }));
    s.source().emit('status', '{not json');
    s.source().emit('docker', JSON.stringify({ engine: 'local', kind: 'volume', action: 'x', id: 'v' }));
    vi.advanceTimersByTime(CHANGE_BATCH_MS);
    expect(s.onHealth).toHaveBeenCalledExactlyOnceWith({ status: 'degraded', docker: { reachable: false }, engines: [{ name: 'local', reachable: false, error: 'connect ENOENT' }] });
    expect(s.onChange).not.toHaveBeenCalled();
  });

  it('passes valid audit entries to onAudit at once, unbatched', () => {
    const onAudit = vi.fn();
    const source = new FakeEventSource();
    const events = new EventStream({
      onChange: vi.fn(),
      onHealth: vi.fn(),
      onResume: vi.fn(),
      onAudit,
      createSource: () => source as unknown as EventSourceLike,
    });
    events.connect();
    const entry = { seq: 7, at: '2025-01-01T00:00:00.000Z', actor: 'user:1', actorName: 'alice', action: 'share-created' };
    source.emit('audit', JSON.stringify(entry));
    source.emit('audit', JSON.stringify({ ...entry, action: 'not-an-action' }));
    expect(onAudit).toHaveBeenCalledExactlyOnceWith(entry);
    events.dispose();
  });

  it('passes toolbox image changes to onToolboxImage at once, and drops malformed ones', () => {
    const onToolboxImage = vi.fn();
    const source = new FakeEventSource();
    const events = new EventStream({ onChange: vi.fn(), onHealth: vi.fn(), onResume: vi.fn(), onToolboxImage, createSource: () => source as unknown as EventSourceLike });
    events.connect();
    const pulling = { engine: 'local', image: 'nicolaka/netshoot', state: 'pulling', percent: 37 };
    source.emit('toolbox-image', JSON.stringify(pulling));
    source.emit('toolbox-image', JSON.stringify({ ...pulling, percent: 137 }));
    source.emit('toolbox-image', JSON.stringify({ ...pulling, state: 'downloading' }));
    expect(onToolboxImage).toHaveBeenCalledExactlyOnceWith(pulling);
    events.dispose();
  });

  it('asks for a full refetch when the stream comes back after a gap', () => {
    const s = setup();
    s.source().open();
    s.source().fail(false);
    expect(s.events.state).toBe('reconnecting');
    s.source().open();
    expect(s.onResume).toHaveBeenCalledTimes(1);
    expect(s.events.state).toBe('live');
  });

  it('recreates the EventSource when the browser gives up on it', () => {
    const s = setup();
    s.source().fail(true);
    expect(s.sources).toHaveLength(1);
    vi.advanceTimersByTime(EVENTS_RETRY_MS);
    expect(s.sources).toHaveLength(2);
  });

  it('a first stream that failed (a 429, a 503) asks for a full refetch when a later one opens; a first one that opens does not', () => {
    const s = setup();
    s.source().fail(true);
    vi.advanceTimersByTime(EVENTS_RETRY_MS);
    // What changed in those seconds was never heard: the lists fetched meanwhile may be stale.
    s.source().open();
    expect(s.onResume).toHaveBeenCalledTimes(1);
    const fresh = setup();
    fresh.source().open();
    expect(fresh.onResume).not.toHaveBeenCalled();
  });

  it('dispose closes the stream and drops pending batches', () => {
    const s = setup();
    s.source().emit('docker', JSON.stringify({ engine: 'local', kind: 'container', action: 'die', id: 'a' }));
    s.events.dispose();
    vi.advanceTimersByTime(CHANGE_BATCH_MS);
    expect(s.source().closed).toBe(true);
    expect(s.onChange).not.toHaveBeenCalled();
  });
});
