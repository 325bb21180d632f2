import { EmptyState } from '../components/EmptyState';
import { TopologyView } from '../features/topology/TopologyView';
import { showEngineLevel } from '../hooks/engine-views';
import { useEngineViews } from '../hooks/use-console-data';
import { useTopology } from '../hooks/use-diagnosis';
import { routePath } from '../routing/routes';
import { useNavigate } from '../routing/RouterContext';

/**
 * How everything is wired: every engine's networks, containers, published ports and Swarm nodes,
 * or one engine's (`/engines/<engine>/topology`: only that engine is asked, as GET /api/topology?engine=).
 */
export function TopologyPage({ engine }: { engine?: string | undefined }) {
  const topology = useTopology(engine);
  const views = useEngineViews();
  const navigate = useNavigate();
  const several = showEngineLevel(views) || engine !== undefined;
  return (
    <article className="detail-page" data-testid="topology-page" data-engine={engine ?? ''}>
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">{engine === undefined ? 'Topology map' : `Topology map of ${engine}`}</h1>
        </div>
        <p className="detail-subtitle">Networks, containers with their addresses, published ports and Swarm nodes; it follows changes live. Click a container or network for what to do next.</p>
        {several && (
          <label className="topology-engine">
            Engine{' '}
            <select
              data-testid="topology-engine"
              value={engine ?? ''}
              onChange={(e) => navigate(routePath(e.target.value ? { page: 'topology', engine: e.target.value } : { page: 'topology' }))}
            >
              <option value="">every engine</option>
              {[...new Set([...views.map((v) => v.name), ...(engine === undefined ? [] : [engine])])].map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      {topology.status === 'loading' && <EmptyState title="Reading the engines…" />}
      {topology.status === 'failed' && <EmptyState title="Could not read the topology">{topology.error.message}</EmptyState>}
      {topology.status === 'ready' && <TopologyView topology={topology.data} />}
    </article>
  );
}
