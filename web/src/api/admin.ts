/**
 * What the admin pages read and change: users, API tokens and the target policy. Lists are
 * fetched when a page asks for them (most logins never open these pages), then kept fresh by
 * the actions here.
 */
import type { SondeClient } from '@sonde/client';
import type { ApiTokenInfo, CreateApiTokenRequest, CreatedApiToken, CreateUserRequest, TargetPolicy, UpdateUserRequest, User } from '@sonde/shared';
import { DisposableStore, type Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

export class Admin implements Disposable {
  readonly users: LiveResource<User[]>;
  readonly apiTokens: LiveResource<ApiTokenInfo[]>;

  private readonly cleanup = new DisposableStore();

  constructor(private readonly client: SondeClient) {
    this.users = new LiveResource(() => client.users());
    this.apiTokens = new LiveResource(() => client.apiTokens());
    this.cleanup.add(this.users);
    this.cleanup.add(this.apiTokens);
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

  dispose(): void {
    this.cleanup.dispose();
  }
}
