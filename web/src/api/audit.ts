/**
 * The audit trail (admins): new entries as the server records them (the event stream's `audit`
 * events), the newest page-by-page tail, and the JSON lines export link.
 */
import type { AuditFilterOptions, SondeClient } from '@sonde/client';
import type { AuditEntry } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';

/** The server returns the trail oldest first, in pages of this many. */
export const AUDIT_PAGE_SIZE = 1000;
/** The audit page shows at most the newest this many entries (the JSON lines export has all). */
export const AUDIT_VIEW_LIMIT = 2000;
/** Pages read before giving up on reaching the end (a trail of 50 000 entries). */
const AUDIT_MAX_PAGES = 50;

export class Audit implements Disposable {
  /** New entries as the server records them (the `audit` server-sent event, admins only). */
  readonly feed = new Emitter<{ entry: AuditEntry }>();
  readonly viewLimit = AUDIT_VIEW_LIMIT;

  constructor(private readonly client: SondeClient) {}

  /**
   * The newest AUDIT_VIEW_LIMIT entries, oldest first. The API pages forward from a sequence
   * number, so this reads to the end and keeps the tail.
   */
  async tail(query: AuditFilterOptions = {}): Promise<AuditEntry[]> {
    let entries: AuditEntry[] = [];
    let after = 0;
    for (let page = 0; page < AUDIT_MAX_PAGES; page++) {
      const batch = await this.client.audit({ ...query, after, limit: AUDIT_PAGE_SIZE });
      entries = entries.concat(batch).slice(-AUDIT_VIEW_LIMIT);
      const last = batch.at(-1);
      if (!last || batch.length < AUDIT_PAGE_SIZE) break;
      after = last.seq;
    }
    return entries;
  }

  exportUrl(query: AuditFilterOptions = {}): string {
    return this.client.auditExportUrl(query);
  }

  dispose(): void {
    this.feed.dispose();
  }
}
