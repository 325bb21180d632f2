import { queryTerms } from '../../components/query-terms';
import { useNetworks } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { networkMatches, sortNetworks } from './network-inventory';

interface NetworkListProps {
  query: string;
  /** That engine's networks only (an engine's section of the sidebar); every engine's without. */
  engine?: string;
  /** The network the page shows (its engine too, when the link named one). */
  active: { id: string; engine?: string | undefined } | null;
}

export function NetworkList({ query, engine, active }: NetworkListProps) {
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
  const visible = sortNetworks(networks.data).filter((network) => (engine === undefined || network.engine === engine) && networkMatches(network, terms));
  if (visible.length === 0) {
    return <p className="sidebar-note">{query ? 'No network matches the filter.' : 'No networks.'}</p>;
  }
  return (
    <ul className="inventory-list">
      {visible.map((network) => {
        const isActive = active !== null && network.id === active.id && (active.engine === undefined || active.engine === network.engine);
        return (
        <li key={`${network.engine}:${network.id}`}>
          <Link
            to={routePath({ page: 'network', engine: network.engine, id: network.id })}
            className={`inventory-item${isActive ? ' is-active' : ''}`}
            data-testid="network-item"
            data-name={network.name}
            data-engine={network.engine}
            aria-current={isActive ? 'page' : undefined}
          >
            <span className="network-glyph" aria-hidden="true" />
            <span className="inventory-item-text">
              <span className="inventory-item-name">{network.name}</span>
              <span className="inventory-item-secondary">
                {[network.driver === 'overlay' && network.attachable ? 'overlay, attachable' : network.driver, ...network.subnets].join(' · ')}
              </span>
            </span>
            <span className="inventory-item-state" title={`${network.containers.length} containers`}>
              {network.containers.length}
            </span>
          </Link>
        </li>
        );
      })}
    </ul>
  );
}
