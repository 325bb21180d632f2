import { useState, type ReactNode } from 'react';
import { Badge, StatusDot } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { engineFacts, engineProblem, engineState, type EngineView } from '../../hooks/engine-views';

interface EngineSectionProps {
  view: EngineView;
  /** The engine's page is open. */
  active: boolean;
  /** Its containers, networks and (a manager's) Swarm. */
  children: ReactNode;
}

/**
 * One engine at the top level of the sidebar: its name and health (reachable or not, with the
 * error; version; Swarm role), then what it holds. When it is down, a banner in its section says
 * so where its objects would be; the other sections keep their lists.
 */
export function EngineSection({ view, active, children }: EngineSectionProps) {
  const [open, setOpen] = useState(true);
  const state = engineState(view);
  const problem = engineProblem(view);
  const facts = engineFacts(view);
  return (
    <section
      className="engine-section"
      data-testid="engine-section"
      data-engine={view.name}
      data-reachable={view.reachable === undefined ? 'unknown' : String(view.reachable)}
      aria-label={`Engine ${view.name}`}
    >
      <div className={`engine-heading${active ? ' is-active' : ''}`}>
        <button type="button" className="engine-toggle" aria-expanded={open} aria-label={open ? `Collapse ${view.name}` : `Expand ${view.name}`} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        <StatusDot tone={state.tone} label={state.text} />
        <span className="engine-heading-text">
          <Link to={routePath({ page: 'engine', engine: view.name })} className="engine-name" aria-current={active ? 'page' : undefined}>
            {view.name}
          </Link>
          <span className="engine-facts" data-testid="engine-facts">
            {[state.text, facts].filter(Boolean).join(' · ')}
          </span>
        </span>
      </div>
      {problem && (
        <p className="engine-problem" role="status" data-testid="engine-problem">
          {problem}
        </p>
      )}
      {open && <div className="engine-body">{children}</div>}
    </section>
  );
}

/** An engine's page header. */
export function EngineHeader({ view }: { view: EngineView }) {
  const state = engineState(view);
  return (
    <header className="detail-header">
      <div className="detail-title-row">
        <h1 className="detail-title">Engine {view.name}</h1>
        <Badge tone={state.tone}>{state.text}</Badge>
        {view.role && <Badge tone="info">Swarm {view.role}</Badge>}
      </div>
      <p className="detail-subtitle">{view.source === 'swarm-node' ? 'Found as a Swarm node (SONDE_SWARM_NODE_ENGINE)' : 'Configured'}</p>
    </header>
  );
}

export function EngineFacts({ view, containers, networks }: { view: EngineView; containers: number | undefined; networks: number | undefined }) {
  return (
    <DetailList
      rows={[
        { label: 'State', value: view.reachable === false ? `unreachable: ${view.error ?? 'no reply'}` : engineState(view).text },
        { label: 'Docker', value: view.version ?? '—' },
        { label: 'Swarm', value: view.role ?? 'not in a Swarm' },
        ...(view.endpoint ? [{ label: 'Address', value: <code className="mono">{view.endpoint}</code> }] : []),
        { label: 'Containers', value: containers ?? '—' },
        { label: 'Networks', value: networks ?? '—' },
      ]}
    />
  );
}

/** Every engine in a table (the overview of a console with several). */
export function EngineTable({ views }: { views: readonly EngineView[] }) {
  return (
    <table className="data-table" data-testid="engine-table">
      <thead>
        <tr>
          <th scope="col">Engine</th>
          <th scope="col">State</th>
          <th scope="col">Docker</th>
          <th scope="col">Swarm</th>
        </tr>
      </thead>
      <tbody>
        {views.map((view) => {
          const state = engineState(view);
          return (
            <tr key={view.name} data-engine={view.name}>
              <td>
                <Link to={routePath({ page: 'engine', engine: view.name })}>{view.name}</Link>
              </td>
              <td>
                <StatusDot tone={state.tone} label={state.text} /> {view.reachable === false && view.error ? `unreachable: ${view.error}` : state.text}
              </td>
              <td>{view.version ?? '—'}</td>
              <td>{view.role ?? '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
