import { useRef } from 'react';
import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { DoctorPanel } from '../features/doctor/DoctorPanel';
import { MatrixLauncher } from '../features/matrix/MatrixLauncher';
import { findNetwork, NetworkFacts, NetworkHeader, NetworkJoinAction, NetworkMembers, PingMembersAction } from '../features/networks/NetworkDetails';
import { joinBlockedReason } from '../features/networks/network-inventory';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { useContainers, useNetworks, usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';

/** A Docker network: join it with a toolbox, its members, tools and captures in its namespace. */
export function NetworkPage({ id }: { id: string }) {
  const networks = useNetworks();
  const containers = useContainers();
  const { start, pending } = useStartSession();
  const toolsRef = useRef<HTMLDivElement>(null);
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const { canOperate } = usePermissions();

  if (networks.status === 'loading') return <EmptyState title="Loading network…" />;
  if (networks.status === 'failed') {
    return <EmptyState title="Could not list networks">{networks.error.message}</EmptyState>;
  }
  const network = findNetwork(networks.data, id);
  if (!network) {
    return (
      <EmptyState title="Network not found">
        <p>It may have been removed. The list on the left is live.</p>
      </EmptyState>
    );
  }
  const target = { kind: 'network', network: network.id } as const;

  return (
    <article className="detail-page">
      <NetworkHeader network={network} />
      {canOperate && <NetworkJoinAction network={network} pending={pending} onJoin={() => start(target)} />}
      <NetworkFacts network={network} />
      <h2 className="section-title">
        Containers <span className="count">{network.containers.length}</span>
      </h2>
      {canOperate && (
        // The run shows in the tools panel further down: bring it into view.
        <PingMembersAction network={network} onStarted={() => toolsRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' })} />
      )}
      <NetworkMembers network={network} containers={containers.status === 'ready' ? containers.data : []} />
      {canOperate && <MatrixLauncher network={network} />}
      {canOperate && <DoctorPanel target={{ kind: 'network', engine: network.engine, network: network.id }} blockedReason={joinBlockedReason(network)} />}
      {canOperate && (
        <div ref={toolsRef}>
          <ToolLauncher context={{ target, network, blockedReason: joinBlockedReason(network) }} />
        </div>
      )}
      {canOperate && <CapturePanel target={target} blockedReason={joinBlockedReason(network)} />}
    </article>
  );
}
