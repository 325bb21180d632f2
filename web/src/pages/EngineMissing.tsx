import type { ReactNode } from 'react';
import { EmptyState } from '../components/EmptyState';
import { engineProblem, type EngineView } from '../hooks/engine-views';

/**
 * What a page says when the object its link names is not listed: when that is because its engine
 * is down or unknown, that (with the engine's error), rather than "not found".
 */
export function EngineMissing({ engine, views, what, children }: { engine: string | undefined; views: readonly EngineView[]; what: string; children: ReactNode }) {
  if (engine === undefined || views.length === 0) return <>{children}</>;
  const view = views.find((v) => v.name === engine);
  if (!view) {
    return (
      <EmptyState title={`No engine named ${engine}`}>
        <p>This console has {views.map((v) => v.name).join(', ')}. The link may come from another console.</p>
      </EmptyState>
    );
  }
  const problem = engineProblem(view);
  if (!problem) return <>{children}</>;
  return (
    <EmptyState title={`The ${what}’s engine is unreachable`}>
      <p data-testid="engine-problem">{problem}</p>
    </EmptyState>
  );
}
