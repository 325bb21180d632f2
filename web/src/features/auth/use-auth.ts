import type { LoginRequest, Me } from '@sonde/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleLogin, SignInResult } from '../../api/login';
import { errorText } from '../../components/error-text';
import { clearLinkErrors, lostLoginNotice, readLinkErrorNotice } from './login-messages';

export type AuthState =
  | { status: 'checking' }
  /** `notice`: why the user is looking at the login form again. */
  | { status: 'signed-out'; notice?: string }
  /** `notice`: something to tell a signed-in user once (a share link that did not work). */
  | { status: 'signed-in'; me: Me; notice?: string }
  | { status: 'unreachable'; message: string };

export interface Auth {
  state: AuthState;
  /** A refusal (401 wrong credentials, 429 too many attempts) comes back as `{ ok: false, error }`. */
  signIn(request: LoginRequest): Promise<SignInResult>;
  signOut(): Promise<void>;
  recheck(): void;
}

/** The login state machine over api/login (which says how credentials travel). */
export function useAuth(login: ConsoleLogin): Auth {
  const [state, setState] = useState<AuthState>({ status: 'checking' });
  // Read once: the server redirected a dead share link or a wrong login link here; shown on whichever screen comes up.
  const [shareNotice] = useState(() => readLinkErrorNotice());
  const wasShare = useRef(false);

  const recheck = useCallback(() => {
    setState({ status: 'checking' });
    login
      .current()
      .then((me) => {
        if (me) {
          wasShare.current = me.kind === 'share';
          setState({ status: 'signed-in', me, ...(shareNotice ? { notice: shareNotice } : {}) });
        } else {
          setState({ status: 'signed-out', ...(shareNotice ? { notice: shareNotice } : {}) });
        }
      })
      .catch((error: unknown) => setState({ status: 'unreachable', message: errorText(error) }));
  }, [login, shareNotice]);

  useEffect(() => {
    clearLinkErrors();
    recheck();
    const subscription = login.onLost(() => setState({ status: 'signed-out', notice: lostLoginNotice(wasShare.current) }));
    return () => subscription.dispose();
  }, [login, recheck]);

  const signIn = useCallback(
    async (request: LoginRequest) => {
      const result = await login.signIn(request);
      if (result.ok) {
        wasShare.current = result.me.kind === 'share';
        setState({ status: 'signed-in', me: result.me });
      }
      return result;
    },
    [login],
  );

  const signOut = useCallback(async () => {
    await login.signOut();
    wasShare.current = false;
    setState({ status: 'signed-out' });
  }, [login]);

  return { state, signIn, signOut, recheck };
}
