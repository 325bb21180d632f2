/**
 * Ownership of cleanup: whoever creates a socket, timer or listener registers its teardown
 * here at creation time, so dispose() cannot forget one (xterm.js Lifecycle.ts does the same).
 */

export interface Disposable {
  dispose(): void;
}

export class DisposableStore implements Disposable {
  private readonly teardowns: Array<() => void> = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Registers a teardown; if the store is already disposed it runs at once (a late async result). */
  add(teardown: Disposable | (() => void)): void {
    const run = typeof teardown === 'function' ? teardown : () => teardown.dispose();
    if (this.disposed) {
      run();
      return;
    }
    this.teardowns.push(run);
  }

  /** Runs teardowns in reverse order of registration, exactly once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const run of this.teardowns.splice(0).reverse()) {
      try {
        run();
      } catch (error) {
        // One failing teardown must not leak the others.
        console.error('[sonde] teardown failed', error);
      }
    }
  }
}
