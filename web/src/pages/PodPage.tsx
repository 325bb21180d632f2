import type { KubePod, SessionInfo, TargetRequest } from '@sonde/shared';
import { useState } from 'react';
import { ActionButton } from '../components/ActionButton';
import { Badge } from '../components/Badge';
import { DetailList } from '../components/DetailList';
import { EmptyState } from '../components/EmptyState';
import { CapturePanel } from '../features/captures/CapturePanel';
import { defaultTargetContainer, findPod, hasToolbox, podBlockedReason, podTone, targetContainers } from '../features/kubernetes/kube-tree';
import { SessionLinks } from '../features/sessions/SessionLinks';
import { ToolLauncher } from '../features/tools/ToolLauncher';
import { KUBERNETES_CAVEAT } from '../hooks/engine-views';
import { useEngineViews, useKubeNamespaces, useKubePods, usePermissions, useSessions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';
import { EngineMissing } from './EngineMissing';

interface PodPageProps {
  engine: string;
  namespace: string;
  pod: string;
}

/**
 * A Kubernetes pod, like a container's page: a shell in the pod (Sonde's ephemeral container,
 * seeing the processes of the container picked), tools and captures there. The target names the
 * pod by namespace and name, so a link opens the pod of that name as it is now.
 */
export function PodPage({ engine, namespace, pod: name }: PodPageProps) {
  const pods = useKubePods();
  const namespaces = useKubeNamespaces();
  const sessions = useSessions();
  const views = useEngineViews();
  const { start, pending } = useStartSession();
  const { canOperate } = usePermissions();
  const [picked, setPicked] = useState<string | undefined>(undefined);

  if (pods.status === 'loading') return <EmptyState title="Loading pods…" />;
  if (pods.status === 'failed') return <EmptyState title="Could not list pods">{pods.error.message}</EmptyState>;
  const pod = findPod(pods.data, engine, namespace, name);
  if (!pod) {
    return (
      <EngineMissing engine={engine} views={views} what="pod">
        <EmptyState title="Pod not found">
          <p>Cluster {engine} lists no pod {namespace}/{name} now. The cluster on the left is live.</p>
        </EmptyState>
      </EngineMissing>
    );
  }
  const namespaceDenied = namespaces.status === 'ready' && namespaces.data.some((n) => n.engine === engine && n.name === namespace && n.labels['sonde.deny'] === 'true');
  const blocked = podBlockedReason(pod, namespaceDenied);
  const container = picked && targetContainers(pod).includes(picked) ? picked : defaultTargetContainer(pod);
  const target: TargetRequest = { kind: 'pod', engine, namespace, pod: name, ...(container ? { container } : {}) };
  const podSessions = (sessions.status === 'ready' ? sessions.data : []).filter((s) => isSessionIn(s, engine, namespace, name));

  return (
    <article className="detail-page" data-testid="pod-page" data-engine={engine} data-namespace={namespace} data-pod={name}>
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">
            Pod {namespace}/{name}
          </h1>
          <Badge tone={podTone(pod)}>{pod.phase}</Badge>
          {pod.hostNetwork && <Badge tone="warn">hostNetwork</Badge>}
        </div>
        <p className="detail-subtitle">
          Cluster <Link to={routePath({ page: 'engine', engine })}>{engine}</Link>
          {pod.node && (
            <>
              {' '}
              · node <Link to={routePath({ page: 'kube-node', engine, node: pod.node })}>{pod.node}</Link>
            </>
          )}
        </p>
      </header>
      {canOperate && (
        <>
          <section className="detail-actions" aria-label="Open a shell">
            {targetContainers(pod).length > 1 && (
              <label className="inline-field">
                Processes of{' '}
                <select data-testid="pod-container" value={container} onChange={(event) => setPicked(event.target.value)}>
                  {targetContainers(pod).map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <ActionButton testId="shell-pod" blockedReason={blocked} busy={pending} onClick={() => start(target)}>
              Shell in this pod
            </ActionButton>
            {pending && <span className="action-progress">Starting toolbox…</span>}
          </section>
          <EphemeralNote pod={pod} />
        </>
      )}
      <DetailList
        rows={[
          { label: 'Phase', value: pod.phase },
          { label: 'Pod IP', value: pod.podIP ? <code className="mono">{pod.podIP}</code> : '—' },
          { label: 'Node', value: pod.node ?? '—' },
          { label: 'Containers', value: <PodContainers pod={pod} /> },
          { label: 'Labels', value: Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '—' },
          { label: 'Sessions', value: <SessionLinks sessions={podSessions} /> },
        ]}
      />
      <p className="detail-hint" data-testid="kubernetes-caveat">
        {KUBERNETES_CAVEAT}
      </p>
      {canOperate && <ToolLauncher context={{ target, blockedReason: blocked }} />}
      {canOperate && <CapturePanel target={target} blockedReason={blocked} />}
    </article>
  );
}

/**
 * The warning, given before the first shell adds Sonde's ephemeral container to the pod: the
 * Kubernetes API has no way to remove one. Once it is there, later shells exec in it.
 */
function EphemeralNote({ pod }: { pod: KubePod }) {
  if (hasToolbox(pod)) {
    return (
      <p className="detail-hint" data-testid="ephemeral-present">
        Sonde’s ephemeral container is already in this pod: a new shell runs in it, nothing is added.
      </p>
    );
  }
  return (
    <p className="callout callout-warn" role="note" data-testid="ephemeral-warning">
      A shell adds Sonde’s ephemeral container to this pod, sharing its network and seeing the processes of the container picked. Kubernetes
      cannot remove an ephemeral container: it stays in the pod (idle once the shell ends) until the pod is deleted. Later shells reuse it.
    </p>
  );
}

function PodContainers({ pod }: { pod: KubePod }) {
  return (
    <ul className="plain-list">
      {pod.containers.map((c) => (
        <li key={`${c.role}-${c.name}`} data-testid="pod-container-state" data-name={c.name} data-state={c.state}>
          <code className="mono">{c.name}</code> {c.role !== 'main' && `(${c.toolbox ? 'Sonde toolbox' : c.role}) `}
          {c.state}
          {c.reason ? ` (${c.reason})` : ''}
          {c.restartCount > 0 ? ` · ${c.restartCount} restarts` : ''}
        </li>
      ))}
    </ul>
  );
}

function isSessionIn(session: SessionInfo, engine: string, namespace: string, pod: string): boolean {
  const t = session.target;
  return t.kind === 'pod' && t.engine === engine && t.namespace === namespace && t.pod === pod;
}
