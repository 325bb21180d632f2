import { StatusDot } from '../../components/Badge';
import { useKubeNamespaces, useKubeNodes, useKubePods } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { clusterBranch, nodeState, nodeTone, podTone } from './kube-tree';

interface KubernetesTreeProps {
  /** The Kubernetes engine (cluster) whose objects these are. */
  engine: string;
  query: string;
  showToolboxes: boolean;
  /** The pod or node the page shows, if any. */
  active: { kind: 'pod'; namespace: string; pod: string } | { kind: 'node'; node: string } | null;
}

/** The sidebar's view of one cluster: namespaces → pods, then nodes; each a link to its page. */
export function KubernetesTree({ engine, query, showToolboxes, active }: KubernetesTreeProps) {
  const namespaces = useKubeNamespaces();
  const pods = useKubePods();
  const nodes = useKubeNodes();
  if (namespaces.status === 'loading' || pods.status === 'loading' || nodes.status === 'loading') return <p className="sidebar-note">Loading the cluster…</p>;
  const failed = [namespaces, pods, nodes].find((r) => r.status === 'failed');
  if (failed?.status === 'failed') {
    return (
      <p className="sidebar-note sidebar-note-error" title={failed.error.code}>
        {failed.error.message}
      </p>
    );
  }
  const branch = clusterBranch(
    engine,
    namespaces.status === 'ready' ? namespaces.data : [],
    pods.status === 'ready' ? pods.data : [],
    nodes.status === 'ready' ? nodes.data : [],
    query,
    showToolboxes,
  );
  return (
    <div className="kube-tree" data-testid="kube-tree" data-engine={engine}>
      <div className="inventory-group-label">
        <span>Namespaces</span>
        <span className="count">{branch.namespaces.length}</span>
      </div>
      {branch.namespaces.length === 0 && <p className="sidebar-note">{query ? 'No namespace or pod matches the filter.' : 'No namespaces.'}</p>}
      {branch.namespaces.map(({ namespace, denied, pods: inNamespace }) => (
        <div className="swarm-service" key={namespace} data-testid="kube-namespace" data-name={namespace}>
          <div className="swarm-service-label" title={denied ? 'Labelled sonde.deny=true: no shells here' : undefined}>
            <span className="inventory-item-name">{namespace}</span>
            <span className="count">{denied ? 'denied' : inNamespace.length}</span>
          </div>
          <ul className="inventory-list">
            {inNamespace.map((pod) => {
              const isActive = active?.kind === 'pod' && active.namespace === namespace && active.pod === pod.name;
              return (
                <li key={pod.uid}>
                  <Link
                    to={routePath({ page: 'pod', engine, namespace, pod: pod.name })}
                    className={`inventory-item${isActive ? ' is-active' : ''}`}
                    data-testid="kube-pod"
                    data-namespace={namespace}
                    data-name={pod.name}
                    data-phase={pod.phase}
                    aria-current={isActive ? 'page' : undefined}
                  >
                    <StatusDot tone={podTone(pod)} label={pod.phase} />
                    <span className="inventory-item-text">
                      <span className="inventory-item-name">{pod.name}</span>
                      <span className="inventory-item-secondary">{[pod.node, pod.podIP, pod.hostNetwork ? 'hostNetwork' : undefined].filter(Boolean).join(' · ')}</span>
                    </span>
                    {pod.phase !== 'Running' && <span className="inventory-item-state">{pod.phase}</span>}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <div className="inventory-group-label">
        <span>Nodes</span>
        <span className="count">{branch.nodes.length}</span>
      </div>
      <ul className="inventory-list">
        {branch.nodes.map((node) => {
          const isActive = active?.kind === 'node' && active.node === node.name;
          return (
            <li key={node.name}>
              <Link
                to={routePath({ page: 'kube-node', engine, node: node.name })}
                className={`inventory-item${isActive ? ' is-active' : ''}`}
                data-testid="kube-node"
                data-name={node.name}
                data-ready={String(node.ready)}
                aria-current={isActive ? 'page' : undefined}
              >
                <StatusDot tone={nodeTone(node)} label={nodeState(node)} />
                <span className="inventory-item-text">
                  <span className="inventory-item-name">{node.name}</span>
                  <span className="inventory-item-secondary">{node.addresses.find((a) => a.type === 'InternalIP')?.address ?? node.addresses[0]?.address ?? ''}</span>
                </span>
                {!node.ready && <span className="inventory-item-state">NotReady</span>}
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
