import { ActionButton } from '../components/ActionButton';
import { NetstateWarnings } from '../features/netstate/NetstateWarnings';
import { useContainers, useHealth, useNetworks, usePermissions, useSessions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';

function count<T>(snapshot: { status: string; data?: T[] }, predicate: (item: T) => boolean = () => true): string {
  return snapshot.status === 'ready' && snapshot.data ? String(snapshot.data.filter(predicate).length) : '–';
}

/** The landing page: what is there, and how to start. */
export function OverviewPage() {
  const containers = useContainers();
  const networks = useNetworks();
  const sessions = useSessions();
  const health = useHealth();
  const { start, pending } = useStartSession();
  const dockerDown = health.status === 'ready' && !health.data.docker.reachable;
  const admin = usePermissions().isAdmin;

  return (
    <article className="detail-page overview">
      <header className="detail-header">
        <h1 className="detail-title">Overview</h1>
        <p className="detail-subtitle">A shell with network tools, inside any container’s network.</p>
      </header>
      {dockerDown && (
        <p className="callout callout-danger">
          The Docker engine is unreachable. Lists may be stale and new shells cannot start until it is back.
        </p>
      )}
      <NetstateWarnings />
      <div className="tiles">
        <div className="tile">
          <span className="tile-value">{count(containers, (c) => c.state === 'running' && !c.toolbox)}</span>
          <span className="tile-label">running containers</span>
        </div>
        <div className="tile">
          <span className="tile-value">{count(networks)}</span>
          <span className="tile-label">networks</span>
        </div>
        <div className="tile">
          <span className="tile-value">{count(sessions, (s) => s.state !== 'exited')}</span>
          <span className="tile-label">open sessions</span>
        </div>
      </div>
      <section className="overview-steps">
        <h2 className="section-title">Start troubleshooting</h2>
        <ol>
          <li>Pick a container on the left and open a shell in its network namespace.</li>
          <li>Or pick a network and join it with a fresh toolbox, to see it the way its members do.</li>
          <li>
            Tools are ready: <code>dig</code>, <code>curl</code>, <code>tcpdump</code>, <code>ss</code>, <code>mtr</code>,{' '}
            <code>iperf3</code>, <code>nmap</code>…
          </li>
        </ol>
        {admin && <ActionButton variant="secondary" busy={pending} onClick={() => start({ kind: 'host' })}>
          Open a host shell
        </ActionButton>}
      </section>
    </article>
  );
}
