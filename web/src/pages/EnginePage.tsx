import { ActionButton } from '../components/ActionButton';
import { EmptyState } from '../components/EmptyState';
import { EngineFacts, EngineHeader } from '../features/engines/EngineSection';
import { useContainers, useEngineViews, useNetworks, usePermissions } from '../hooks/use-console-data';
import { useStartSession } from '../hooks/use-start-session';
import { routePath } from '../routing/routes';
import { Link } from '../routing/RouterContext';

/** One engine: its health and place in a Swarm, and (admins) a shell in its host's network namespace. */
export function EnginePage({ engine }: { engine: string }) {
  const views = useEngineViews();
  const containers = useContainers();
  const networks = useNetworks();
  const { isAdmin, canOperate } = usePermissions();
  const { start, pending } = useStartSession();
  const view = views.find((v) => v.name === engine);
  if (!view) {
    return views.length === 0 ? (
      <EmptyState title="Loading engines…" />
    ) : (
      <EmptyState title={`No engine named ${engine}`}>
        <p>This console has {views.map((v) => v.name).join(', ')}.</p>
      </EmptyState>
    );
  }
  const count = <T extends { engine: string }>(list: { status: string; data?: T[] }) =>
    list.status === 'ready' && list.data && view.reachable !== false ? list.data.filter((item) => item.engine === engine && !('toolbox' in item && item.toolbox)).length : undefined;
  return (
    <article className="detail-page" data-testid="engine-page" data-engine={engine}>
      <EngineHeader view={view} />
      {view.reachable === false && (
        <p className="callout callout-danger" data-testid="engine-problem">
          Engine {engine} is unreachable{view.error ? `: ${view.error.replace(/[.\s]+$/, '')}` : ''}. Its containers and networks are not listed, and no shell can start on it until it is back; the
          other engines work as usual.
        </p>
      )}
      {isAdmin && canOperate && (
        <section className="detail-actions" aria-label="Open a shell">
          <ActionButton testId="host-shell" variant="secondary" busy={pending} blockedReason={view.reachable === false ? 'The engine is unreachable.' : null} onClick={() => start({ kind: 'host', engine })}>
            Host shell on {engine}
          </ActionButton>
        </section>
      )}
      <EngineFacts view={view} containers={count(containers)} networks={count(networks)} />
      <p>
        <Link to={routePath({ page: 'topology', engine })} data-testid="engine-topology">
          Topology map of {engine}
        </Link>
      </p>
    </article>
  );
}
