import { useContainers } from '../../hooks/use-console-data';
import { StatusDot } from '../../components/Badge';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { containerStateTone, groupContainers, type InventoryFilter } from './container-inventory';

interface ContainerListProps {
  filter: InventoryFilter;
  activeId: string | null;
}

/** Sidebar list of containers, grouped by Compose project. */
export function ContainerList({ filter, activeId }: ContainerListProps) {
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
              const ips = container.networks.map((n) => n.ipv4).filter(Boolean);
              const secondary = [container.compose?.service ?? container.image, ...ips].join(' · ');
              return (
                <li key={container.id}>
                  <Link
                    to={routePath({ page: 'container', id: container.id })}
                    className={`inventory-item${container.id === activeId ? ' is-active' : ''}`}
                    data-testid="container-item"
                    data-name={container.name}
                    data-state={container.state}
                    aria-current={container.id === activeId ? 'page' : undefined}
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
