import { timingSafeEqual } from 'node:crypto';
import { roleAtLeast, type Role } from '@sonde/shared';
import type { IdentityStore } from './identity-store.js';
import type { Embed, EmbedRefusal, EmbedStore } from '../embeds/embed-store.js';
import type { Share, ShareRefusal, ShareStore } from '../shares/share-store.js';
import type { Principal } from './principal.js';

/** The principal id of the bootstrap token (SONDE_TOKEN): an admin API token that is not in the database. */
export const BOOTSTRAP_ID = 'token:bootstrap';

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type Credential = { kind: 'bearer'; secret: string } | { kind: 'cookie'; value: string };

/**
 * Turns credentials into principals, and re-checks principals later (a live socket outlives
 * the request that opened it). One place decides what every credential grants.
 */
export class Authenticator {
  constructor(
    private readonly bootstrapToken: string,
    private readonly identities: IdentityStore,
    private readonly shares: ShareStore,
    private readonly embeds: EmbedStore,
  ) {}

  /**
   * The bootstrap token, a named API token, a share token (which reaches its session only) or
   * an embed token (which reaches its one object, from the routes that admit embeds).
   */
  fromSecret(secret: string): Principal | undefined {
    if (equal(secret, this.bootstrapToken)) return { kind: 'token', id: BOOTSTRAP_ID, name: 'bootstrap token', role: 'admin' };
    const token = this.identities.tokenBySecret(secret);
    if (token) return { kind: 'token', id: `token:${token.id}`, name: token.name, role: token.role };
    const share = this.shares.byToken(secret);
    if ('share' in share) return this.sharePrincipal(share.share.id);
    const embed = this.embeds.byToken(secret);
    if ('embed' in embed) return this.embedPrincipal(embed.embed.id);
    return undefined;
  }

  /** The embed a token names, checked like checkEmbed. */
  embedByToken(token: string): { embed: Embed } | { refused: EmbedRefusal } {
    const found = this.embeds.byToken(token);
    return 'embed' in found ? this.checkEmbed(found.embed.id) : found;
  }

  /** An embed as it stands now: never worth more than its minter's current access (like a share link). */
  checkEmbed(embedId: string): { embed: Embed } | { refused: EmbedRefusal } {
    const checked = this.embeds.check(embedId);
    if (!('embed' in checked)) return checked;
    const creator = checked.embed.creator;
    const maker = this.byId(creator.id);
    if (!maker || maker.kind === 'share' || maker.kind === 'embed' || !roleAtLeast(maker.role, creator.role)) return { refused: 'revoked' };
    return checked;
  }

  /** The share link a token names, checked like checkShare. */
  shareByToken(token: string): { share: Share } | { refused: ShareRefusal } {
    const found = this.shares.byToken(token);
    return 'share' in found ? this.checkShare(found.share.id) : found;
  }

  /**
   * A share link as it stands now: unknown, expired or revoked links admit no one, and neither
   * does a link whose maker lost the access they had when they made it (disabled, demoted,
   * revoked), whether or not anyone revoked the link itself yet.
   */
  checkShare(shareId: string): { share: Share } | { refused: ShareRefusal } {
    const checked = this.shares.check(shareId);
    if (!('share' in checked)) return checked;
    const creator = checked.share.creator;
    const maker = creator ? this.byId(creator.id) : undefined;
    if (!creator || !maker || maker.kind === 'share' || !roleAtLeast(maker.role, creator.role)) return { refused: 'revoked' };
    return checked;
  }

  /** A browser login cookie: the principal it was made for, while that is still valid. */
  fromCookie(value: string): Principal | undefined {
    const session = this.identities.browserSession(value);
    if (!session) return undefined;
    const principal = this.byId(session.principal);
    return principal ? { ...principal, browserSessionId: session.id } : undefined;
  }

  /** Resolves a stored principal id as it is now (role changes apply, disabled users resolve to nothing). */
  byId(id: string): Principal | undefined {
    const [kind, rest = ''] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    switch (kind) {
      case 'user': {
        const user = this.identities.user(rest);
        if (!user || user.disabled) return undefined;
        return { kind: 'user', id, name: user.username, role: user.role };
      }
      case 'token': {
        if (id === BOOTSTRAP_ID) return { kind: 'token', id, name: 'bootstrap token', role: 'admin' };
        const token = this.identities.tokenById(rest);
        return token ? { kind: 'token', id, name: token.name, role: token.role } : undefined;
      }
      case 'share':
        return this.sharePrincipal(rest);
      case 'embed':
        return this.embedPrincipal(rest);
      default:
        return undefined;
    }
  }

  private sharePrincipal(shareId: string): Principal | undefined {
    const checked = this.checkShare(shareId);
    if (!('share' in checked)) return undefined;
    const share = checked.share;
    return {
      kind: 'share',
      id: `share:${share.id}`,
      name: `guest (${share.role} link ${share.id.slice(0, 8)})`,
      // Share principals have no console role; routes admit them only for their session.
      role: 'viewer',
      share: { id: share.id, sessionId: share.sessionId, role: share.role, expiresAt: share.expiresAt },
    };
  }

  private embedPrincipal(embedId: string): Principal | undefined {
    const checked = this.checkEmbed(embedId);
    if (!('embed' in checked)) return undefined;
    const embed = checked.embed;
    return {
      kind: 'embed',
      id: `embed:${embed.id}`,
      name: `embed ${embed.id.slice(0, 8)} (by ${embed.creator.name})`,
      // The minter's role, for the target policy when a container embed opens its shell;
      // atLeast() is false for embeds, so it grants no route.
      role: embed.creator.role,
      embed: { id: embed.id, scope: embed.scope, role: embed.role, expiresAt: embed.expiresAt },
    };
  }

  /** Why a principal that authenticated earlier may not keep its live connections, if so. */
  revalidate(principal: Principal): string | undefined {
    if (principal.kind === 'embed') {
      const checked = this.checkEmbed(principal.embed?.id ?? '');
      return 'embed' in checked ? undefined : `the embed token ${checked.refused === 'unknown' ? 'no longer exists' : checked.refused === 'expired' ? 'expired' : 'was revoked, or its maker lost access'}`;
    }
    if (principal.browserSessionId && !this.identities.browserSessionExists(principal.browserSessionId)) return 'you logged out or your login expired';
    if (principal.kind === 'share') {
      const checked = this.checkShare(principal.share?.id ?? '');
      return 'share' in checked ? undefined : `the share link ${checked.refused === 'unknown' ? 'no longer exists' : checked.refused === 'expired' ? 'expired' : 'was revoked'}`;
    }
    const now = this.byId(principal.id);
    if (!now) return principal.kind === 'user' ? 'your account was disabled' : 'the API token was revoked';
    if (!roleAtLeast(now.role, principal.role)) return `your role changed to ${now.role}`;
    return undefined;
  }
}

export function atLeast(principal: Principal, role: Role): boolean {
  return principal.kind !== 'share' && principal.kind !== 'embed' && roleAtLeast(principal.role, role);
}
