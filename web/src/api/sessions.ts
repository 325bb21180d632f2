/**
 * Terminal sessions: the list (no push events of their own: refetched on focus, after actions
 * and when toolbox containers change), starting one, ending one, and whether one still exists.
 */
import { isSondeApiError, type SondeClient } from '@sonde/client';
import type { SessionInfo, TargetRequest } from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { LiveResource } from './live-resource';

/**
 * A deep link's session, asked for as the page starts, beside "who is logged in" (main.tsx), so
 * its page can open the terminal without waiting for the whole list. Taken by the next Sessions
 * created; a refusal (signed out, not the caller's to read) is no answer, and the list decides.
 */
let linked: { id: string; answer: Promise<SessionInfo | undefined> } | undefined;

export function prefetchLinkedSession(client: SondeClient, id: string): void {
  linked = { id, answer: client.session(id, { expectUnauthorized: true }).catch(() => undefined) };
}

export class Sessions implements Disposable {
  readonly list: LiveResource<SessionInfo[]>;

  /**
   * `guestSessionId`: for a share-link principal, the one session it may read (listing all
   * would be refused), so the list is that session or nothing.
   */
  constructor(
    private readonly client: SondeClient,
    private readonly guestSessionId?: string,
  ) {
    this.list = new LiveResource(() => (guestSessionId === undefined ? client.sessions() : this.sharedSession(guestSessionId)));
    const early = linked;
    linked = undefined;
    // Shown until the list lands (which replaces it); a guest's list is this one session anyway.
    void early?.answer.then((session) => {
      if (session?.id === early.id && (guestSessionId === undefined || guestSessionId === session.id)) this.list.provisional([session]);
    });
  }

  refresh(): Promise<void> {
    return this.list.refresh();
  }

  /**
   * Starts a toolbox for `target` (the server does all the Docker work) and records the session.
   * `started` runs first, before the list changes (which re-renders every view of it at once).
   */
  async create(target: TargetRequest, started?: (session: SessionInfo) => void): Promise<SessionInfo> {
    const session = await this.client.createSession(target);
    started?.(session);
    this.list.update((list = []) => [...list.filter((s) => s.id !== session.id), session]);
    return session;
  }

  /**
   * Whether the server still lists the session. Answers true when that cannot be known (the
   * server is unreachable): callers use a false to stop reconnecting, so only a fresh list may
   * say false.
   */
  async exists(id: string): Promise<boolean> {
    await this.list.refresh();
    const snapshot = this.list.getSnapshot();
    const refused = snapshot.status === 'ready' ? snapshot.refreshError : snapshot.status === 'failed' ? snapshot.error : null;
    if (this.guestSessionId !== undefined && isSondeApiError(refused, 401)) {
      // A guest whose link ended while its terminal was away: reconnecting cannot succeed. Asked
      // again as a lost login, the refusal reaches the client's unauthorized listeners.
      await this.client.session(id).catch(() => undefined);
      return true;
    }
    if (snapshot.status !== 'ready' || snapshot.refreshError) return true;
    return snapshot.data.some((session) => session.id === id);
  }

  /** Ends the session; one that is already gone counts as closed. */
  async close(id: string): Promise<void> {
    try {
      await this.client.endSession(id);
    } catch (error) {
      if (!isSondeApiError(error, 404)) throw error;
    }
    this.list.update((list = []) => list.filter((s) => s.id !== id));
  }

  dispose(): void {
    this.list.dispose();
  }

  /** The one session a share link reaches, as a list; an ended and reaped session is an empty one. */
  private async sharedSession(id: string): Promise<SessionInfo[]> {
    try {
      // When the link is revoked the terminal says so (close 4003); a refetch then must not
      // swap the pane for the login form, so its 401 is not reported as a lost login here.
      return [await this.client.session(id, { expectUnauthorized: true })];
    } catch (error) {
      if (isSondeApiError(error, 404)) return [];
      throw error;
    }
  }
}
