import { randomUUID } from 'node:crypto';
import { EmbedScope, type ParticipantRole, type Role } from '@sonde/shared';
import { Value } from 'typebox/value';
import { newSecret, secretHash } from '../auth/identity-store.js';
import { migrate, type Database } from '../store/database.js';

/** An embed token as stored: what it reaches, with which role, who minted it, until when. */
export interface Embed {
  id: string;
  scope: EmbedScope;
  role: ParticipantRole;
  createdAt: Date;
  /** The minter and the console role they had: an embed is worth no more than that, now. */
  creator: { id: string; name: string; role: Role };
  expiresAt: Date;
  revokedAt: Date | undefined;
}

interface Row {
  id: string;
  scope: string;
  role: ParticipantRole;
  created_at: string;
  created_by: string;
  created_by_id: string;
  created_by_role: Role;
  expires_at: string;
  revoked_at: string | null;
}

/** Why an embed token admits no one (any more). */
export type EmbedRefusal = 'unknown' | 'expired' | 'revoked';

/**
 * Embed tokens: 256 random bits each, kept only as a SHA-256, like share links. Kept in the
 * database so a dashboard's embed survives a console restart until it expires.
 */
export class EmbedStore {
  constructor(private readonly db: Database) {
    migrate(db, 'embeds', [
      `CREATE TABLE embeds (
         id TEXT PRIMARY KEY,
         scope TEXT NOT NULL,
         role TEXT NOT NULL,
         token_hash TEXT NOT NULL UNIQUE,
         created_at TEXT NOT NULL,
         created_by TEXT NOT NULL,
         created_by_id TEXT NOT NULL,
         created_by_role TEXT NOT NULL,
         expires_at TEXT NOT NULL,
         revoked_at TEXT
       );
       CREATE INDEX embeds_creator ON embeds (created_by_id);`,
    ]);
  }

  create(scope: EmbedScope, role: ParticipantRole, expiresInSeconds: number, creator: { id: string; name: string; role: Role }): { embed: Embed; token: string } {
    const token = newSecret();
    const now = new Date();
    const embed: Embed = {
      id: randomUUID(),
      scope,
      role,
      createdAt: now,
      creator: { id: creator.id, name: creator.name, role: creator.role },
      expiresAt: new Date(now.getTime() + expiresInSeconds * 1000),
      revokedAt: undefined,
    };
    this.db
      .prepare('INSERT INTO embeds (id, scope, role, token_hash, created_at, created_by, created_by_id, created_by_role, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(embed.id, JSON.stringify(scope), role, secretHash(token), now.toISOString(), creator.name, creator.id, creator.role, embed.expiresAt.toISOString());
    return { embed, token };
  }

  get(id: string): Embed | undefined {
    const row = this.db.prepare('SELECT * FROM embeds WHERE id = ?').get(id) as Row | undefined;
    return row ? toEmbed(row) : undefined;
  }

  /** The embed a token grants, or why it grants nothing. */
  byToken(token: string): { embed: Embed } | { refused: EmbedRefusal } {
    const row = this.db.prepare('SELECT * FROM embeds WHERE token_hash = ?').get(secretHash(token)) as Row | undefined;
    return checked(row ? toEmbed(row) : undefined);
  }

  /** Still valid, by id (live sockets are re-checked with this). */
  check(id: string): { embed: Embed } | { refused: EmbedRefusal } {
    return checked(this.get(id));
  }

  revoke(id: string): Embed | undefined {
    this.db.prepare('UPDATE embeds SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
    return this.get(id);
  }

  /** Revokes every live embed `principalId` minted; returns their ids. */
  revokeCreatedBy(principalId: string): string[] {
    const ids = (this.db.prepare('SELECT id FROM embeds WHERE created_by_id = ? AND revoked_at IS NULL').all(principalId) as { id: string }[]).map((r) => r.id);
    this.db.prepare('UPDATE embeds SET revoked_at = ? WHERE created_by_id = ? AND revoked_at IS NULL').run(new Date().toISOString(), principalId);
    return ids;
  }

  /** Forgets embeds that expired over a day ago (their rows only say what is long over). */
  prune(now = Date.now()): void {
    this.db.prepare('DELETE FROM embeds WHERE expires_at < ?').run(new Date(now - 24 * 3600 * 1000).toISOString());
  }
}

function checked(embed: Embed | undefined, now = Date.now()): { embed: Embed } | { refused: EmbedRefusal } {
  if (!embed) return { refused: 'unknown' };
  if (embed.revokedAt) return { refused: 'revoked' };
  if (embed.expiresAt.getTime() <= now) return { refused: 'expired' };
  return { embed };
}

function toEmbed(row: Row): Embed | undefined {
  const scope: unknown = JSON.parse(row.scope);
  // Written by create() from a validated request; a row that no longer reads as a scope admits no one.
  if (!Value.Check(EmbedScope, scope)) return undefined;
  return {
    id: row.id,
    scope,
    role: row.role,
    createdAt: new Date(row.created_at),
    creator: { id: row.created_by_id, name: row.created_by, role: row.created_by_role },
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : undefined,
  };
}
