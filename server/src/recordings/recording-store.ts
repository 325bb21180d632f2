import { withEngine, type RecordingInfo, type ResolvedTarget } from '@sonde/shared';
import type { PolicyScope } from '../policy/target-policy.js';

/** What decides who may read a recording: its target and what the policy read when it started. */
export interface RecordingAccess {
  target: ResolvedTarget;
  scope: PolicyScope;
}
import { migrate, type Database } from '../store/database.js';

/** A recording's row; `file` is relative to the recordings directory, so the data dir can move. */
export interface RecordingRow {
  id: string;
  sessionId: string;
  target: string;
  /** Who may read it depends on it: host recordings are for admins only. */
  targetKind: ResolvedTarget['kind'];
  /** Absent on recordings made before it was kept: then only admins read them. */
  access: RecordingAccess | undefined;
  startedAt: string;
  endedAt: string | undefined;
  bytes: number;
  complete: boolean;
  error: string | undefined;
  file: string;
}

interface Row {
  id: string;
  session_id: string;
  target: string;
  target_kind: ResolvedTarget['kind'];
  access: string | null;
  started_at: string;
  ended_at: string | null;
  bytes: number;
  complete: number;
  error: string | null;
  file: string;
}

/** Recording metadata in the console's database; the casts themselves are files. */
export class RecordingStore {
  private readonly insertRow;
  private readonly failRow;
  private readonly finishRow;
  private readonly byId;

  constructor(private readonly db: Database) {
    migrate(db, 'recordings', [
      `CREATE TABLE recordings (
         id TEXT PRIMARY KEY,
         session_id TEXT NOT NULL,
         target TEXT NOT NULL,
         started_at TEXT NOT NULL,
         ended_at TEXT,
         bytes INTEGER NOT NULL DEFAULT 0,
         complete INTEGER NOT NULL DEFAULT 0,
         error TEXT,
         file TEXT NOT NULL
       );
       CREATE INDEX recordings_started ON recordings (started_at);
       CREATE INDEX recordings_session ON recordings (session_id);`,
      // Rows from before the kind was kept: read it from the description ('host', 'network x');
      // a container named "host" then counts as host, which only hides it from operators.
      `ALTER TABLE recordings ADD COLUMN target_kind TEXT NOT NULL DEFAULT 'host';
       ALTER TABLE recordings ADD COLUMN access TEXT;
       UPDATE recordings SET target_kind = CASE WHEN target = 'host' THEN 'host' WHEN target LIKE 'network %' THEN 'network' ELSE 'container' END;`,
    ]);
    this.insertRow = db.prepare(
      'INSERT INTO recordings (id, session_id, target, target_kind, access, started_at, file) VALUES (@id, @sessionId, @target, @targetKind, @access, @startedAt, @file)',
    );
    // The first reason sticks: a later one (the console stopping) is a consequence, not the cause.
    this.failRow = db.prepare('UPDATE recordings SET error = COALESCE(error, @error), complete = 0 WHERE id = @id');
    this.finishRow = db.prepare(
      'UPDATE recordings SET ended_at = @endedAt, bytes = @bytes, complete = CASE WHEN @complete = 1 AND error IS NULL THEN 1 ELSE 0 END, error = COALESCE(error, @error) WHERE id = @id',
    );
    this.byId = db.prepare('SELECT * FROM recordings WHERE id = ?');
  }

  insert(row: { id: string; sessionId: string; target: string; access: RecordingAccess; startedAt: string; file: string }): void {
    this.insertRow.run({ ...row, targetKind: row.access.target.kind, access: JSON.stringify(row.access) });
  }

  markFailed(id: string, error: string): void {
    this.failRow.run({ id, error });
  }

  /** Ends a recording; it is complete only if asked and no failure was recorded before. */
  finish(id: string, result: { endedAt: string; bytes: number; complete: boolean; error?: string }): void {
    this.finishRow.run({ id, endedAt: result.endedAt, bytes: result.bytes, complete: result.complete ? 1 : 0, error: result.error ?? null });
  }

  get(id: string): RecordingRow | undefined {
    const row = this.byId.get(id) as Row | undefined;
    return row ? toRecordingRow(row) : undefined;
  }

  /** Newest first. */
  list(query: { sessionId?: string } = {}): RecordingRow[] {
    const rows = this.db
      .prepare(`SELECT * FROM recordings ${query.sessionId ? 'WHERE session_id = @sessionId' : ''} ORDER BY started_at DESC, rowid DESC`)
      .all(query.sessionId ? { sessionId: query.sessionId } : {}) as Row[];
    return rows.map(toRecordingRow);
  }

  /** Recordings that never ended: a console that was killed left them behind. */
  unfinished(): RecordingRow[] {
    return (this.db.prepare('SELECT * FROM recordings WHERE ended_at IS NULL').all() as Row[]).map(toRecordingRow);
  }
}

function toRecordingRow(row: Row): RecordingRow {
  return {
    id: row.id,
    sessionId: row.session_id,
    target: row.target,
    targetKind: row.target_kind,
    access: row.access ? readAccess(row.access) : undefined,
    startedAt: row.started_at,
    endedAt: row.ended_at ?? undefined,
    bytes: row.bytes,
    complete: row.complete === 1,
    error: row.error ?? undefined,
    file: row.file,
  };
}

export function toRecordingInfo(row: RecordingRow, liveBytes?: number): RecordingInfo {
  return {
    id: row.id,
    sessionId: row.sessionId,
    engine: row.access?.target.engine ?? 'local',
    target: row.target,
    startedAt: row.startedAt,
    ...(row.endedAt ? { endedAt: row.endedAt } : {}),
    bytes: liveBytes ?? row.bytes,
    complete: row.complete,
    ...(row.error ? { error: row.error } : {}),
  };
}

/** Access stored before targets carried their engine were on the one engine a console had then. */
function readAccess(text: string): RecordingAccess {
  const access = JSON.parse(text) as RecordingAccess;
  return { ...access, target: withEngine(access.target) };
}
