import { queryTerms } from '../../components/query-terms';
import { useNetworks } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { networkMatches, sortNetworks } from './network-inventory';

interface NetworkListProps {
  query: string;
  activeId: string | null;
}

export function NetworkList({ query, activeId }: NetworkListProps) {
  const networks = useNetworks();
  if (networks.status === 'loading') return <p className="sidebar-note">Loading networks…</p>;
  if (networks.status === 'failed') {
    return (
      <p className="sidebar-note sidebar-note-error" title={networks.error.code}>
        {networks.error.message}
      </p>
    );
  }
  const terms = queryTerms(query);
  const visible = sortNetworks(networks.data).filter((network) => networkMatches(network, terms));
  if (visible.length === 0) {
    return <p className="sidebar-note">{query ? 'No network matches the filter.' : 'No networks.'}</p>;
  }
  return (
    <ul className="inventory-list">
      {visible.map((network) => (
        <li key={network.id}>
          <Link
            to={routePath({ page: 'network', id: network.id })}
            className={`inventory-item${network.id === activeId ? ' is-active' : ''}`}
            data-testid="network-item"
            data-name={network.name}
            aria-current={network.id === activeId ? 'page' : undefined}
          >
            <span className="network-glyph" aria-hidden="true" />
            <span className="inventory-item-text">
              <span className="inventory-item-name">{network.name}</span>
              <span className="inventory-item-secondary">
                {[network.driver, ...network.subnets].join(' · ')}
              </span>
            </span>
            <span className="inventory-item-state" title={`${network.containers.length} containers`}>
              {network.containers.length}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
