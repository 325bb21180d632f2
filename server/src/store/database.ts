import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/**
 * The console's embedded database (users, tokens, shares, audit trail, recording metadata).
 * The only module that imports better-sqlite3. Each store creates its own tables, so a
 * feature's schema lives next to its code; `migrate` runs a store's DDL once per version.
 */
export type Database = BetterSqlite3.Database;

export function openDatabase(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new BetterSqlite3(path.join(dataDir, 'sonde.db'));
  // WAL: readers (the audit page) never block the writer (sessions); NORMAL is durable
  // across a crashed process, which is what matters for an audit trail.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (store TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  return db;
}

/** An in-memory database with the same settings, for unit tests. */
export function openMemoryDatabase(): Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (store TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  return db;
}

/**
 * Brings one store's tables to the latest version: `steps[i]` upgrades from version i to i+1.
 * Steps are append-only; never edit one that has shipped.
 */
export function migrate(db: Database, store: string, steps: readonly string[]): void {
  const row = db.prepare('SELECT version FROM schema_versions WHERE store = ?').get(store) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current >= steps.length) return;
  db.transaction(() => {
    for (let v = current; v < steps.length; v++) db.exec(steps[v]!);
    db.prepare('INSERT INTO schema_versions (store, version) VALUES (?, ?) ON CONFLICT(store) DO UPDATE SET version = excluded.version').run(store, steps.length);
  })();
}
