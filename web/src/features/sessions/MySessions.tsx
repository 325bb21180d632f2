import { describeTarget, type SessionInfo } from '@sonde/shared';
import { ConfirmButton } from '../../components/ConfirmButton';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import '../../styles/sessions.css';
import { endConfirmation, othersAttached } from './session-labels';

interface MySessionsProps {
  sessions: readonly SessionInfo[];
  meId: string | undefined;
  /** Sessions a terminal of this page is attached to (its tab is open). */
  openHere: ReadonlySet<string>;
  ending: ReadonlySet<string>;
  onEnd(id: string): void;
}

/**
 * The running sessions I own: closing a tab only detached from one, so here is the way back in
 * (Rejoin) and the way to end it for everyone (asked first when others are attached).
 */
export function MySessions({ sessions, meId, openHere, ending, onEnd }: MySessionsProps) {
  const mine = sessions.filter((s) => s.state !== 'exited' && s.owner.id === meId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return (
    <section className="my-sessions" aria-label="My sessions" data-testid="my-sessions">
      <h2 className="section-title">My sessions</h2>
      {mine.length === 0 ? (
        <p className="muted">No shell of yours is running. Closing a tab keeps its session for a few minutes; it would be listed here.</p>
      ) : (
        <ul className="my-sessions-list">
          {mine.map((session) => {
            // Not counting me: my own socket just closed, and the list may not know yet.
            const others = othersAttached(session, meId);
            return (
              <li key={session.id} data-testid="my-session" data-session-id={session.id}>
                <span className="my-session-title">{describeTarget(session.target, 'short')}</span>
                <span className="muted" data-testid="my-session-state">
                  {openHere.has(session.id)
                    ? 'open in a tab'
                    : others.length === 0
                      ? 'detached: kept for a few minutes while nobody is attached'
                      : `detached here; attached: ${others.map((p) => p.name).join(', ')}`}
                </span>
                <Link to={routePath({ page: 'session', id: session.id })} className="button button-secondary button-small" data-testid="my-session-rejoin">
                  {openHere.has(session.id) ? 'Show' : 'Rejoin'}
                </Link>
                <ConfirmButton
                  label="End session"
                  question={endConfirmation(session, meId)}
                  confirmLabel="End for everyone"
                  busy={ending.has(session.id)}
                  title="Ends the shell and removes its toolbox"
                  testId="my-session-end"
                  onConfirm={() => onEnd(session.id)}
                />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
