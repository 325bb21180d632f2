import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiTokenInfo, Role, User } from '@sonde/shared';
import { migrate, type Database } from '../store/database.js';

/** Secrets are stored as SHA-256: they are 256-bit random, so a fast hash is enough (unlike passwords). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  password_hash: string;
  disabled: number;
  created_at: string;
}

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  secret_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
}

export interface BrowserSessionRow {
  id: string;
  principal: string;
  created_at: string;
  expires_at: string;
}

/** Browser logins last this long without being refreshed. */
export const BROWSER_SESSION_MS = 12 * 3600 * 1000;

/** Users, named API tokens and browser logins, in the console's database. */
export class IdentityStore {
  constructor(private readonly db: Database) {
    migrate(db, 'identity', [
      `CREATE TABLE users (
         id TEXT PRIMARY KEY,
         username TEXT NOT NULL UNIQUE,
         role TEXT NOT NULL,
         password_hash TEXT NOT NULL,
         disabled INTEGER NOT NULL DEFAULT 0,
         created_at TEXT NOT NULL
       );
       CREATE TABLE api_tokens (
         id TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         role TEXT NOT NULL,
         secret_hash TEXT NOT NULL UNIQUE,
         created_at TEXT NOT NULL,
         created_by TEXT NOT NULL,
         last_used_at TEXT
       );
       CREATE TABLE browser_sessions (
         id_hash TEXT PRIMARY KEY,
         id TEXT NOT NULL UNIQUE,
         principal TEXT NOT NULL,
         created_at TEXT NOT NULL,
         expires_at TEXT NOT NULL
       );
       CREATE INDEX browser_sessions_principal ON browser_sessions (principal);`,
      `CREATE TABLE identity_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
    ]);
  }

  // ---- users ----

  userCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  createUser(username: string, role: Role, passwordHash: string): User | undefined {
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const result = this.db
      .prepare('INSERT INTO users (id, username, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO NOTHING')
      .run(id, username, role, passwordHash, createdAt);
    if (result.changes === 0) return undefined;
    return { id, username, role, disabled: false, createdAt };
  }

  users(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  user(id: string): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : undefined;
  }

  /** The user and its password hash, for a login. */
  credentials(username: string): { user: User; passwordHash: string } | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
  }

  updateUser(id: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): User | undefined {
    const current = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    if (!current) return undefined;
    this.db
      .prepare('UPDATE users SET role = ?, disabled = ?, password_hash = ? WHERE id = ?')
      .run(change.role ?? current.role, change.disabled === undefined ? current.disabled : change.disabled ? 1 : 0, change.passwordHash ?? current.password_hash, id);
    return this.user(id);
  }

  // ---- API tokens ----

  createToken(name: string, role: Role, createdBy: string): { info: ApiTokenInfo; secret: string } {
    const secret = newSecret();
    const info: ApiTokenInfo = { id: randomUUID(), name, role, createdAt: new Date().toISOString(), createdBy };
    this.db
      .prepare('INSERT INTO api_tokens (id, name, role, secret_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(info.id, name, role, secretHash(secret), info.createdAt, createdBy);
    return { info, secret };
  }

  tokens(): ApiTokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at').all() as TokenRow[]).map(toToken);
  }

  tokenById(id: string): ApiTokenInfo | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return row ? toToken(row) : undefined;
  }

  tokenBySecret(secret: string): ApiTokenInfo | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE secret_hash = ?').get(secretHash(secret)) as TokenRow | undefined;
    if (!row) return undefined;
    // At most one write a minute per token: "last used" is for humans, not for accounting.
    const now = new Date();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    }
    return toToken(row);
  }

  deleteToken(id: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }

  // ---- browser sessions ----

  /** A new browser login; the returned id goes into the cookie, only its hash into the database. */
  createBrowserSession(principal: string, lifetimeMs = BROWSER_SESSION_MS): string {
    const id = newSecret();
    const now = new Date();
    this.db
      .prepare('INSERT INTO browser_sessions (id_hash, id, principal, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(secretHash(id), randomUUID(), principal, now.toISOString(), new Date(now.getTime() + lifetimeMs).toISOString());
    return id;
  }

  /** The browser login a cookie value names, when it exists and has not expired. */
  browserSession(cookie: string): BrowserSessionRow | undefined {
    const row = this.db.prepare('SELECT id, principal, created_at, expires_at FROM browser_sessions WHERE id_hash = ?').get(secretHash(cookie)) as BrowserSessionRow | undefined;
    if (!row || Date.parse(row.expires_at) <= Date.now()) return undefined;
    return row;
  }

  browserSessionExists(id: string): boolean {
    const row = this.db.prepare('SELECT expires_at FROM browser_sessions WHERE id = ?').get(id) as { expires_at: string } | undefined;
    return row !== undefined && Date.parse(row.expires_at) > Date.now();
  }

  deleteBrowserSession(id: string): void {
    this.db.prepare('DELETE FROM browser_sessions WHERE id = ?').run(id);
  }

  deleteBrowserSessionsOf(principal: string): number {
    return this.db.prepare('DELETE FROM browser_sessions WHERE principal = ?').run(principal).changes;
  }

  /**
   * Browser logins made with the bootstrap token (SONDE_TOKEN) last only while it stays the same:
   * a console started with another token (or a generated one) logs them all out. Only a hash of
   * the token is kept. Returns how many logins ended.
   */
  rotateBootstrap(principal: string, token: string): number {
    const hash = secretHash(token);
    const row = this.db.prepare("SELECT value FROM identity_settings WHERE key = 'bootstrap_token_hash'").get() as { value: string } | undefined;
    if (row?.value === hash) return 0;
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO identity_settings (key, value) VALUES ('bootstrap_token_hash', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(hash);
      return this.deleteBrowserSessionsOf(principal);
    })();
  }

  pruneBrowserSessions(): void {
    this.db.prepare('DELETE FROM browser_sessions WHERE expires_at <= ?').run(new Date().toISOString());
  }
}

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, role: row.role, disabled: row.disabled === 1, createdAt: row.created_at };
}

function toToken(row: TokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
  };
}
