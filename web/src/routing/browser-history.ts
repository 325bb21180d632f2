/**
 * The current Route, backed by the History API: pushState for navigation, popstate for the
 * back and forward buttons. Framework-free; React reads it through useSyncExternalStore.
 */
import type { Disposable } from '../lifecycle/disposable';
import { matchRoute, type Route } from './routes';

export class BrowserHistory implements Disposable {
  private route: Route;
  private readonly listeners = new Set<() => void>();
  private readonly onPopState = () => this.update();

  constructor() {
    this.route = matchRoute(window.location.pathname);
    window.addEventListener('popstate', this.onPopState);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getRoute = (): Route => this.route;

  navigate(path: string, options: { replace?: boolean } = {}): void {
    if (path === window.location.pathname) return;
    if (options.replace) window.history.replaceState(null, '', path);
    else window.history.pushState(null, '', path);
    this.update();
  }

  dispose(): void {
    window.removeEventListener('popstate', this.onPopState);
    this.listeners.clear();
  }

  private update(): void {
    const next = matchRoute(window.location.pathname);
    // Keep the object when nothing changed so subscribers do not re-render for nothing.
    if (JSON.stringify(next) === JSON.stringify(this.route)) return;
    this.route = next;
    for (const listener of [...this.listeners]) listener();
  }
}
