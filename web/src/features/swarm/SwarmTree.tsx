import { StatusDot } from '../../components/Badge';
import { useSwarmNodes, useSwarmServices } from '../../hooks/use-console-data';
import { routePath, type TaskSelector } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { nodeStateTone, serviceCounts, swarmBranch, taskName, taskSelector, taskStateTone } from './swarm-tree';

interface SwarmTreeProps {
  /** The manager engine whose Swarm this is. */
  manager: string;
  query: string;
  /** The task the page shows, if any. */
  active: { engine: string; service: string; task: TaskSelector } | null;
}

const sameTask = (a: TaskSelector, b: TaskSelector) => ('slot' in a && 'slot' in b ? a.slot === b.slot : 'id' in a && 'id' in b && a.id === b.id);

/** The sidebar's Swarm of one manager engine: nodes (and the engine each maps to), services → tasks. */
export function SwarmTree({ manager, query, active }: SwarmTreeProps) {
  const nodes = useSwarmNodes();
  const services = useSwarmServices();
  if (nodes.status === 'loading' || services.status === 'loading') return <p className="sidebar-note">Loading the Swarm…</p>;
  const failed = nodes.status === 'failed' ? nodes.error : services.status === 'failed' ? services.error : null;
  if (failed) {
    return (
      <p className="sidebar-note sidebar-note-error" title={failed.code}>
        {failed.message}
      </p>
    );
  }
  const branch = swarmBranch(manager, nodes.status === 'ready' ? nodes.data : [], services.status === 'ready' ? services.data : [], query);
  return (
    <div className="swarm-tree" data-testid="swarm-tree" data-manager={manager}>
      <div className="inventory-group-label">
        <span>Nodes</span>
        <span className="count">{branch.nodes.length}</span>
      </div>
      <ul className="inventory-list">
        {branch.nodes.map((node) => (
          <li key={node.id}>
            <div className="inventory-item inventory-item-static" data-testid="swarm-node" data-name={node.hostname} data-engine={node.engine ?? ''} data-state={node.state}>
              <StatusDot tone={nodeStateTone(node)} label={`${node.state}, ${node.availability}`} />
              <span className="inventory-item-text">
                <span className="inventory-item-name">{node.hostname}</span>
                <span className="inventory-item-secondary">
                  {node.role} · {node.engine ? <>engine <Link to={routePath({ page: 'engine', engine: node.engine })}>{node.engine}</Link></> : 'no engine answering for it'}
                </span>
              </span>
              {node.state !== 'ready' && <span className="inventory-item-state">{node.state}</span>}
            </div>
          </li>
        ))}
      </ul>
      <div className="inventory-group-label">
        <span>Services</span>
        <span className="count">{branch.services.length}</span>
      </div>
      {branch.services.length === 0 && <p className="sidebar-note">{query ? 'No service matches the filter.' : 'No services.'}</p>}
      {branch.services.map(({ service, tasks }) => (
        <div className="swarm-service" key={service.id} data-testid="swarm-service" data-name={service.name}>
          <div className="swarm-service-label" title={service.networks.map((n) => n.name).join(', ')}>
            <span className="inventory-item-name">{service.name}</span>
            <span className="count">{serviceCounts(service)}</span>
          </div>
          <ul className="inventory-list">
            {tasks.map((task) => {
              const selector = taskSelector(task);
              const isActive = active !== null && active.engine === manager && active.service === service.name && sameTask(active.task, selector);
              return (
                <li key={task.id}>
                  <Link
                    to={routePath({ page: 'task', engine: manager, service: service.name, task: selector })}
                    className={`inventory-item inventory-item-task${isActive ? ' is-active' : ''}`}
                    data-testid="swarm-task"
                    data-service={service.name}
                    data-slot={task.slot ?? ''}
                    data-node={task.node ?? task.nodeId}
                    data-engine={task.engine ?? ''}
                    data-state={task.state}
                    aria-current={isActive ? 'page' : undefined}
                  >
                    <StatusDot tone={taskStateTone(task.state)} label={task.state} />
                    <span className="inventory-item-text">
                      <span className="inventory-item-name">{taskName(service.name, task)}</span>
                      <span className="inventory-item-secondary">
                        {[task.node ?? task.nodeId.slice(0, 12), ...task.addresses.map((a) => a.address)].join(' · ')}
                      </span>
                    </span>
                    {task.state !== 'running' && <span className="inventory-item-state">{task.state}</span>}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </div>
  );
}
