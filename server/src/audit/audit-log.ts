import type { AuditAction, AuditEntry } from '@sonde/shared';
import { migrate, type Database } from '../store/database.js';

/** Who did something: a principal, or Sonde itself. */
export interface Actor {
  id: string;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'Sonde' };

export interface AuditRecord {
  actor: Actor;
  action: AuditAction;
  sessionId?: string;
  target?: string;
  detail?: Record<string, unknown>;
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  actor_name: string;
  action: string;
  session_id: string | null;
  target: string | null;
  detail: string | null;
}

/**
 * Append-only record of who opened, joined, drove and ended which session, shares, tool runs,
 * user and policy changes. Nothing in the API updates or deletes a row; the table is in the
 * console's database so it survives restarts.
 */
export class AuditLog {
  private readonly insert;
  private readonly listeners = new Set<(entry: AuditEntry) => void>();

  constructor(private readonly db: Database) {
    migrate(db, 'audit', [
      `CREATE TABLE audit (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         at TEXT NOT NULL,
         actor TEXT NOT NULL,
         actor_name TEXT NOT NULL,
         action TEXT NOT NULL,
         session_id TEXT,
         target TEXT,
         detail TEXT
       );
       CREATE INDEX audit_session ON audit (session_id, seq);
       CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
       CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`,
      // The filters of GET /api/audit (who, what, when) on a trail of many thousand rows.
      `CREATE INDEX audit_at ON audit (at);
       CREATE INDEX audit_actor ON audit (actor, seq);
       CREATE INDEX audit_action ON audit (action, seq);`,
    ]);
    this.insert = db.prepare(
      'INSERT INTO audit (at, actor, actor_name, action, session_id, target, detail) VALUES (@at, @actor, @actorName, @action, @sessionId, @target, @detail)',
    );
  }

  record(entry: AuditRecord): AuditEntry {
    const at = new Date().toISOString();
    const result = this.insert.run({
      at,
      actor: entry.actor.id,
      actorName: entry.actor.name,
      action: entry.action,
      sessionId: entry.sessionId ?? null,
      target: entry.target ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    });
    const saved: AuditEntry = {
      seq: Number(result.lastInsertRowid),
      at,
      actor: entry.actor.id,
      actorName: entry.actor.name,
      action: entry.action,
      ...objectId(entry.action, entry.sessionId),
      ...(entry.target ? { target: entry.target } : {}),
      ...(entry.detail ? { detail: entry.detail } : {}),
    };
    for (const l of this.listeners) l(saved);
    return saved;
  }

  /** Live views (the events stream) learn of new entries here. */
  onEntry(listener: (entry: AuditEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Oldest first, after `after`, at most `limit`, narrowed by every filter given: the object's
   * id (session, run or capture), who (principal id or name, any case), the action, part of the
   * target (any case) and a time range (ISO instants, inclusive).
   */
  list(query: AuditFilter = {}): AuditEntry[] {
    const limit = Math.min(query.limit ?? 1000, 10_000);
    const where = ['seq > @after'];
    if (query.sessionId) where.push('session_id = @sessionId');
    if (query.actor) where.push('(actor = @actor OR lower(actor_name) = lower(@actor))');
    if (query.action) where.push('action = @action');
    if (query.target) where.push("target LIKE @target ESCAPE '\\'");
    if (query.since) where.push('at >= @since');
    if (query.until) where.push('at <= @until');
    const rows = this.db.prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq ASC LIMIT @limit`).all({
      after: query.after ?? 0,
      sessionId: query.sessionId ?? null,
      actor: query.actor ?? null,
      action: query.action ?? null,
      target: query.target ? `%${query.target.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
      // Stored as toISOString() writes them, so text order is time order.
      since: query.since ? new Date(query.since).toISOString() : null,
      until: query.until ? new Date(query.until).toISOString() : null,
      limit,
    }) as Row[];
    return rows.map(toEntry);
  }
}

export interface AuditFilter {
  sessionId?: string;
  actor?: string;
  action?: AuditAction;
  target?: string;
  since?: string;
  until?: string;
  after?: number;
  limit?: number;
}

/** The id column holds a session's, a run's or a capture's id; the entry names which. */
function objectId(action: AuditAction, id: string | null | undefined): Pick<AuditEntry, 'sessionId' | 'runId' | 'captureId'> {
  if (!id) return {};
  if (action === 'tool-run') return { runId: id };
  if (action === 'capture-started' || action === 'capture-removed') return { captureId: id };
  return { sessionId: id };
}

function toEntry(row: Row): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    actorName: row.actor_name,
    action: row.action as AuditAction,
    ...objectId(row.action as AuditAction, row.session_id),
    ...(row.target ? { target: row.target } : {}),
    ...(row.detail ? { detail: JSON.parse(row.detail) as Record<string, unknown> } : {}),
  };
}
