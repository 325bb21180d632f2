import { EmptyState } from '../components/EmptyState';
import { TopologyView } from '../features/topology/TopologyView';
import { useTopology } from '../hooks/use-diagnosis';

/** How everything is wired: every engine's networks, containers, published ports and Swarm nodes. */
export function TopologyPage() {
  const topology = useTopology();
  return (
    <article className="detail-page" data-testid="topology-page">
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">Topology map</h1>
        </div>
        <p className="detail-subtitle">Networks, containers with their addresses, published ports and Swarm nodes; it follows changes live. Click a container or network for what to do next.</p>
      </header>
      {topology.status === 'loading' && <EmptyState title="Reading the engines…" />}
      {topology.status === 'failed' && <EmptyState title="Could not read the topology">{topology.error.message}</EmptyState>}
      {topology.status === 'ready' && <TopologyView topology={topology.data} />}
    </article>
  );
}
