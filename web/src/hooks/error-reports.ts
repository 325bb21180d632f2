/**
 * Failed user actions waiting to be read. Kept until dismissed (a toast that vanishes after
 * three seconds is useless when "the toolbox image is missing" needs copying into a ticket).
 */
import { toApiError } from '../api/live-resource';
import type { BannerMessage } from '../components/ErrorBanner';

/** Older reports are dropped beyond this; the banner must not push the terminal off screen. */
const MAX_REPORTS = 3;

export class ErrorReports {
  private reports: readonly BannerMessage[] = [];
  private nextId = 1;
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): readonly BannerMessage[] => this.reports;

  report(title: string, error: unknown): void {
    const apiError = toApiError(error);
    const last = this.reports.at(-1);
    if (last && last.title === title && last.message === apiError.message) return;
    const entry: BannerMessage = { id: this.nextId++, title, message: apiError.message, code: apiError.code };
    this.set([...this.reports, entry].slice(-MAX_REPORTS));
  }

  dismiss(id: number): void {
    this.set(this.reports.filter((entry) => entry.id !== id));
  }

  private set(next: readonly BannerMessage[]): void {
    this.reports = next;
    for (const listener of [...this.listeners]) listener();
  }
}
