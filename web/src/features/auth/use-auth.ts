import { useCallback, useEffect, useState } from 'react';
import { isApiError, type ApiClient } from '../../api/api-client';
import { toApiError } from '../../api/live-resource';

export type AuthState =
  | { status: 'checking' }
  /** `notice`: why the user is looking at the login form again. */
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; via: string }
  | { status: 'unreachable'; message: string };

export interface Auth {
  state: AuthState;
  /** Resolves on success; rejects with the server's message on a bad token. */
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
  recheck(): void;
}

/**
 * The login state machine. The token travels only in a POST body; the server answers with an
 * HttpOnly cookie, so no script (ours included) ever holds a credential afterwards.
 */
export function useAuth(client: ApiClient): Auth {
  const [state, setState] = useState<AuthState>({ status: 'checking' });

  const recheck = useCallback(() => {
    setState({ status: 'checking' });
    client
      .me()
      .then((me) => setState(me?.authenticated ? { status: 'signed-in', via: me.via } : { status: 'signed-out' }))
      .catch((error: unknown) => setState({ status: 'unreachable', message: toApiError(error).message }));
  }, [client]);

  useEffect(() => {
    recheck();
    const subscription = client.events.on('unauthorized', () =>
      setState({ status: 'signed-out', notice: 'Your login has expired or was revoked. Sign in again.' }),
    );
    return () => subscription.dispose();
  }, [client, recheck]);

  const signIn = useCallback(
    async (token: string) => {
      await client.login(token);
      const me = await client.me();
      if (!me?.authenticated) throw new Error('The server accepted the token but did not keep the login (are cookies blocked?).');
      setState({ status: 'signed-in', via: me.via });
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
    setState({ status: 'signed-out' });
  }, [client]);

  return { state, signIn, signOut, recheck };
}
