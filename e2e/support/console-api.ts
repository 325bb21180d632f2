import { expect, type APIRequestContext } from '@playwright/test';
import type { SessionInfo } from '@sonde/shared';
import { token } from './environment.js';

/**
 * The console's HTTP API as a script (bearer token) sees it: to set up sessions for a test and
 * to check, from the server's side, what a browser did or did not manage to do.
 */
export class ConsoleApi {
  constructor(private readonly request: APIRequestContext) {}

  private get headers(): Record<string, string> {
    return { authorization: `Bearer ${token}` };
  }

  async startContainerSession(container: string): Promise<SessionInfo> {
    const response = await this.request.post('/api/sessions', {
      headers: this.headers,
      data: { target: { kind: 'container', container } },
    });
    expect(response.status(), await response.text()).toBe(201);
    return (await response.json()) as SessionInfo;
  }

  async session(id: string): Promise<SessionInfo> {
    const response = await this.request.get(`/api/sessions/${id}`, { headers: this.headers });
    expect(response.status()).toBe(200);
    return (await response.json()) as SessionInfo;
  }

  async sessions(): Promise<SessionInfo[]> {
    const response = await this.request.get('/api/sessions', { headers: this.headers });
    expect(response.status()).toBe(200);
    return (await response.json()) as SessionInfo[];
  }

  async endSession(id: string): Promise<void> {
    await this.request.delete(`/api/sessions/${id}`, { headers: this.headers });
  }
}
