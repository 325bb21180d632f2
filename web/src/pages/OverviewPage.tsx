import { ActionButton } from '../components/ActionButton';
import { EngineTable } from '../features/engines/EngineSection';
import { NetstateWarnings } from '../features/netstate/NetstateWarnings';
import { defaultEngine, showEngineLevel } from '../hooks/engine-views';
import { useContainers, useEngineViews, useNetworks, usePermissions, useSessions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';

function count<T>(snapshot: { status: string; data?: T[] }, predicate: (item: T) => boolean = () => true): string {
  return snapshot.status === 'ready' && snapshot.data ? String(snapshot.data.filter(predicate).length) : '–';
}

/** The landing page: what is there, and how to start. */
export function OverviewPage() {
  const containers = useContainers();
  const networks = useNetworks();
  const sessions = useSessions();
  const views = useEngineViews();
  const { start, pending } = useStartSession();
  const several = showEngineLevel(views);
  const down = views.filter((v) => v.reachable === false);
  const onlyEngine = defaultEngine(views);
  const admin = usePermissions().isAdmin;

  return (
    <article className="detail-page overview">
      <header className="detail-header">
        <h1 className="detail-title">Overview</h1>
        <p className="detail-subtitle">A shell with network tools, inside any container’s network.</p>
      </header>
      {!several && down.length > 0 && (
        <p className="callout callout-danger">
          The Docker engine is unreachable{down[0]?.error ? ` (${down[0].error})` : ''}. Lists may be stale and new shells cannot start until it is back.
        </p>
      )}
      {several && down.length > 0 && (
        <p className="callout callout-danger">
          {down.length === 1 ? `Engine ${down[0]!.name} is` : `Engines ${down.map((v) => v.name).join(', ')} are`} unreachable: their objects are
          missing from the lists. The other engines work as usual.
        </p>
      )}
      {several && <EngineTable views={views} />}
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
        {admin && !several && (
          <ActionButton variant="secondary" busy={pending} onClick={() => start(onlyEngine ? { kind: 'host', engine: onlyEngine } : { kind: 'host' })}>
            Open a host shell
          </ActionButton>
        )}
        {admin && several && <p className="muted">Host shells: open an engine (its name in the list) and use “Host shell”.</p>}
      </section>
    </article>
  );
}
