/** The parts of a Swarm task's page: its header and facts. pages/TaskPage composes them with shells, tools and captures. */
import type { SwarmService, SwarmTask } from '@sonde/shared';
import type { ReactNode } from 'react';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { taskName, taskStateTone } from './swarm-tree';

export function TaskHeader({ service, task }: { service: SwarmService; task: SwarmTask }) {
  return (
    <header className="detail-header">
      <div className="detail-title-row">
        <h1 className="detail-title" data-testid="task-title">
          {taskName(service.name, task)}
        </h1>
        <Badge tone={taskStateTone(task.state)}>{task.state}</Badge>
        <Badge tone="info">Swarm task</Badge>
        {task.engine && (
          <span data-testid="object-engine">
            <Badge tone="muted">on {task.engine}</Badge>
          </span>
        )}
      </div>
      <p className="detail-subtitle">
        Task of service <strong>{service.name}</strong> ({service.mode}), as manager engine {service.manager} reports it
      </p>
    </header>
  );
}

interface TaskFactsProps {
  service: SwarmService;
  task: SwarmTask;
  /** The task's container as its node's engine lists it, linked, when Sonde has it. */
  containerName?: string | undefined;
  sessions: ReactNode;
}

export function TaskFacts({ service, task, containerName, sessions }: TaskFactsProps) {
  return (
    <DetailList
      rows={[
        { label: 'Node', value: task.node ?? task.nodeId },
        { label: 'Engine', value: task.engine ? <Link to={routePath({ page: 'engine', engine: task.engine })}>{task.engine}</Link> : 'none: Sonde has no engine for this node' },
        { label: 'Slot', value: task.slot ?? '— (global service)' },
        { label: 'State', value: task.desiredState === task.state ? task.state : `${task.state} (desired: ${task.desiredState})` },
        {
          label: 'Container',
          value: task.containerId ? (
            task.engine && containerName ? (
              <Link to={routePath({ page: 'container', engine: task.engine, id: task.containerId })}>{containerName}</Link>
            ) : (
              <code className="mono">{task.containerId.slice(0, 12)}</code>
            )
          ) : (
            '— (not created yet)'
          ),
        },
        {
          label: 'Addresses',
          value:
            task.addresses.length === 0 ? (
              '—'
            ) : (
              <ul className="plain-list" data-testid="task-addresses">
                {task.addresses.map((a) => (
                  <li key={`${a.network}:${a.address}`}>
                    {a.network} <span className="mono muted">{a.address}</span>
                  </li>
                ))}
              </ul>
            ),
        },
        {
          label: 'Networks',
          value:
            service.networks.length === 0 ? (
              '—'
            ) : (
              <ul className="plain-list">
                {service.networks.map((n) => (
                  // Overlay ids are the cluster's: the task's own node lists the network under the same id.
                  <li key={n.id}>{task.engine ? <Link to={routePath({ page: 'network', engine: task.engine, id: n.id })}>{n.name}</Link> : n.name}</li>
                ))}
              </ul>
            ),
        },
        { label: 'Task ID', value: <code className="mono">{task.id}</code> },
        { label: 'Sessions', value: sessions },
      ]}
    />
  );
}
