import { withEngine, type NetstateChange, type NetstateRevert, type NetstateSectionChange, type ResolvedTarget } from '@sonde/shared';
import { migrate, type Database } from '../store/database.js';
import type { NetSnapshot } from './netstate-snapshot.js';

/** A detected change with both snapshots: the list and the revert need them after a restart too. */
export interface NetstateRecord {
  change: NetstateChange;
  /** `container:<id>` or `host`: which namespace. */
  targetKey: string;
  before: NetSnapshot;
  after: NetSnapshot;
  /** The target's start time when its baseline was taken: a restarted container has a new namespace. */
  targetStartedAt: string | undefined;
}

interface Row {
  id: string;
  session_id: string;
  target_key: string;
  target: string;
  target_label: string;
  target_started_at: string | null;
  session_started_at: string;
  session_owner: string;
  concurrent_sessions: string;
  detected_at: string;
  sections: string;
  revertible: number;
  before: string;
  after: string;
  reverted: string | null;
}

/** Detections kept; older ones are dropped as new ones come (each holds two rulesets). */
export const MAX_KEPT_CHANGES = 200;

/** Detected changes, in the console's database. */
export class NetstateStore {
  constructor(private readonly db: Database) {
    migrate(db, 'netstate', [
      `CREATE TABLE netstate_changes (
         id TEXT PRIMARY KEY,
         session_id TEXT NOT NULL,
         target_key TEXT NOT NULL,
         target TEXT NOT NULL,
         target_label TEXT NOT NULL,
         target_started_at TEXT,
         session_started_at TEXT NOT NULL,
         session_owner TEXT NOT NULL,
         concurrent_sessions TEXT NOT NULL,
         detected_at TEXT NOT NULL,
         sections TEXT NOT NULL,
         revertible INTEGER NOT NULL,
         before TEXT NOT NULL,
         after TEXT NOT NULL,
         reverted TEXT
       );
       CREATE INDEX netstate_changes_detected ON netstate_changes (detected_at);
       CREATE INDEX netstate_changes_target ON netstate_changes (target_key, detected_at);`,
    ]);
  }

  insert(record: NetstateRecord): void {
    const { change } = record;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO netstate_changes (id, session_id, target_key, target, target_label, target_started_at, session_started_at, session_owner,
             concurrent_sessions, detected_at, sections, revertible, before, after, reverted)
           VALUES (@id, @sessionId, @targetKey, @target, @targetLabel, @targetStartedAt, @sessionStartedAt, @sessionOwner,
             @concurrentSessions, @detectedAt, @sections, @revertible, @before, @after, NULL)`,
        )
        .run({
          id: change.id,
          sessionId: change.sessionId,
          targetKey: record.targetKey,
          target: JSON.stringify(change.target),
          targetLabel: change.targetLabel,
          targetStartedAt: record.targetStartedAt ?? null,
          sessionStartedAt: change.sessionStartedAt,
          sessionOwner: JSON.stringify(change.sessionOwner),
          concurrentSessions: JSON.stringify(change.concurrentSessions),
          detectedAt: change.detectedAt,
          sections: JSON.stringify(change.sections),
          revertible: change.revertible ? 1 : 0,
          before: JSON.stringify(record.before),
          after: JSON.stringify(record.after),
        });
      this.db
        .prepare('DELETE FROM netstate_changes WHERE id NOT IN (SELECT id FROM netstate_changes ORDER BY detected_at DESC, rowid DESC LIMIT ?)')
        .run(MAX_KEPT_CHANGES);
    })();
  }

  setReverted(id: string, reverted: NetstateRevert): void {
    this.db.prepare('UPDATE netstate_changes SET reverted = ? WHERE id = ?').run(JSON.stringify(reverted), id);
  }

  /** Newest first. */
  list(): NetstateChange[] {
    const rows = this.db
      .prepare(
        `SELECT id, session_id, target_key, target, target_label, target_started_at, session_started_at, session_owner, concurrent_sessions,
           detected_at, sections, revertible, '' AS before, '' AS after, reverted
         FROM netstate_changes ORDER BY detected_at DESC, rowid DESC`,
      )
      .all() as Row[];
    return rows.map(toChange);
  }

  get(id: string): NetstateRecord | undefined {
    return toRecord(this.db.prepare('SELECT * FROM netstate_changes WHERE id = ?').get(id) as Row | undefined);
  }

  /** The newest detection in one namespace. */
  latestFor(targetKey: string): NetstateRecord | undefined {
    return toRecord(this.db.prepare('SELECT * FROM netstate_changes WHERE target_key = ? ORDER BY detected_at DESC, rowid DESC LIMIT 1').get(targetKey) as Row | undefined);
  }
}

function toRecord(row: Row | undefined): NetstateRecord | undefined {
  if (!row) return undefined;
  return {
    change: toChange(row),
    targetKey: row.target_key,
    before: JSON.parse(row.before) as NetSnapshot,
    after: JSON.parse(row.after) as NetSnapshot,
    targetStartedAt: row.target_started_at ?? undefined,
  };
}

function toChange(row: Row): NetstateChange {
  return {
    id: row.id,
    sessionId: row.session_id,
    // Changes recorded before targets carried their engine were on the one engine a console had then.
    target: withEngine(JSON.parse(row.target) as ResolvedTarget),
    targetLabel: row.target_label,
    sessionStartedAt: row.session_started_at,
    detectedAt: row.detected_at,
    sessionOwner: JSON.parse(row.session_owner) as { id: string; name: string },
    concurrentSessions: JSON.parse(row.concurrent_sessions) as string[],
    sections: JSON.parse(row.sections) as NetstateSectionChange[],
    revertible: row.revertible === 1,
    ...(row.reverted ? { reverted: JSON.parse(row.reverted) as NetstateRevert } : {}),
  };
}
