import { useContainers } from '../../hooks/use-console-data';
import { StatusDot } from '../../components/Badge';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { containerStateTone, groupContainers, type InventoryFilter } from './container-inventory';

interface ContainerListProps {
  /** With `engine`: that engine's containers only (an engine's section of the sidebar). */
  filter: InventoryFilter;
  /** The container the page shows (its engine too, when the link named one). */
  active: { id: string; engine?: string | undefined } | null;
}

/** Sidebar list of containers, grouped by Compose project or Swarm service. */
export function ContainerList({ filter, active }: ContainerListProps) {
  const containers = useContainers();
  if (containers.status === 'loading') return <p className="sidebar-note">Loading containers…</p>;
  if (containers.status === 'failed') {
    return (
      <p className="sidebar-note sidebar-note-error" title={containers.error.code}>
        {containers.error.message}
      </p>
    );
  }
  const groups = groupContainers(containers.data, filter);
  if (groups.length === 0) {
    return <p className="sidebar-note">{filter.query ? 'No container matches the filter.' : 'No containers.'}</p>;
  }
  return (
    <div className="inventory">
      {groups.map((group) => (
        <div className="inventory-group" key={group.key}>
          <div className={`inventory-group-label inventory-group-${group.kind}`}>
            <span>{group.label}</span>
            <span className="count">{group.containers.length}</span>
          </div>
          <ul className="inventory-list">
            {group.containers.map((container) => {
              const isActive = active !== null && container.id === active.id && (active.engine === undefined || active.engine === container.engine);
              const ips = container.networks.map((n) => n.ipv4).filter(Boolean);
              const secondary = [container.compose?.service ?? container.image, ...ips].join(' · ');
              return (
                <li key={container.id}>
                  <Link
                    to={routePath({ page: 'container', engine: container.engine, id: container.id })}
                    className={`inventory-item${isActive ? ' is-active' : ''}`}
                    data-testid="container-item"
                    data-name={container.name}
                    data-engine={container.engine}
                    data-state={container.state}
                    aria-current={isActive ? 'page' : undefined}
                    title={`${container.name} — ${container.status}`}
                  >
                    <StatusDot tone={containerStateTone(container.state)} label={container.state} />
                    <span className="inventory-item-text">
                      <span className="inventory-item-name">{container.name}</span>
                      <span className="inventory-item-secondary">{secondary}</span>
                    </span>
                    {container.state !== 'running' && <span className="inventory-item-state">{container.state}</span>}
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
