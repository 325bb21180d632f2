/** The parts of a network's page: header, join button, facts, members and the ping-all action. pages/NetworkPage composes them. */
import type { ContainerSummary, NetworkSummary, RunInfo } from '@sonde/shared';
import { useState } from 'react';
import { ActionButton } from '../../components/ActionButton';
import { Badge } from '../../components/Badge';
import { DetailList } from '../../components/DetailList';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { joinBlockedReason } from './network-inventory';

/** `showEngine`: the console has several engines, so say which one's view of the network this is. */
export function NetworkHeader({ network, showEngine = false }: { network: NetworkSummary; showEngine?: boolean }) {
  return (
    <header className="detail-header">
      <div className="detail-title-row">
        <h1 className="detail-title">{network.name}</h1>
        <Badge tone="info">{network.driver}</Badge>
        {network.driver === 'overlay' && <Badge tone={network.attachable ? 'ok' : 'muted'}>{network.attachable ? 'attachable' : 'not attachable'}</Badge>}
        {network.internal && <Badge tone="warn">internal</Badge>}
        {showEngine && (
          <span data-testid="object-engine">
            <Badge tone="muted">on {network.engine}</Badge>
          </span>
        )}
      </div>
      <p className="detail-subtitle mono">{network.subnets.join(', ') || 'no IPv4 subnet'}</p>
    </header>
  );
}

export function NetworkJoinAction({ network, pending, onJoin }: { network: NetworkSummary; pending: boolean; onJoin(): void }) {
  return (
    <>
      <section className="detail-actions" aria-label="Open a shell">
        <ActionButton testId="join-network" blockedReason={joinBlockedReason(network)} busy={pending} onClick={onJoin}>
          Join network
        </ActionButton>
        {pending && <span className="action-progress">Starting toolbox…</span>}
      </section>
      <p className="detail-hint">
        Starts a toolbox attached to this network: it resolves service names through Docker’s DNS and reaches
        members the way they reach each other.
      </p>
    </>
  );
}

/** `engines`: every engine that lists this network (an overlay spans nodes), shown when there are several. */
export function NetworkFacts({ network, engines = [] }: { network: NetworkSummary; engines?: readonly string[] }) {
  return (
    <>
      <DetailList
        rows={[
          ...(engines.length > 1 ? [{ label: 'Seen on', value: engines.map((e) => (e === network.engine ? `${e} (this view)` : e)).join(', ') }] : []),
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
          ping.run(() => data.runs.start({ tool: 'ping-members', target: { kind: 'network', engine: network.engine, network: network.id }, params: { hosts: ips.join(',') } }), onStarted)
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

/** The members (on this network's engine), linked when Sonde lists the container. */
export function NetworkMembers({ network, containers }: { network: NetworkSummary; containers: readonly ContainerSummary[] }) {
  const known = new Set(containers.filter((c) => c.engine === network.engine).map((c) => c.id));
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
            <td>{known.has(member.id) ? <Link to={routePath({ page: 'container', engine: network.engine, id: member.id })}>{member.name}</Link> : member.name}</td>
            <td className="mono">{member.ipv4 ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface NamespaceActionProps {
  network: NetworkSummary;
  /** Engines of the nodes where the overlay has a task or endpoint: where its namespace exists. */
  engines: readonly string[];
  /** Opens the session; rejects with the server's refusal (a 403 says why the policy refuses it). */
  onOpen(engine: string): Promise<unknown>;
}

/**
 * "Open the network's namespace" of an overlay, on the node the user picks (the namespace is per
 * node). Offered to every operator: the policy allows it to admins by default, and a refusal is
 * shown here, in the server's words, so the operator learns why and whom to ask.
 */
export function NamespaceAction({ network, engines, onOpen }: NamespaceActionProps) {
  const [picked, setPicked] = useState<string | null>(null);
  const action = usePendingAction();
  const engine = picked !== null && engines.includes(picked) ? picked : (engines.includes(network.engine) ? network.engine : engines[0]);
  const blocked = engine === undefined ? 'No task or endpoint of this overlay runs on a node Sonde has an engine for, so its namespace exists nowhere Sonde can reach.' : null;
  return (
    <section className="detail-actions namespace-action" aria-label="Open the network’s namespace" data-testid="namespace-action">
      <ActionButton testId="open-namespace" variant="secondary" blockedReason={blocked} busy={action.pending} onClick={() => engine && action.run(() => onOpen(engine))}>
        Open the network’s namespace{engines.length === 1 ? ` on ${engine}` : ''}
      </ActionButton>
      {engines.length > 1 && (
        <label className="namespace-engine">
          on the node of engine
          <select value={engine} data-testid="namespace-engine" onChange={(event) => setPicked(event.target.value)}>
            {engines.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {action.error && (
        <span className="callout callout-danger" role="alert" data-testid="namespace-refused">
          {action.error}
        </span>
      )}
    </section>
  );
}
