import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { ContainerFacts, ContainerHeader, ContainerShellActions, findContainer } from '../features/containers/ContainerDetails';
import { DoctorPanel } from '../features/doctor/DoctorPanel';
import { shellBlockedReason } from '../features/containers/container-inventory';
import { NetstateWarnings } from '../features/netstate/NetstateWarnings';
import { SessionLinks } from '../features/sessions/SessionLinks';
import { taskName, taskOfContainer, taskSelector } from '../features/swarm/swarm-tree';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { showEngineLevel } from '../hooks/engine-views';
import { useContainers, useEngineViews, useNetworks, usePermissions, useSessions, useSwarmServices } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';
import { EngineMissing } from './EngineMissing';

/**
 * A container: what it is, shells into its namespaces, its tools and captures, changes left
 * behind in it. `engine`: the engine the link named (absent in links from before there were several).
 */
export function ContainerPage({ id, engine }: { id: string; engine?: string | undefined }) {
  const containers = useContainers();
  const networks = useNetworks();
  const sessions = useSessions();
  const services = useSwarmServices();
  const views = useEngineViews();
  const { start, pending } = useStartSession();
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const { canOperate } = usePermissions();

  if (containers.status === 'loading') return <EmptyState title="Loading container…" />;
  if (containers.status === 'failed') {
    return <EmptyState title="Could not list containers">{containers.error.message}</EmptyState>;
  }
  const container = findContainer(containers.data, id, engine);
  if (!container) {
    return (
      <EngineMissing engine={engine} views={views} what="container">
        <EmptyState title="Container not found">
          <p>It may have been removed. The list on the left is live.</p>
        </EmptyState>
      </EngineMissing>
    );
  }

  const blocked = shellBlockedReason(container);
  const networkIds = new Map((networks.status === 'ready' ? networks.data : []).filter((n) => n.engine === container.engine).map((n) => [n.name, n.id]));
  const containerSessions = (sessions.status === 'ready' ? sessions.data : []).filter(
    (s) => s.target.kind === 'container' && s.target.containerId === container.id && s.target.engine === container.engine,
  );
  const target = { kind: 'container', engine: container.engine, container: container.id } as const;
  const task = container.swarm ? taskOfContainer(services.status === 'ready' ? services.data : [], container.id) : undefined;

  return (
    <article className="detail-page">
      <ContainerHeader container={container} showEngine={showEngineLevel(views)} />
      <NetstateWarnings containerId={container.id} />
      {canOperate && (
        <ContainerShellActions blockedReason={blocked} pending={pending} onStart={({ sharePid }) => start(sharePid ? { ...target, sharePid } : target)} />
      )}
      <ContainerFacts
        container={container}
        networkIds={networkIds}
        sessions={<SessionLinks sessions={containerSessions} />}
        {...(showEngineLevel(views) ? { engine: <Link to={routePath({ page: 'engine', engine: container.engine })}>{container.engine}</Link> } : {})}
        {...(task
          ? {
              task: (
                <Link to={routePath({ page: 'task', engine: task.service.manager, service: task.service.name, task: taskSelector(task.task) })}>
                  {taskName(task.service.name, task.task)}
                </Link>
              ),
            }
          : {})}
      />
      {canOperate && <DoctorPanel target={target} blockedReason={blocked} />}
      {canOperate && <ToolLauncher context={{ target, container, blockedReason: blocked }} />}
      {canOperate && <CapturePanel target={target} blockedReason={blocked} />}
    </article>
  );
}
