import type { ContainerSummary, PortMapping } from '@sonde/shared';
import { useContainers, useMe, useNetworks, useSessions } from '../../api/console-context';
import { canOperate } from '../auth/permissions';
import { ActionButton } from '../../components/ActionButton';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { EmptyState } from '../../components/EmptyState';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { sessionTitle } from '../sessions/session-labels';
import { useStartSession } from '../sessions/use-start-session';
import { CapturePanel } from '../captures/CapturePanel';
import { NetstateWarnings } from '../netstate/NetstateWarnings';
import { ToolLauncher } from '../tools/ToolLauncher';
import { containerStateTone, shellBlockedReason } from './container-inventory';

function portLabel(port: PortMapping): string {
  const inside = `${port.privatePort}/${port.protocol}`;
  if (port.publicPort === undefined) return inside;
  return `${port.ip ? `${port.ip}:` : ''}${port.publicPort} → ${inside}`;
}

/** A container in a deep link: the full id, or a name or id prefix as typed by a user. */
function findContainer(containers: readonly ContainerSummary[], ref: string): ContainerSummary | undefined {
  return (
    containers.find((c) => c.id === ref) ??
    containers.find((c) => c.name === ref) ??
    (ref.length >= 4 ? containers.find((c) => c.id.startsWith(ref)) : undefined)
  );
}

function LabelList({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <>—</>;
  // Collapsed: Compose alone adds a dozen labels nobody needs to see by default.
  return (
    <details className="label-list">
      <summary>{entries.length === 1 ? '1 label' : `${entries.length} labels`}</summary>
      <ul className="plain-list mono">
        {entries.map(([key, value]) => (
          <li key={key}>
            <span className="muted">{key}=</span>
            {value}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ContainerPage({ id }: { id: string }) {
  const containers = useContainers();
  const networks = useNetworks();
  const sessions = useSessions();
  const { start, pending } = useStartSession();
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const operate = canOperate(useMe());

  if (containers.status === 'loading') return <EmptyState title="Loading container…" />;
  if (containers.status === 'failed') {
    return <EmptyState title="Could not list containers">{containers.error.message}</EmptyState>;
  }
  const container = findContainer(containers.data, id);
  if (!container) {
    return (
      <EmptyState title="Container not found">
        <p>It may have been removed. The list on the left is live.</p>
      </EmptyState>
    );
  }

  const blocked = shellBlockedReason(container);
  const networkIds = new Map((networks.status === 'ready' ? networks.data : []).map((n) => [n.name, n.id]));
  const containerSessions = (sessions.status === 'ready' ? sessions.data : []).filter(
    (s) => s.target.kind === 'container' && s.target.containerId === container.id,
  );

  return (
    <article className="detail-page">
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">{container.name}</h1>
          <Badge tone={containerStateTone(container.state)}>{container.state}</Badge>
          {container.toolbox && <Badge tone="info">Sonde toolbox</Badge>}
        </div>
        <p className="detail-subtitle mono">{container.image}</p>
      </header>
      <NetstateWarnings containerId={container.id} />

      {operate && <section className="detail-actions" aria-label="Open a shell">
        <ActionButton
          testId="shell-net"
          blockedReason={blocked}
          busy={pending}
          onClick={() => start({ kind: 'container', container: container.id })}
        >
          Shell in its network
        </ActionButton>
        <ActionButton
          testId="shell-pid"
          variant="secondary"
          blockedReason={blocked}
          busy={pending}
          onClick={() => start({ kind: 'container', container: container.id, sharePid: true })}
        >
          …with its processes
        </ActionButton>
        {pending && <span className="action-progress">Starting toolbox…</span>}
      </section>}
      {operate && <p className="detail-hint">
        The toolbox joins the container’s network namespace: same interfaces, IPs, routes and DNS. “With its
        processes” also shares its PID namespace, so <code>ps</code>, <code>strace</code> and{' '}
        <code>/proc/&lt;pid&gt;</code> see the app.
      </p>}

      <DetailList
        rows={[
          { label: 'Status', value: container.status },
          { label: 'ID', value: <code className="mono">{container.id}</code> },
          {
            label: 'Compose',
            value: container.compose ? `${container.compose.project} / ${container.compose.service}` : '—',
          },
          {
            label: 'Networks',
            value:
              container.networks.length === 0 ? (
                '—'
              ) : (
                <ul className="plain-list">
                  {container.networks.map((network) => {
                    const networkId = networkIds.get(network.name);
                    return (
                      <li key={network.name}>
                        {networkId ? (
                          <Link to={routePath({ page: 'network', id: networkId })}>{network.name}</Link>
                        ) : (
                          network.name
                        )}
                        {network.ipv4 && <span className="mono muted"> {network.ipv4}</span>}
                      </li>
                    );
                  })}
                </ul>
              ),
          },
          {
            label: 'Ports',
            value:
              container.ports.length === 0 ? (
                '—'
              ) : (
                <ul className="plain-list mono">
                  {container.ports.map((port, index) => (
                    // Docker lists a port once per address family, so labels can repeat.
                    <li key={`${index}:${portLabel(port)}`}>{portLabel(port)}</li>
                  ))}
                </ul>
              ),
          },
          {
            label: 'Labels',
            value: <LabelList labels={container.labels} />,
          },
          {
            label: 'Sessions',
            value:
              containerSessions.length === 0 ? (
                '—'
              ) : (
                <ul className="plain-list">
                  {containerSessions.map((session) => (
                    <li key={session.id}>
                      <Link to={routePath({ page: 'session', id: session.id })}>{sessionTitle(session.target)}</Link>
                      <span className="muted"> {session.state}</span>
                    </li>
                  ))}
                </ul>
              ),
          },
        ]}
      />

      {operate && <ToolLauncher context={{ target: { kind: 'container', container: container.id }, container, blockedReason: blocked }} />}
      {operate && <CapturePanel target={{ kind: 'container', container: container.id }} blockedReason={blocked} />}
    </article>
  );
}
