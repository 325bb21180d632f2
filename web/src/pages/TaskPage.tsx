import type { SessionInfo, TargetRequest } from '@sonde/shared';
import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { ContainerShellActions } from '../features/containers/ContainerDetails';
import { DoctorPanel } from '../features/doctor/DoctorPanel';
import { SessionLinks } from '../features/sessions/SessionLinks';
import { findTask, taskBlockedReason } from '../features/swarm/swarm-tree';
import { TaskFacts, TaskHeader } from '../features/swarm/TaskDetails';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { useContainers, useEngineViews, usePermissions, useSessions, useSwarmServices } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import type { TaskSelector } from '../routing/routes';
import { EngineMissing } from './EngineMissing';

interface TaskPageProps {
  /** The manager engine the task is asked of. */
  engine: string;
  service: string;
  task: TaskSelector;
}

/**
 * A Swarm task, like a container's page: shells "in its network" and "with its processes", tools
 * and captures. Every target is the task as its manager knows it (`{kind:'task', engine: <manager>,
 * service, slot}`): the server opens the toolbox on the engine of the node the task runs on now.
 */
export function TaskPage({ engine, service, task: selector }: TaskPageProps) {
  const services = useSwarmServices();
  const containers = useContainers();
  const sessions = useSessions();
  const views = useEngineViews();
  const { start, pending } = useStartSession();
  const { canOperate } = usePermissions();

  if (services.status === 'loading') return <EmptyState title="Loading the Swarm…" />;
  if (services.status === 'failed') return <EmptyState title="Could not list Swarm services">{services.error.message}</EmptyState>;
  const found = findTask(services.data, engine, service, selector);
  if (!found?.task) {
    return (
      <EngineMissing engine={engine} views={views} what="task">
        <EmptyState title={found ? 'Task not found' : 'Service not found'}>
          <p>
            {found
              ? `No task of ${found.service.name} holds ${'slot' in selector ? `slot ${selector.slot}` : `id ${selector.id}`} now.`
              : `Manager engine ${engine} lists no service ${service}.`}{' '}
            The Swarm on the left is live.
          </p>
        </EmptyState>
      </EngineMissing>
    );
  }
  const { task } = found;
  const name = found.service.name;
  const target: TargetRequest = { kind: 'task', engine, service: name, ...('slot' in selector ? { slot: selector.slot } : { task: selector.id }) };
  const container = (containers.status === 'ready' ? containers.data : []).find((c) => c.id === task.containerId && c.engine === task.engine);
  const blocked = taskBlockedReason(task);
  const taskSessions = (sessions.status === 'ready' ? sessions.data : []).filter((s) => isSessionOf(s, engine, name, selector));

  return (
    <article className="detail-page" data-testid="task-page">
      <TaskHeader service={found.service} task={task} />
      {canOperate && (
        <ContainerShellActions blockedReason={blocked} pending={pending} onStart={({ sharePid }) => start(sharePid && target.kind === 'task' ? { ...target, sharePid } : target)} />
      )}
      <TaskFacts service={found.service} task={task} containerName={container?.name} sessions={<SessionLinks sessions={taskSessions} />} />
      {canOperate && <DoctorPanel target={target} blockedReason={blocked} />}
      {canOperate && <ToolLauncher context={{ target, ...(container ? { container } : {}), blockedReason: blocked }} />}
      {canOperate && <CapturePanel target={target} blockedReason={blocked} />}
    </article>
  );
}

function isSessionOf(session: SessionInfo, manager: string, service: string, selector: TaskSelector): boolean {
  const task = session.target.kind === 'container' ? session.target.task : undefined;
  if (!task || task.manager !== manager || task.service !== service) return false;
  return 'slot' in selector ? task.slot === selector.slot : task.id === selector.id;
}
