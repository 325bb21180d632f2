import type { SessionInfo } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';

/** Links to sessions (a container's page lists the ones open on it), or a dash for none. */
export function SessionLinks({ sessions }: { sessions: readonly SessionInfo[] }) {
  if (sessions.length === 0) return <>—</>;
  return (
    <ul className="plain-list">
      {sessions.map((session) => (
        <li key={session.id}>
          <Link to={routePath({ page: 'session', id: session.id })}>{describeTarget(session.target, 'short')}</Link>
          <span className="muted"> {session.state}</span>
        </li>
      ))}
    </ul>
  );
}
