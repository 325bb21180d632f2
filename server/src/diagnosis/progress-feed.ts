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
