/** The parts of a container's page: its header, the shell buttons, and its facts. pages/ContainerPage composes them. */
import type { ContainerSummary, PortMapping } from '@sonde/shared';
import type { ReactNode } from 'react';
import { ActionButton } from '../../components/ActionButton';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { containerStateTone } from './container-inventory';

function portLabel(port: PortMapping): string {
  const inside = `${port.privatePort}/${port.protocol}`;
  if (port.publicPort === undefined) return inside;
  return `${port.ip ? `${port.ip}:` : ''}${port.publicPort} → ${inside}`;
}

/**
 * A container in a deep link: the full id, or a name or id prefix as typed by a user; on the
 * link's engine, or (an old link without one) on any engine.
 */
export function findContainer(all: readonly ContainerSummary[], ref: string, engine?: string): ContainerSummary | undefined {
  const containers = engine === undefined ? all : all.filter((c) => c.engine === engine);
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

/** `showEngine`: the console has several engines, so say which one this container is on. */
export function ContainerHeader({ container, showEngine = false }: { container: ContainerSummary; showEngine?: boolean }) {
  return (
    <header className="detail-header">
      <div className="detail-title-row">
        <h1 className="detail-title">{container.name}</h1>
        <Badge tone={containerStateTone(container.state)}>{container.state}</Badge>
        {showEngine && (
          <span data-testid="object-engine">
            <Badge tone="muted">on {container.engine}</Badge>
          </span>
        )}
        {container.toolbox && <Badge tone="info">Sonde toolbox</Badge>}
      </div>
      <p className="detail-subtitle mono">{container.image}</p>
    </header>
  );
}

interface ContainerShellActionsProps {
  blockedReason: string | null;
  pending: boolean;
  onStart(options: { sharePid: boolean }): void;
}

/** "Shell in its network" and "…with its processes", with why they cannot start when they cannot. */
export function ContainerShellActions({ blockedReason, pending, onStart }: ContainerShellActionsProps) {
  return (
    <>
      <section className="detail-actions" aria-label="Open a shell">
        <ActionButton testId="shell-net" blockedReason={blockedReason} busy={pending} onClick={() => onStart({ sharePid: false })}>
          Shell in its network
        </ActionButton>
        <ActionButton testId="shell-pid" variant="secondary" blockedReason={blockedReason} busy={pending} onClick={() => onStart({ sharePid: true })}>
          …with its processes
        </ActionButton>
        {pending && <span className="action-progress">Starting toolbox…</span>}
      </section>
      <p className="detail-hint">
        The toolbox joins the container’s network namespace: same interfaces, IPs, routes and DNS. “With its
        processes” also shares its PID namespace, so <code>ps</code>, <code>strace</code> and{' '}
        <code>/proc/&lt;pid&gt;</code> see the app.
      </p>
    </>
  );
}

interface ContainerFactsProps {
  container: ContainerSummary;
  /** Network name → id on the container's engine, for links to the networks Sonde lists. */
  networkIds: ReadonlyMap<string, string>;
  /** Shown as the Engine row when the console has several. */
  engine?: ReactNode;
  /** The Swarm task this container runs, linked to its page, when it is one. */
  task?: ReactNode;
  /** The "Sessions" row: the sessions open on this container. */
  sessions: ReactNode;
}

export function ContainerFacts({ container, networkIds, sessions, engine, task }: ContainerFactsProps) {
  return (
    <DetailList
      rows={[
        ...(engine ? [{ label: 'Engine', value: engine }] : []),
        ...(task ? [{ label: 'Swarm task', value: task }] : []),
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
                      {networkId ? <Link to={routePath({ page: 'network', engine: container.engine, id: networkId })}>{network.name}</Link> : network.name}
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
        { label: 'Labels', value: <LabelList labels={container.labels} /> },
        { label: 'Sessions', value: sessions },
      ]}
    />
  );
}
