import { randomUUID } from 'node:crypto';
import type { ParticipantRole, Role } from '@sonde/shared';
import { migrate, type Database } from '../store/database.js';
import { newSecret, secretHash } from '../auth/identity-store.js';

export interface Share {
  id: string;
  sessionId: string;
  role: ParticipantRole;
  createdAt: Date;
  createdBy: string;
  /**
   * The principal who made the link and the role they had then: a link is worth no more than
   * its maker's access (undefined for links made before this was recorded: they admit no one).
   */
  creator: { id: string; role: Role } | undefined;
  expiresAt: Date;
  revokedAt: Date | undefined;
}

interface Row {
  id: string;
  session_id: string;
  role: ParticipantRole;
  created_at: string;
  created_by: string;
  created_by_id: string | null;
  created_by_role: Role | null;
  expires_at: string;
  revoked_at: string | null;
}

/** Why a share token does not admit anyone (any more). */
export type ShareRefusal = 'unknown' | 'expired' | 'revoked';

/**
 * Share links: a 256-bit random token per link, stored only as a hash, granting one session
 * with one role until it expires or is revoked.
 */
export class ShareStore {
  constructor(private readonly db: Database) {
    migrate(db, 'shares', [
      `CREATE TABLE shares (
         id TEXT PRIMARY KEY,
         session_id TEXT NOT NULL,
         role TEXT NOT NULL,
         token_hash TEXT NOT NULL UNIQUE,
         created_at TEXT NOT NULL,
         created_by TEXT NOT NULL,
         expires_at TEXT NOT NULL,
         revoked_at TEXT
       );
       CREATE INDEX shares_session ON shares (session_id);`,
      `ALTER TABLE shares ADD COLUMN created_by_id TEXT;
       ALTER TABLE shares ADD COLUMN created_by_role TEXT;
       CREATE INDEX shares_creator ON shares (created_by_id);`,
    ]);
  }

  create(sessionId: string, role: ParticipantRole, expiresInSeconds: number, creator: { id: string; name: string; role: Role }): { share: Share; token: string } {
    const token = newSecret();
    const now = new Date();
    const share: Share = {
      id: randomUUID(),
      sessionId,
      role,
      createdAt: now,
      createdBy: creator.name,
      creator: { id: creator.id, role: creator.role },
      expiresAt: new Date(now.getTime() + expiresInSeconds * 1000),
      revokedAt: undefined,
    };
    this.db
      .prepare('INSERT INTO shares (id, session_id, role, token_hash, created_at, created_by, created_by_id, created_by_role, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(share.id, sessionId, role, secretHash(token), now.toISOString(), creator.name, creator.id, creator.role, share.expiresAt.toISOString());
    return { share, token };
  }

  get(id: string): Share | undefined {
    const row = this.db.prepare('SELECT * FROM shares WHERE id = ?').get(id) as Row | undefined;
    return row ? toShare(row) : undefined;
  }

  forSession(sessionId: string): Share[] {
    return (this.db.prepare('SELECT * FROM shares WHERE session_id = ? ORDER BY created_at').all(sessionId) as Row[]).map(toShare);
  }

  /** The share a token grants, or why it grants nothing. */
  byToken(token: string): { share: Share } | { refused: ShareRefusal } {
    const row = this.db.prepare('SELECT * FROM shares WHERE token_hash = ?').get(secretHash(token)) as Row | undefined;
    if (!row) return { refused: 'unknown' };
    const share = toShare(row);
    const refusal = refusalOf(share);
    return refusal ? { refused: refusal } : { share };
  }

  /** Still valid, by id (a browser login made from a share re-checks this on every request). */
  check(id: string): { share: Share } | { refused: ShareRefusal } {
    const share = this.get(id);
    if (!share) return { refused: 'unknown' };
    const refusal = refusalOf(share);
    return refusal ? { refused: refusal } : { share };
  }

  /** Revokes every live link `principalId` made; returns their ids. */
  revokeCreatedBy(principalId: string): string[] {
    const ids = (this.db.prepare('SELECT id FROM shares WHERE created_by_id = ? AND revoked_at IS NULL').all(principalId) as { id: string }[]).map((r) => r.id);
    this.db.prepare('UPDATE shares SET revoked_at = ? WHERE created_by_id = ? AND revoked_at IS NULL').run(new Date().toISOString(), principalId);
    return ids;
  }

  revoke(id: string): Share | undefined {
    this.db.prepare('UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
    return this.get(id);
  }
}

export function refusalOf(share: Share, now = Date.now()): ShareRefusal | undefined {
  if (share.revokedAt) return 'revoked';
  if (share.expiresAt.getTime() <= now) return 'expired';
  return undefined;
}

function toShare(row: Row): Share {
  return {
    id: row.id,
    sessionId: row.session_id,
    role: row.role,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    creator: row.created_by_id && row.created_by_role ? { id: row.created_by_id, role: row.created_by_role } : undefined,
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : undefined,
  };
}
