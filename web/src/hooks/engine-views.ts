/**
 * What the browser says of each engine: GET /api/engines (order, version, Swarm role) merged with
 * the health the event stream pushes (fresher reachability and error), and whether the last
 * inventory replies left it out. Also whether the sidebar needs an engine level at all.
 */
import type { EngineInfo, Health, ToolboxImageStatus } from '@sonde/shared';

/** How an engine's dot is coloured (the same names as the components' tones). */
export type EngineTone = 'ok' | 'warn' | 'danger' | 'info';

export interface EngineView {
  name: string;
  /** A Docker engine or a Kubernetes cluster (unknown until GET /api/engines answers: shown as Docker). */
  kind?: EngineInfo['kind'];
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
  /** Docker engines: the toolbox image there (being pulled, a failed pull, missing), once the server looked. */
  toolboxImage?: ToolboxImageStatus;
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
      ...(info ? { kind: info.kind } : {}),
      ...(version ? { version } : {}),
      ...(error ? { error } : {}),
      ...(info?.swarm ? { role: info.swarm.role } : {}),
      ...(info ? { source: info.source } : {}),
      ...(info?.endpoint ? { endpoint: info.endpoint } : {}),
      ...(info?.toolboxImage ? { toolboxImage: info.toolboxImage } : {}),
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

/** `Docker 26.1.5 · Swarm manager`, `Kubernetes v1.30.2`: the facts beside its name. */
export function engineFacts(view: EngineView): string {
  return [view.version ? `${engineProduct(view)} ${view.version}` : view.kind === 'kubernetes' ? 'Kubernetes' : undefined, view.role ? `Swarm ${view.role}` : undefined].filter(Boolean).join(' · ');
}

export function engineProduct(view: EngineView): string {
  return view.kind === 'kubernetes' ? 'Kubernetes' : 'Docker';
}

/**
 * What the UI says of Kubernetes wherever a cluster shows: support is proven against recorded
 * API exchanges only (README, "Kubernetes"), until a live cluster run is in docs/benchmarks.md.
 */
export const KUBERNETES_CAVEAT = 'Kubernetes support is tested against recorded API exchanges only, not yet against a live cluster.';

/**
 * The banner in an engine's section when its objects are missing, or null when they are there:
 * says which engine and why, so an empty section is never mistaken for an empty host.
 */
export function engineProblem(view: EngineView): string | null {
  const objects = view.kind === 'kubernetes' ? 'namespaces, pods and nodes are' : 'containers and networks are';
  if (view.reachable === false) return `Engine ${view.name} is unreachable${view.error ? `: ${view.error.replace(/[.\s]+$/, '')}` : ''}. Its ${objects} not listed; the other engines’ are.`;
  if (view.leftOut) return `Engine ${view.name} did not answer in time, so its objects are left out of the lists for now.`;
  return null;
}

/** The engine a target should name: the one an object is on, or the only engine there is. */
export function defaultEngine(views: readonly EngineView[]): string | undefined {
  return views.length === 1 ? views[0]!.name : undefined;
}

/**
 * What to say of an engine's toolbox image, or null when there is nothing to say (it is there,
 * or not known yet): `pulling nicolaka/netshoot 37%` (with the engine's name when there are
 * several), or the server's sentence for a failed pull or a missing image.
 */
export function toolboxImageNotice(view: EngineView, several: boolean): { text: string; tone: EngineTone } | null {
  const image = view.toolboxImage;
  if (!image || image.state === 'present') return null;
  const where = several ? ` on ${view.name}` : '';
  if (image.state === 'pulling') return { text: `pulling ${image.image}${where} ${image.percent ?? 0}%`, tone: 'info' };
  return { text: image.error ?? `The toolbox image ${image.image} is not on engine ${view.name}.`, tone: image.state === 'failed' ? 'danger' : 'warn' };
}
