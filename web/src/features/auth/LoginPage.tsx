import type { LoginRequest } from '@sonde/shared';
import { useEffect, useState, type FormEvent } from 'react';
import type { SignInResult } from '../../api/login';
import { ErrorCallout } from '../../components/ErrorCallout';
import { loginFailureMessage, tooManyAttemptsMessage, type LoginMethod } from './login-messages';

interface LoginPageProps {
  notice?: string;
  onSignIn(request: LoginRequest): Promise<SignInResult>;
}

type Failure = { kind: 'message'; text: string } | { kind: 'rate-limited'; until: number };

/** Seconds left until `until`, re-rendered every second while any are left. */
function useSecondsUntil(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/**
 * Sign in with a user name and password, or with an access token (the one the server printed
 * at startup, or a named API token). Both forms post to the same endpoint.
 */
export function LoginPage({ notice, onSignIn }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState<LoginMethod | null>(null);
  const secondsLeft = useSecondsUntil(failure?.kind === 'rate-limited' ? failure.until : null);
  const waiting = failure?.kind === 'rate-limited' && secondsLeft > 0;

  const signIn = (method: LoginMethod, request: LoginRequest) => {
    if (busy || waiting) return;
    setBusy(method);
    setFailure(null);
    void onSignIn(request).then((result) => {
      if (result.ok) return;
      const text = loginFailureMessage(result.error, method);
      setFailure(
        text === null ? { kind: 'rate-limited', until: Date.now() + (result.error.retryAfterSeconds ?? 60) * 1000 } : { kind: 'message', text },
      );
      setBusy(null);
    });
  };

  const submitPassword = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (username && password) signIn('password', { username, password });
  };

  const submitToken = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (token) signIn('token', { token });
  };

  const error = failure === null ? null : failure.kind === 'message' ? failure.text : tooManyAttemptsMessage(secondsLeft);

  // method="post": should a submit ever happen without its handler, credentials go in a request
  // body (which the server then rejects for lack of the CSRF header), never into a URL.
  return (
    <main className="login">
      <div className="login-card" data-testid="login-form">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ›_
          </span>
          Sonde
        </div>
        <p className="login-lede">Network troubleshooting shells for your containers.</p>
        {notice && !error && (
          <p className="callout callout-info" data-testid="login-notice">
            {notice}
          </p>
        )}
        <ErrorCallout message={error} testId="login-error" />
        <form className="login-section" onSubmit={submitPassword} method="post" action="/api/login">
          <label className="field">
            <span className="field-label">User name</span>
            <input
              type="text"
              name="username"
              data-testid="login-username"
              autoComplete="username"
              autoCapitalize="none"
              autoFocus
              spellCheck={false}
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <input
              type="password"
              name="password"
              data-testid="login-password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          <button
            type="submit"
            className="button button-primary button-block"
            data-testid="login-submit"
            disabled={busy !== null || waiting || !username || !password}
          >
            {busy === 'password' ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <div className="login-divider" role="separator">
          <span>or with an access token</span>
        </div>
        <form className="login-section" onSubmit={submitToken} method="post" action="/api/login">
          <label className="field">
            <span className="field-label">Access token</span>
            <input
              type="password"
              name="token"
              data-testid="login-token"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(event) => setToken(event.target.value)}
            />
          </label>
          <button
            type="submit"
            className="button button-secondary button-block"
            data-testid="login-token-submit"
            disabled={busy !== null || waiting || !token}
          >
            {busy === 'token' ? 'Signing in…' : 'Sign in with token'}
          </button>
        </form>
        <p className="login-help">
          The bootstrap token was printed by the Sonde server at startup (or set with <code>SONDE_TOKEN</code>). Admins
          create user accounts and named tokens under Admin.
        </p>
      </div>
    </main>
  );
}
