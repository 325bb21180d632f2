import { ActionButton } from '../components/ActionButton';
import { Badge } from '../components/Badge';
import { DetailList } from '../components/DetailList';
import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { nodeBlockedReason, nodeState, nodeTone } from '../features/kubernetes/kube-tree';
import { SessionLinks } from '../features/sessions/SessionLinks';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { KUBERNETES_CAVEAT } from '../hooks/engine-views';
import { useEngineViews, useKubeNodes, useKubePods, usePermissions, useSessions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';
import { EngineMissing } from './EngineMissing';

/**
 * A Kubernetes node: its addresses and readiness, the pods on it, and (admins, like a host shell)
 * a shell in its network namespace: a short-lived hostNetwork pod pinned to it, deleted when the
 * session ends.
 */
export function KubeNodePage({ engine, node: name }: { engine: string; node: string }) {
  const nodes = useKubeNodes();
  const pods = useKubePods();
  const sessions = useSessions();
  const views = useEngineViews();
  const { start, pending } = useStartSession();
  const { canOperate, isAdmin } = usePermissions();

  if (nodes.status === 'loading') return <EmptyState title="Loading nodes…" />;
  if (nodes.status === 'failed') return <EmptyState title="Could not list nodes">{nodes.error.message}</EmptyState>;
  const node = nodes.data.find((n) => n.engine === engine && n.name === name);
  if (!node) {
    return (
      <EngineMissing engine={engine} views={views} what="node">
        <EmptyState title="Node not found">
          <p>Cluster {engine} lists no node {name} now.</p>
        </EmptyState>
      </EngineMissing>
    );
  }
  const blocked = nodeBlockedReason(node);
  const onNode = (pods.status === 'ready' ? pods.data : []).filter((p) => p.engine === engine && p.node === name && !p.toolbox).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const nodeSessions = (sessions.status === 'ready' ? sessions.data : []).filter((s) => s.target.kind === 'node' && s.target.engine === engine && s.target.node === name);
  const target = { kind: 'node' as const, engine, node: name };

  return (
    <article className="detail-page" data-testid="kube-node-page" data-engine={engine} data-node={name}>
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">Node {name}</h1>
          <Badge tone={nodeTone(node)}>{nodeState(node)}</Badge>
        </div>
        <p className="detail-subtitle">
          Cluster <Link to={routePath({ page: 'engine', engine })}>{engine}</Link>
          {node.kubeletVersion ? ` · kubelet ${node.kubeletVersion}` : ''}
        </p>
      </header>
      {isAdmin && canOperate && (
        <>
          <section className="detail-actions" aria-label="Open a shell">
            <ActionButton testId="shell-node" variant="secondary" busy={pending} blockedReason={blocked} onClick={() => start(target)}>
              Shell on node {name}
            </ActionButton>
            {pending && <span className="action-progress">Starting a pod on the node…</span>}
          </section>
          <p className="detail-hint">A short-lived pod with hostNetwork, pinned to this node: the node’s interfaces, routes and iptables. Deleted when the session ends.</p>
        </>
      )}
      <DetailList
        rows={[
          { label: 'State', value: nodeState(node) },
          { label: 'Addresses', value: node.addresses.map((a) => `${a.type} ${a.address}`).join(', ') || '—' },
          {
            label: 'Pods',
            value:
              onNode.length === 0 ? (
                '—'
              ) : (
                <ul className="plain-list">
                  {onNode.map((p) => (
                    <li key={p.uid}>
                      <Link to={routePath({ page: 'pod', engine, namespace: p.namespace, pod: p.name })}>
                        {p.namespace}/{p.name}
                      </Link>
                    </li>
                  ))}
                </ul>
              ),
          },
          { label: 'Sessions', value: <SessionLinks sessions={nodeSessions} /> },
        ]}
      />
      <p className="detail-hint" data-testid="kubernetes-caveat">
        {KUBERNETES_CAVEAT}
      </p>
      {isAdmin && canOperate && <ToolLauncher context={{ target, host: true, blockedReason: blocked }} />}
      {isAdmin && canOperate && <CapturePanel target={target} blockedReason={blocked} />}
    </article>
  );
}
