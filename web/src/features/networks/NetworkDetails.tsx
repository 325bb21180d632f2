/** The parts of a network's page: header, join button, facts, members and the ping-all action. pages/NetworkPage composes them. */
import type { ContainerSummary, NetworkSummary, RunInfo } from '@sonde/shared';
import { ActionButton } from '../../components/ActionButton';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { joinBlockedReason } from './network-inventory';

export function findNetwork(networks: readonly NetworkSummary[], ref: string): NetworkSummary | undefined {
  return (
    networks.find((n) => n.id === ref) ??
    networks.find((n) => n.name === ref) ??
    (ref.length >= 4 ? networks.find((n) => n.id.startsWith(ref)) : undefined)
  );
}

export function NetworkHeader({ network }: { network: NetworkSummary }) {
  return (
    <header className="detail-header">
      <div className="detail-title-row">
        <h1 className="detail-title">{network.name}</h1>
        <Badge tone="info">{network.driver}</Badge>
        {network.internal && <Badge tone="warn">internal</Badge>}
      </div>
      <p className="detail-subtitle mono">{network.subnets.join(', ') || 'no IPv4 subnet'}</p>
    </header>
  );
}

export function NetworkJoinAction({ network, pending, onJoin }: { network: NetworkSummary; pending: boolean; onJoin(): void }) {
  return (
    <section className="detail-actions" aria-label="Open a shell">
      <ActionButton testId="join-network" blockedReason={joinBlockedReason(network)} busy={pending} onClick={onJoin}>
        Join network
      </ActionButton>
      {pending && <span className="action-progress">Starting toolbox…</span>}
    </section>
  );
}

export function NetworkFacts({ network }: { network: NetworkSummary }) {
  return (
    <>
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
    </>
  );
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

function memberIps(network: NetworkSummary): string[] {
  return [...network.containers]
    .sort(byName)
    .map((m) => m.ipv4)
    .filter((ip): ip is string => Boolean(ip))
    .slice(0, 64);
}

/** One fping run in this network's namespace; it appears in the tools panel (`onStarted` brings it into view). */
export function PingMembersAction({ network, onStarted }: { network: NetworkSummary; onStarted(run: RunInfo): void }) {
  const data = useConsoleData();
  const ping = usePendingAction();
  const ips = memberIps(network);
  return (
    <div className="detail-actions">
      <ActionButton
        testId="ping-members"
        blockedReason={ips.length === 0 ? 'No member has an IPv4 address on this network.' : joinBlockedReason(network)}
        busy={ping.pending}
        onClick={() =>
          ping.run(() => data.runs.start({ tool: 'ping-members', target: { kind: 'network', network: network.id }, params: { hosts: ips.join(',') } }), onStarted)
        }
      >
        Ping every member from here
      </ActionButton>
      {ping.error && (
        <span className="callout callout-danger" role="alert">
          {ping.error}
        </span>
      )}
    </div>
  );
}

/** The members, linked when Sonde lists the container. */
export function NetworkMembers({ network, containers }: { network: NetworkSummary; containers: readonly ContainerSummary[] }) {
  const known = new Set(containers.map((c) => c.id));
  const members = [...network.containers].sort(byName);
  if (members.length === 0) return <p className="muted">No containers are attached.</p>;
  return (
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
            <td>{known.has(member.id) ? <Link to={routePath({ page: 'container', id: member.id })}>{member.name}</Link> : member.name}</td>
            <td className="mono">{member.ipv4 ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
