import type { LoginRequest, Me } from '@sonde/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isApiError, type ApiClient } from '../../api/api-client';
import { toApiError } from '../../api/live-resource';
import { clearShareError, lostLoginNotice, readShareErrorNotice } from './login-messages';

export type AuthState =
  | { status: 'checking' }
  /** `notice`: why the user is looking at the login form again. */
  | { status: 'signed-out'; notice?: string }
  /** `notice`: something to tell a signed-in user once (a share link that did not work). */
  | { status: 'signed-in'; me: Me; notice?: string }
  | { status: 'unreachable'; message: string };

export interface Auth {
  state: AuthState;
  /** Resolves on success; rejects with the server's error (401 wrong credentials, 429 too many attempts). */
  signIn(request: LoginRequest): Promise<void>;
  signOut(): Promise<void>;
  recheck(): void;
}

/**
 * The login state machine. Credentials travel only in a POST body; the server answers with an
 * HttpOnly cookie, so no script (ours included) ever holds a credential afterwards.
 */
export function useAuth(client: ApiClient): Auth {
  const [state, setState] = useState<AuthState>({ status: 'checking' });
  // Read once: the server redirected a dead share link here; shown on whichever screen comes up.
  const [shareNotice] = useState(() => readShareErrorNotice());
  const wasShare = useRef(false);

  const recheck = useCallback(() => {
    setState({ status: 'checking' });
    client
      .me()
      .then((me) => {
        if (me?.authenticated) {
          wasShare.current = me.kind === 'share';
          setState({ status: 'signed-in', me, ...(shareNotice ? { notice: shareNotice } : {}) });
        } else {
          setState({ status: 'signed-out', ...(shareNotice ? { notice: shareNotice } : {}) });
        }
      })
      .catch((error: unknown) => setState({ status: 'unreachable', message: toApiError(error).message }));
  }, [client, shareNotice]);

  useEffect(() => {
    clearShareError();
    recheck();
    const subscription = client.events.on('unauthorized', () =>
      setState({ status: 'signed-out', notice: lostLoginNotice(wasShare.current) }),
    );
    return () => subscription.dispose();
  }, [client, recheck]);

  const signIn = useCallback(
    async (request: LoginRequest) => {
      await client.login(request);
      const me = await client.me();
      if (!me?.authenticated) throw new Error('The server accepted the login but did not keep it (are cookies blocked?).');
      wasShare.current = me.kind === 'share';
      setState({ status: 'signed-in', me });
    },
    [client],
  );

  const signOut = useCallback(async () => {
    try {
      await client.logout();
    } catch (error) {
      // Already logged out is the state we want; anything else the user should know about.
      if (!isApiError(error, 401)) throw error;
    }
    wasShare.current = false;
    setState({ status: 'signed-out' });
  }, [client]);

  return { state, signIn, signOut, recheck };
}
