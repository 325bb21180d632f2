import { useRef } from 'react';
import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { DoctorPanel } from '../features/doctor/DoctorPanel';
import { MatrixLauncher } from '../features/matrix/MatrixLauncher';
import { NamespaceAction, NetworkFacts, NetworkHeader, NetworkJoinAction, NetworkMembers, PingMembersAction } from '../features/networks/NetworkDetails';
import { enginesListing, findNetworkOn, hasOwnNamespace, joinBlockedReason, namespaceEngines } from '../features/networks/network-inventory';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { showEngineLevel } from '../hooks/engine-views';
import { useContainers, useEngineViews, useNetworks, usePermissions, useSwarmServices } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { EngineMissing } from './EngineMissing';

/**
 * A Docker network, as one engine sees it: join it with a toolbox, its members, tools and
 * captures in its namespace; for an overlay, also its own namespace on a node where it has tasks.
 */
export function NetworkPage({ id, engine }: { id: string; engine?: string | undefined }) {
  const networks = useNetworks();
  const containers = useContainers();
  const services = useSwarmServices();
  const views = useEngineViews();
  const { start, open, pending } = useStartSession();
  const toolsRef = useRef<HTMLDivElement>(null);
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const { canOperate } = usePermissions();

  if (networks.status === 'loading') return <EmptyState title="Loading network…" />;
  if (networks.status === 'failed') {
    return <EmptyState title="Could not list networks">{networks.error.message}</EmptyState>;
  }
  const network = findNetworkOn(networks.data, id, engine);
  if (!network) {
    return (
      <EngineMissing engine={engine} views={views} what="network">
        <EmptyState title="Network not found">
          <p>It may have been removed. The list on the left is live.</p>
        </EmptyState>
      </EngineMissing>
    );
  }
  const target = { kind: 'network', engine: network.engine, network: network.id } as const;
  const several = showEngineLevel(views);

  return (
    <article className="detail-page">
      <NetworkHeader network={network} showEngine={several} />
      {canOperate && <NetworkJoinAction network={network} pending={pending} onJoin={() => start(target)} />}
      {canOperate && hasOwnNamespace(network) && (
        <>
          <NamespaceAction
            network={network}
            engines={namespaceEngines(network, networks.data, services.status === 'ready' ? services.data : [])}
            onOpen={(on) => open({ kind: 'network-namespace', engine: on, network: network.id })}
          />
          <p className="detail-hint">
            The overlay’s own namespace on one node: its bridge <code>br0</code>, its <code>vxlan</code> device and the
            forwarding entries to the other nodes. Admins may open it by default (it needs the node’s rights); the
            policy can allow it to other roles.
          </p>
        </>
      )}
      <NetworkFacts network={network} engines={several ? enginesListing(network, networks.data) : []} />
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
