/** A doctor run's or a matrix's progress, with the run it belongs to (the events stream decides who sees it). */
export interface Progress<R, E> {
  run: R;
  event: E;
}

/** Every event of every run of one kind, to whoever listens (GET /api/events filters by owner). */
export class ProgressFeed<R, E> {
  private readonly listeners = new Set<(progress: Progress<R, E>) => void>();

  listen(listener: (progress: Progress<R, E>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(run: R, event: E): void {
    for (const listener of this.listeners) listener({ run, event });
  }
}

/** An event of a run before the run stamps its revision on it. */
export type Unstamped<E> = E extends unknown ? Omit<E, 'revision'> : never;

/**
 * One run's events, counted (DiagnosisRevision): each goes out with the count after it, and the
 * run's copies (`info()`) carry `current`, so a client can order answers and events it got in any order.
 */
export class RunEvents<E extends { revision: number }> {
  private count = 0;

  constructor(private readonly publish: (event: E) => void) {}

  get current(): number {
    return this.count;
  }

  emit(event: Unstamped<E>): void {
    this.count += 1;
    // Unstamped<E> plus its revision is E again; TypeScript cannot follow the distributed Omit.
    this.publish({ ...event, revision: this.count } as unknown as E);
  }
}
