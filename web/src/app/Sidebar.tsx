import type { Me } from '@sonde/shared';
import { useState } from 'react';
import { CurrentUser } from '../features/auth/CurrentUser';
import { ContainerList } from '../features/containers/ContainerList';
import { NetworkList } from '../features/networks/NetworkList';
import { usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath, type Route } from '../routing/routes';
import { Link } from '../routing/RouterContext';

interface SidebarProps {
  route: Route;
  me: Me;
  onSignOut(): void;
}

export function Sidebar({ route, me, onSignOut }: SidebarProps) {
  const [query, setQuery] = useState('');
  const [showToolboxes, setShowToolboxes] = useState(false);
  const { start, pending } = useStartSession();
  const { canOperate, isAdmin } = usePermissions();

  return (
    <aside className="sidebar" aria-label="Targets">
      <div className="sidebar-top">
        <Link to="/" className="brand" aria-label="Sonde overview">
          <span className="brand-mark" aria-hidden="true">
            ›_
          </span>
          Sonde
        </Link>
        <CurrentUser me={me} onSignOut={onSignOut} />
      </div>
      <nav className="sidebar-nav" aria-label="Topology">
        <Link to={routePath({ page: 'topology' })} data-testid="nav-topology" className={route.page === 'topology' ? 'is-active' : undefined}>
          Topology map
        </Link>
      </nav>
      {canOperate && (
        <nav className="sidebar-nav" aria-label="Recordings">
          <Link
            to={routePath({ page: 'recordings' })}
            data-testid="nav-recordings"
            className={route.page === 'recordings' || route.page === 'recording' ? 'is-active' : undefined}
          >
            Recordings
          </Link>
        </nav>
      )}
      {isAdmin && (
        <nav className="sidebar-nav" aria-label="Administration">
          <Link to={routePath({ page: 'admin', section: 'users' })} data-testid="nav-admin" className={route.page === 'admin' ? 'is-active' : undefined}>
            Admin
          </Link>
          <Link to={routePath({ page: 'audit' })} data-testid="nav-audit" className={route.page === 'audit' ? 'is-active' : undefined}>
            Audit
          </Link>
        </nav>
      )}
      <div className="sidebar-tools">
        {isAdmin && canOperate && <button
          type="button"
          className="button button-secondary button-block"
          data-testid="host-shell"
          disabled={pending}
          title="A toolbox in the host's network namespace"
          onClick={() => start({ kind: 'host' })}
        >
          {pending ? 'Starting…' : 'Host shell'}
        </button>}
        <input
          type="search"
          className="filter-input"
          data-testid="filter"
          placeholder="Filter: name, image, service, IP"
          aria-label="Filter containers and networks"
          value={query}
          spellCheck={false}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setQuery('');
          }}
        />
      </div>
      <div className="sidebar-scroll">
        <section className="sidebar-section" aria-labelledby="containers-heading">
          <div className="sidebar-heading">
            <h2 id="containers-heading">Containers</h2>
            <label className="toggle" title="Sonde's own toolbox containers">
              <input
                type="checkbox"
                data-testid="show-toolboxes"
                checked={showToolboxes}
                onChange={(event) => setShowToolboxes(event.target.checked)}
              />
              toolboxes
            </label>
          </div>
          <ContainerList
            filter={{ query, showToolboxes }}
            activeId={route.page === 'container' ? route.id : null}
          />
        </section>
        <section className="sidebar-section" aria-labelledby="networks-heading">
          <div className="sidebar-heading">
            <h2 id="networks-heading">Networks</h2>
          </div>
          <NetworkList query={query} activeId={route.page === 'network' ? route.id : null} />
        </section>
      </div>
    </aside>
  );
}
