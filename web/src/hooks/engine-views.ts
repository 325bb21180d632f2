/**
 * What the browser says of each engine: GET /api/engines (order, version, Swarm role) merged with
 * the health the event stream pushes (fresher reachability and error), and whether the last
 * inventory replies left it out. Also whether the sidebar needs an engine level at all.
 */
import type { EngineInfo, Health } from '@sonde/shared';

/** How an engine's dot is coloured (the same names as the components' tones). */
export type EngineTone = 'ok' | 'warn' | 'danger' | 'info';

export interface EngineView {
  name: string;
  /** Unknown until GET /api/engines or a health report says. */
  reachable: boolean | undefined;
  version?: string;
  /** Why it is unreachable (the server's sentence: the address tried and the error). */
  error?: string;
  role?: 'manager' | 'worker';
  source?: EngineInfo['source'];
  /** Admins only: where it is. */
  endpoint?: string;
  /** The last containers, networks or Swarm reply did not include it (down, or too slow to answer). */
  leftOut: boolean;
}

export function engineViews(engines: readonly EngineInfo[] | undefined, health: Health | undefined, leftOut: readonly string[] = []): EngineView[] {
  const pushed = new Map((health?.engines ?? []).map((e) => [e.name, e]));
  const missing = new Set(leftOut);
  // Engines the list does not know yet (it loads after the health) still show, from the health.
  const names = [...(engines ?? []).map((e) => e.name), ...(health?.engines ?? []).map((e) => e.name)].filter((name, i, all) => all.indexOf(name) === i);
  return names.map((name) => {
    const info = engines?.find((e) => e.name === name);
    const live = pushed.get(name);
    const reachable = live?.reachable ?? info?.reachable;
    // The list's error when it agrees the engine is down: it is fetched (the server probing every
    // engine) right after each pushed change, so it says why now ("connect ECONNREFUSED …"); the
    // pushed one is the first failure's ("aborted", when its event stream broke).
    const error = reachable === false ? ((info?.reachable === false ? info.error : undefined) ?? live?.error) : undefined;
    const version = live?.version ?? info?.version;
    return {
      name,
      reachable,
      ...(version ? { version } : {}),
      ...(error ? { error } : {}),
      ...(info?.swarm ? { role: info.swarm.role } : {}),
      ...(info ? { source: info.source } : {}),
      ...(info?.endpoint ? { endpoint: info.endpoint } : {}),
      leftOut: missing.has(name),
    };
  });
}

/**
 * One engine: no engine level in the sidebar (today's flat look: an engine heading over the one
 * list would only push the containers down). Several (configured, or found as Swarm nodes): every object
 * sits under the engine it is on, so two containers named alike on two hosts are never confused.
 */
export function showEngineLevel(views: readonly EngineView[]): boolean {
  return views.length > 1;
}

/** The engine's state in a few words, and a tone for its dot. */
export function engineState(view: EngineView): { text: string; tone: EngineTone } {
  if (view.reachable === false) return { text: 'unreachable', tone: 'danger' };
  if (view.leftOut) return { text: 'not answering', tone: 'warn' };
  if (view.reachable === undefined) return { text: 'checking…', tone: 'info' };
  return { text: 'reachable', tone: 'ok' };
}

/** `Docker 26.1.5 · Swarm manager`: the facts beside its name. */
export function engineFacts(view: EngineView): string {
  return [view.version ? `Docker ${view.version}` : undefined, view.role ? `Swarm ${view.role}` : undefined].filter(Boolean).join(' · ');
}

/**
 * The banner in an engine's section when its objects are missing, or null when they are there:
 * says which engine and why, so an empty section is never mistaken for an empty host.
 */
export function engineProblem(view: EngineView): string | null {
  if (view.reachable === false) return `Engine ${view.name} is unreachable${view.error ? `: ${view.error.replace(/[.\s]+$/, '')}` : ''}. Its containers and networks are not listed; the other engines’ are.`;
  if (view.leftOut) return `Engine ${view.name} did not answer in time, so its objects are left out of the lists for now.`;
  return null;
}

/** The engine a target should name: the one an object is on, or the only engine there is. */
export function defaultEngine(views: readonly EngineView[]): string | undefined {
  return views.length === 1 ? views[0]!.name : undefined;
}
