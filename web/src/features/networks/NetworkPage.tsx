import type { NetworkSummary } from '@sonde/shared';
import { useRef, useState } from 'react';
import { useConsoleData, useContainers, useMe, useNetworks } from '../../api/console-context';
import { canOperate } from '../auth/permissions';
import { ActionButton } from '../../components/ActionButton';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { EmptyState } from '../../components/EmptyState';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { useStartSession } from '../sessions/use-start-session';
import { CapturePanel } from '../captures/CapturePanel';
import { ToolLauncher } from '../tools/ToolLauncher';
import { joinBlockedReason } from './network-inventory';

function findNetwork(networks: readonly NetworkSummary[], ref: string): NetworkSummary | undefined {
  return (
    networks.find((n) => n.id === ref) ??
    networks.find((n) => n.name === ref) ??
    (ref.length >= 4 ? networks.find((n) => n.id.startsWith(ref)) : undefined)
  );
}

export function NetworkPage({ id }: { id: string }) {
  const networks = useNetworks();
  const containers = useContainers();
  const { start, pending } = useStartSession();
  const data = useConsoleData();
  const [pingError, setPingError] = useState<string | null>(null);
  const [pinging, setPinging] = useState(false);
  const toolsRef = useRef<HTMLDivElement>(null);
  // Viewers browse: the server refuses them shells, tools and captures, so none are offered.
  const operate = canOperate(useMe());

  if (networks.status === 'loading') return <EmptyState title="Loading network…" />;
  if (networks.status === 'failed') {
    return <EmptyState title="Could not list networks">{networks.error.message}</EmptyState>;
  }
  const network = findNetwork(networks.data, id);
  if (!network) {
    return (
      <EmptyState title="Network not found">
        <p>It may have been removed. The list on the left is live.</p>
      </EmptyState>
    );
  }
  const known = new Set((containers.status === 'ready' ? containers.data : []).map((c) => c.id));
  const members = [...network.containers].sort((a, b) => a.name.localeCompare(b.name));
  const memberIps = members.map((m) => m.ipv4).filter((ip): ip is string => Boolean(ip)).slice(0, 64);

  // One fping run in this network's namespace; it appears in the tools panel below.
  const pingMembers = () => {
    setPinging(true);
    setPingError(null);
    data
      .startRun({ tool: 'ping-members', target: { kind: 'network', network: network.id }, params: { hosts: memberIps.join(',') } })
      // The run shows in the tools panel further down: bring it into view.
      .then(() => toolsRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' }))
      .catch((error: Error) => setPingError(error.message))
      .finally(() => setPinging(false));
  };

  return (
    <article className="detail-page">
      <header className="detail-header">
        <div className="detail-title-row">
          <h1 className="detail-title">{network.name}</h1>
          <Badge tone="info">{network.driver}</Badge>
          {network.internal && <Badge tone="warn">internal</Badge>}
        </div>
        <p className="detail-subtitle mono">{network.subnets.join(', ') || 'no IPv4 subnet'}</p>
      </header>

      {operate && <section className="detail-actions" aria-label="Open a shell">
        <ActionButton
          testId="join-network"
          blockedReason={joinBlockedReason(network)}
          busy={pending}
          onClick={() => start({ kind: 'network', network: network.id })}
        >
          Join network
        </ActionButton>
        {pending && <span className="action-progress">Starting toolbox…</span>}
      </section>}
      <p className="detail-hint">
        Starts a toolbox attached to this network: it resolves service names through Docker’s DNS and reaches
        members the way they reach each other.
      </p>

      <DetailList
        rows={[
          { label: 'ID', value: <code className="mono">{network.id}</code> },
          { label: 'Scope', value: network.scope },
          { label: 'Internal', value: network.internal ? 'yes (no outside connectivity)' : 'no' },
        ]}
      />

      <h2 className="section-title">
        Containers <span className="count">{members.length}</span>
      </h2>
      {operate && <div className="detail-actions">
        <ActionButton
          testId="ping-members"
          blockedReason={memberIps.length === 0 ? 'No member has an IPv4 address on this network.' : joinBlockedReason(network)}
          busy={pinging}
          onClick={pingMembers}
        >
          Ping every member from here
        </ActionButton>
        {pingError && (
          <span className="callout callout-danger" role="alert">
            {pingError}
          </span>
        )}
      </div>}
      {members.length === 0 ? (
        <p className="muted">No containers are attached.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">IPv4</th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.id}>
                <td>
                  {known.has(member.id) ? (
                    <Link to={routePath({ page: 'container', id: member.id })}>{member.name}</Link>
                  ) : (
                    member.name
                  )}
                </td>
                <td className="mono">{member.ipv4 ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {operate && <div ref={toolsRef}>
        <ToolLauncher context={{ target: { kind: 'network', network: network.id }, network, blockedReason: joinBlockedReason(network) }} />
      </div>}
      {operate && <CapturePanel target={{ kind: 'network', network: network.id }} blockedReason={joinBlockedReason(network)} />}
    </article>
  );
}
