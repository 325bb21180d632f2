import type { Me } from '@sonde/shared';
import { useState, type ReactNode } from 'react';
import { CurrentUser } from '../features/auth/CurrentUser';
import { ContainerList } from '../features/containers/ContainerList';
import { EngineSection } from '../features/engines/EngineSection';
import { NetworkList } from '../features/networks/NetworkList';
import { SwarmTree } from '../features/swarm/SwarmTree';
import { defaultEngine, engineProblem, showEngineLevel, type EngineView } from '../hooks/engine-views';
import { useEngineViews, usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath, type Route } from '../routing/routes';
import { Link } from '../routing/RouterContext';

interface SidebarProps {
  route: Route;
  me: Me;
  onSignOut(): void;
}

/**
 * Targets, by engine. With several engines each is a top-level section (its health, then its
 * containers, networks and, for a Swarm manager, the Swarm). With one, the engine level is left
 * out: the lists sit at the top as they always did (see hooks/engine-views.ts, showEngineLevel).
 */
export function Sidebar({ route, me, onSignOut }: SidebarProps) {
  const [query, setQuery] = useState('');
  const [showToolboxes, setShowToolboxes] = useState(false);
  const { start, pending } = useStartSession();
  const { canOperate, isAdmin } = usePermissions();
  const views = useEngineViews();
  const byEngine = showEngineLevel(views);
  const onlyEngine = defaultEngine(views);

  const toolboxToggle = (
    <label className="toggle" title="Sonde's own toolbox containers">
      <input type="checkbox" data-testid="show-toolboxes" checked={showToolboxes} onChange={(event) => setShowToolboxes(event.target.checked)} />
      toolboxes
    </label>
  );
  const lists = { route, query, showToolboxes };

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
        {/* With several engines, each engine's page has its own host shell. */}
        {isAdmin && canOperate && !byEngine && (
          <button
            type="button"
            className="button button-secondary button-block"
            data-testid="host-shell"
            disabled={pending}
            title="A toolbox in the host's network namespace"
            onClick={() => start(onlyEngine ? { kind: 'host', engine: onlyEngine } : { kind: 'host' })}
          >
            {pending ? 'Starting…' : 'Host shell'}
          </button>
        )}
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
        {byEngine && <div className="sidebar-tools-row">{toolboxToggle}</div>}
      </div>
      <div className="sidebar-scroll">
        {byEngine ? (
          views.map((view) => (
            <EngineSection key={view.name} view={view} active={route.page === 'engine' && route.engine === view.name}>
              <EngineLists view={view} {...lists} inSection />
            </EngineSection>
          ))
        ) : (
          <>
            {views[0] && engineProblem(views[0]) && (
              <p className="engine-problem" role="status" data-testid="engine-problem">
                {engineProblem(views[0])}
              </p>
            )}
            <EngineLists view={views[0]} {...lists} toolboxToggle={toolboxToggle} />
          </>
        )}
      </div>
    </aside>
  );
}

interface EngineListsProps {
  /** The engine whose objects these are; undefined while the first engine reply is awaited (one engine: all). */
  view: EngineView | undefined;
  route: Route;
  query: string;
  showToolboxes: boolean;
  /** The one-engine look keeps the toggle in the Containers heading. */
  toolboxToggle?: ReactNode;
  /** Inside an engine's section, whose banner says why its lists are missing when it is down. */
  inSection?: boolean;
}

/** Containers, networks and (a Swarm manager's) Swarm, of one engine; of all when there is only one. */
function EngineLists({ view, route, query, showToolboxes, toolboxToggle, inSection = false }: EngineListsProps) {
  const engine = view?.name;
  const id = (suffix: string) => `${engine ?? 'all'}-${suffix}`;
  const activeObject = (page: 'container' | 'network') => (route.page === page ? { id: route.id, engine: route.engine } : null);
  // Its objects are not in the lists: the banner above says why, an empty list would mislead.
  if (inSection && view && (view.reachable === false || view.leftOut)) return null;
  return (
    <>
      <section className="sidebar-section" aria-labelledby={id('containers-heading')}>
        <div className="sidebar-heading">
          <h2 id={id('containers-heading')}>Containers</h2>
          {toolboxToggle}
        </div>
        <ContainerList filter={{ query, showToolboxes, ...(engine !== undefined ? { engine } : {}) }} active={activeObject('container')} />
      </section>
      <section className="sidebar-section" aria-labelledby={id('networks-heading')}>
        <div className="sidebar-heading">
          <h2 id={id('networks-heading')}>Networks</h2>
        </div>
        <NetworkList query={query} {...(engine !== undefined ? { engine } : {})} active={activeObject('network')} />
      </section>
      {view?.role === 'manager' && view.reachable !== false && (
        <section className="sidebar-section" aria-labelledby={id('swarm-heading')}>
          <div className="sidebar-heading">
            <h2 id={id('swarm-heading')}>Swarm</h2>
          </div>
          <SwarmTree manager={view.name} query={query} active={route.page === 'task' ? route : null} />
        </section>
      )}
    </>
  );
}
