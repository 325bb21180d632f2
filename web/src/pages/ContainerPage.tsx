import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { ContainerFacts, ContainerHeader, ContainerShellActions, findContainer } from '../features/containers/ContainerDetails';
import { DoctorPanel } from '../features/doctor/DoctorPanel';
import { shellBlockedReason } from '../features/containers/container-inventory';
import { NetstateWarnings } from '../features/netstate/NetstateWarnings';
import { SessionLinks } from '../features/sessions/SessionLinks';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { useContainers, useNetworks, usePermissions, useSessions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';

/** A container: what it is, shells into its namespaces, its tools and captures, changes left behind in it. */
export function ContainerPage({ id }: { id: string }) {
  const containers = useContainers();
  const networks = useNetworks();
  const sessions = useSessions();
  const { start, pending } = useStartSession();
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const { canOperate } = usePermissions();

  if (containers.status === 'loading') return <EmptyState title="Loading container…" />;
  if (containers.status === 'failed') {
    return <EmptyState title="Could not list containers">{containers.error.message}</EmptyState>;
  }
  const container = findContainer(containers.data, id);
  if (!container) {
    return (
      <EmptyState title="Container not found">
        <p>It may have been removed. The list on the left is live.</p>
      </EmptyState>
    );
  }

  const blocked = shellBlockedReason(container);
  const networkIds = new Map((networks.status === 'ready' ? networks.data : []).map((n) => [n.name, n.id]));
  const containerSessions = (sessions.status === 'ready' ? sessions.data : []).filter(
    (s) => s.target.kind === 'container' && s.target.containerId === container.id,
  );
  const target = { kind: 'container', container: container.id } as const;

  return (
    <article className="detail-page">
      <ContainerHeader container={container} />
      <NetstateWarnings containerId={container.id} />
      {canOperate && (
        <ContainerShellActions blockedReason={blocked} pending={pending} onStart={({ sharePid }) => start(sharePid ? { ...target, sharePid } : target)} />
      )}
      <ContainerFacts container={container} networkIds={networkIds} sessions={<SessionLinks sessions={containerSessions} />} />
      {canOperate && <DoctorPanel target={{ kind: 'container', engine: container.engine, container: container.id }} blockedReason={blocked} />}
      {canOperate && <ToolLauncher context={{ target, container, blockedReason: blocked }} />}
      {canOperate && <CapturePanel target={target} blockedReason={blocked} />}
    </article>
  );
}
