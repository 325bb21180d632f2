/**
 * What the admin pages read and change: users, API tokens, the target policy and the audit
 * trail. Lists are fetched when a page asks for them (most logins never open these pages), then
 * kept fresh by the actions here.
 */
import type {
  ApiTokenInfo,
  AuditEntry,
  CreateApiTokenRequest,
  CreatedApiToken,
  CreateUserRequest,
  TargetPolicy,
  UpdateUserRequest,
  User,
} from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';
import type { ApiClient } from './api-client';
import { LiveResource } from './live-resource';

/** The server returns the trail oldest first, in pages of this many. */
export const AUDIT_PAGE_SIZE = 1000;
/** The audit page shows at most the newest this many entries (the JSON lines export has all). */
export const AUDIT_VIEW_LIMIT = 2000;
/** Pages read before giving up on reaching the end (a trail of 50 000 entries). */
const AUDIT_MAX_PAGES = 50;

export class AdminData implements Disposable {
  readonly users: LiveResource<User[]>;
  readonly apiTokens: LiveResource<ApiTokenInfo[]>;
  /** New audit entries as the server records them (the `audit` server-sent event, admins only). */
  readonly auditFeed = new Emitter<{ entry: AuditEntry }>();

  private readonly cleanup = new DisposableStore();

  constructor(private readonly client: ApiClient) {
    this.users = new LiveResource(() => client.users());
    this.apiTokens = new LiveResource(() => client.apiTokens());
    this.cleanup.add(this.users);
    this.cleanup.add(this.apiTokens);
    this.cleanup.add(this.auditFeed);
  }

  async createUser(request: CreateUserRequest): Promise<User> {
    const user = await this.client.createUser(request);
    this.users.update((list = []) => [...list.filter((u) => u.id !== user.id), user]);
    return user;
  }

  async updateUser(id: string, request: UpdateUserRequest): Promise<User> {
    const user = await this.client.updateUser(id, request);
    this.users.update((list = []) => list.map((u) => (u.id === id ? user : u)));
    return user;
  }

  /** The reply carries the secret: show it once, never store it. */
  async createApiToken(request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    const created = await this.client.createApiToken(request);
    const { token: _secret, ...info } = created;
    this.apiTokens.update((list = []) => [...list.filter((t) => t.id !== info.id), info]);
    return created;
  }

  async revokeApiToken(id: string): Promise<void> {
    await this.client.revokeApiToken(id);
    this.apiTokens.update((list = []) => list.filter((t) => t.id !== id));
  }

  policy(): Promise<TargetPolicy> {
    return this.client.policy();
  }

  savePolicy(policy: TargetPolicy): Promise<TargetPolicy> {
    return this.client.savePolicy(policy);
  }

  /**
   * The newest AUDIT_VIEW_LIMIT entries, oldest first. The API pages forward from a sequence
   * number, so this reads to the end and keeps the tail.
   */
  async auditTail(query: { sessionId?: string } = {}): Promise<AuditEntry[]> {
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

  auditExportUrl(query: { sessionId?: string } = {}): string {
    return this.client.auditExportUrl(query);
  }

  dispose(): void {
    this.cleanup.dispose();
  }
}
