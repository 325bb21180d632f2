import type { Disposable } from './disposable.js';

/**
 * A typed event emitter for framework-free objects (connections, event streams) that React
 * subscribes to. Event names and payloads are checked by the compiler.
 */
export class Emitter<Events extends Record<string, unknown>> implements Disposable {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Disposable {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return { dispose: () => set.delete(listener) };
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // Copy first: a listener may unsubscribe (or dispose the emitter) while we iterate.
    for (const listener of [...set]) (listener as (payload: Events[K]) => void)(payload);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
