import { useState, type FormEvent } from 'react';
import { toApiError } from '../../api/live-resource';

interface LoginPageProps {
  notice?: string;
  onSignIn(token: string): Promise<void>;
}

export function LoginPage({ notice, onSignIn }: LoginPageProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token || busy) return;
    setBusy(true);
    setError(null);
    onSignIn(token)
      .catch((failure: unknown) => {
        const apiError = toApiError(failure);
        setError(apiError.status === 401 ? 'That access token is not valid.' : apiError.message);
        setBusy(false);
      });
  };

  // method="post": should the submit ever happen without this handler, the token goes in a
  // request body (which the server then rejects), never into a URL.
  return (
    <main className="login">
      <form className="login-card" data-testid="login-form" onSubmit={submit} method="post" action="/api/login">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            ›_
          </span>
          Sonde
        </div>
        <p className="login-lede">Network troubleshooting shells for your containers.</p>
        {notice && !error && <p className="callout callout-info">{notice}</p>}
        {error && (
          <p className="callout callout-danger" role="alert" data-testid="error-banner">
            {error}
          </p>
        )}
        <label className="field">
          <span className="field-label">Access token</span>
          <input
            type="password"
            name="token"
            data-testid="login-token"
            autoComplete="current-password"
            autoFocus
            required
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        <button type="submit" className="button button-primary button-block" disabled={busy || !token}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="login-help">
          The token was printed by the Sonde server at startup (or set with <code>SONDE_TOKEN</code>).
        </p>
      </form>
    </main>
  );
}
