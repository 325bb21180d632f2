/**
 * Logging in and out of the console. Credentials travel only in a POST body; the server answers
 * with an HttpOnly cookie, so no script (ours included) holds a credential afterwards.
 */
import { isSondeApiError, type SondeApiError, type SondeClient } from '@sonde/client';
import type { LoginRequest, Me } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { toApiError } from './live-resource';

export type SignInResult = { ok: true; me: Me } | { ok: false; error: SondeApiError };

export class ConsoleLogin {
  /** The question asked before the page rendered, for the first `current()`. */
  private asked: Promise<Me | null> | undefined;

  constructor(readonly client: SondeClient) {}

  /** Asks who is logged in right away (as the page starts, before its first render); the first `current()` gets this answer. */
  prefetch(): void {
    this.asked ??= this.ask();
    // Read by current(); a failure is that caller's to handle, not an unhandled rejection here.
    this.asked.catch(() => undefined);
  }

  /** Who is logged in, or null when nobody is. */
  current(): Promise<Me | null> {
    const asked = this.asked;
    this.asked = undefined;
    return asked ?? this.ask();
  }

  private async ask(): Promise<Me | null> {
    const me = await this.client.me();
    return me?.authenticated ? me : null;
  }

  /** A refusal (401 wrong credentials, 429 too many attempts) is an answer, not an exception. */
  async signIn(request: LoginRequest): Promise<SignInResult> {
    try {
      await this.client.login(request);
      const me = await this.current();
      if (!me) return { ok: false, error: toApiError(new Error('The server accepted the login but did not keep it (are cookies blocked?).')) };
      return { ok: true, me };
    } catch (error) {
      return { ok: false, error: toApiError(error) };
    }
  }

  async signOut(): Promise<void> {
    try {
      await this.client.logout();
    } catch (error) {
      // Already logged out is the state we want; anything else the user should know about.
      if (!isSondeApiError(error, 401)) throw error;
    }
  }

  /** The server stopped accepting our cookie (expired, revoked, logged out elsewhere). */
  onLost(listener: (error: SondeApiError) => void): Disposable {
    return { dispose: this.client.onUnauthorized(listener) };
  }
}
