import type { SessionInfo } from '@sonde/shared';
import { describeTarget } from '@sonde/shared';
import { Badge } from '../../components/Badge';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import type { TtyState } from '@sonde/client';
import { sessionStatus } from './session-labels';

interface SessionTabsProps {
  tabs: readonly SessionInfo[];
  activeId: string | null;
  overviewActive: boolean;
  live: ReadonlyMap<string, TtyState>;
  closing: ReadonlySet<string>;
  onClose(id: string): void;
}

export function SessionTabs({ tabs, activeId, overviewActive, live, closing, onClose }: SessionTabsProps) {
  return (
    <nav className="tab-strip" aria-label="Terminal sessions">
      <Link
        to="/"
        className={`tab tab-overview${overviewActive ? ' is-active' : ''}`}
        aria-current={overviewActive ? 'page' : undefined}
      >
        Overview
      </Link>
      <ul className="tab-list">
        {tabs.map((session) => {
          const title = describeTarget(session.target, 'short');
          const status = sessionStatus(session, live.get(session.id));
          const active = session.id === activeId;
          return (
            <li
              key={session.id}
              className={`tab${active ? ' is-active' : ''}`}
              data-testid="session-tab"
              data-session-id={session.id}
              data-state={status.label ?? 'live'}
            >
              <Link
                to={routePath({ page: 'session', id: session.id })}
                className="tab-link"
                aria-current={active ? 'page' : undefined}
                title={`${title} — ${session.toolbox.image}`}
              >
                <span className={`tab-dot tone-${status.tone}`} aria-hidden="true" />
                <span className="tab-title">{title}</span>
                {status.label && <Badge tone={status.tone}>{status.label}</Badge>}
              </Link>
              <button
                type="button"
                className="icon-button tab-close"
                aria-label={`Close ${title}`}
                title="Close session (ends the shell)"
                disabled={closing.has(session.id)}
                onClick={() => onClose(session.id)}
              >
                ✕
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
