import type { ConsoleLogin } from '../api/login';
import { EmptyState } from '../components/EmptyState';
import { LoginPage } from '../features/auth/LoginPage';
import { useAuth } from '../features/auth/use-auth';
import { ConsoleShell } from './ConsoleShell';

/** Decides between the login form and the console; nothing else. */
export function App({ login }: { login: ConsoleLogin }) {
  const auth = useAuth(login);
  switch (auth.state.status) {
    case 'checking':
      return <div className="splash" aria-busy="true" />;
    case 'signed-out':
      return <LoginPage {...(auth.state.notice ? { notice: auth.state.notice } : {})} onSignIn={auth.signIn} />;
    case 'unreachable':
      return (
        <main className="splash">
          <EmptyState title="Cannot reach the Sonde server">
            <p>{auth.state.message}</p>
            <button type="button" className="button button-primary" onClick={auth.recheck}>
              Retry
            </button>
          </EmptyState>
        </main>
      );
    case 'signed-in':
      return <ConsoleShell client={login.client} me={auth.state.me} notice={auth.state.notice} onSignOut={auth.signOut} />;
    default: {
      const unexpected: never = auth.state;
      return unexpected;
    }
  }
}
