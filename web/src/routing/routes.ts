/**
 * Every view of the console has a URL. A hand-written matcher over a few patterns instead of
 * react-router: the whole routing need is "which page, which engine, which id", and this keeps
 * it testable. Links to an engine's objects carry the engine (`/engines/<engine>/containers/<id>`);
 * the older `/containers/<id>` still opens, looked up on every engine.
 */

/** A task of a service: by slot (replicated services), or by task id (global ones have no slot). */
export type TaskSelector = { slot: number } | { id: string };

export type Route =
  | { page: 'overview' }
  /** `engine` absent: a link from before there were several engines. */
  | { page: 'container'; id: string; engine?: string }
  | { page: 'network'; id: string; engine?: string }
  | { page: 'engine'; engine: string }
  /** A Swarm task, as its manager engine knows it. */
  | { page: 'task'; engine: string; service: string; task: TaskSelector }
  | { page: 'session'; id: string }
  | { page: 'admin'; section: AdminSection }
  | { page: 'audit' }
  | { page: 'recordings' }
  | { page: 'recording'; id: string }
  | { page: 'matrix'; id: string }
  /** `engine`: that engine's map only (GET /api/topology?engine=). */
  | { page: 'topology'; engine?: string }
  | { page: 'not-found'; path: string };

/** The admin page's tabs: `/admin` (users), `/admin/tokens`, `/admin/policy`. */
export type AdminSection = 'users' | 'tokens' | 'policy';
const ADMIN_SECTIONS: readonly AdminSection[] = ['users', 'tokens', 'policy'];

export type RoutablePage = Exclude<Route, { page: 'not-found' }>;

const DETAIL_PATTERNS: ReadonlyArray<readonly [RegExp, 'container' | 'network' | 'session' | 'recording' | 'matrix']> = [
  [/^\/containers\/([^/]+)\/?$/, 'container'],
  [/^\/networks\/([^/]+)\/?$/, 'network'],
  [/^\/sessions\/([^/]+)\/?$/, 'session'],
  [/^\/recordings\/([^/]+)\/?$/, 'recording'],
  [/^\/matrices\/([^/]+)\/?$/, 'matrix'],
];

const ENGINE_PATTERNS: ReadonlyArray<readonly [RegExp, 'container' | 'network']> = [
  [/^\/engines\/([^/]+)\/containers\/([^/]+)\/?$/, 'container'],
  [/^\/engines\/([^/]+)\/networks\/([^/]+)\/?$/, 'network'],
];
const ENGINE_PAGE = /^\/engines\/([^/]+)\/?$/;
const ENGINE_TOPOLOGY = /^\/engines\/([^/]+)\/topology\/?$/;
const TASK_PAGE = /^\/engines\/([^/]+)\/services\/([^/]+)\/tasks\/([^/]+)\/?$/;

/** The decoded path segments, or null when one is not valid percent-encoding or is empty. */
function segments(match: RegExpExecArray): string[] | null {
  const decoded: string[] = [];
  for (const part of match.slice(1)) {
    try {
      const value = decodeURIComponent(part ?? '');
      if (!value) return null;
      decoded.push(value);
    } catch {
      return null;
    }
  }
  return decoded;
}

function matchEngineRoute(pathname: string): Route | null {
  const notFound: Route = { page: 'not-found', path: pathname };
  for (const [pattern, page] of ENGINE_PATTERNS) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const parts = segments(match);
    return parts ? { page, engine: parts[0]!, id: parts[1]! } : notFound;
  }
  const engine = ENGINE_PAGE.exec(pathname);
  if (engine) {
    const parts = segments(engine);
    return parts ? { page: 'engine', engine: parts[0]! } : notFound;
  }
  const topology = ENGINE_TOPOLOGY.exec(pathname);
  if (topology) {
    const parts = segments(topology);
    return parts ? { page: 'topology', engine: parts[0]! } : notFound;
  }
  const task = TASK_PAGE.exec(pathname);
  if (task) {
    const parts = segments(task);
    if (!parts) return notFound;
    const [manager, service, which] = parts as [string, string, string];
    // A number is a slot (they count from 1); a task id has letters too (Swarm's are base 36).
    if (/^\d+$/.test(which)) return /^[1-9]\d{0,5}$/.test(which) ? { page: 'task', engine: manager, service, task: { slot: Number(which) } } : notFound;
    if (/^[a-z0-9]{1,64}$/.test(which)) return { page: 'task', engine: manager, service, task: { id: which } };
    return notFound;
  }
  return pathname.startsWith('/engines') ? notFound : null;
}

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'overview' };
  const onEngine = matchEngineRoute(pathname);
  if (onEngine) return onEngine;
  if (/^\/audit\/?$/.test(pathname)) return { page: 'audit' };
  if (/^\/recordings\/?$/.test(pathname)) return { page: 'recordings' };
  if (/^\/topology\/?$/.test(pathname)) return { page: 'topology' };
  const admin = /^\/admin(?:\/([a-z]+))?\/?$/.exec(pathname);
  if (admin) {
    const section = (admin[1] ?? 'users') as AdminSection;
    return ADMIN_SECTIONS.includes(section) ? { page: 'admin', section } : { page: 'not-found', path: pathname };
  }
  for (const [pattern, page] of DETAIL_PATTERNS) {
    const match = pattern.exec(pathname);
    if (!match?.[1]) continue;
    let id: string;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      return { page: 'not-found', path: pathname };
    }
    return id ? { page, id } : { page: 'not-found', path: pathname };
  }
  return { page: 'not-found', path: pathname };
}

export function routePath(route: RoutablePage): string {
  switch (route.page) {
    case 'overview':
      return '/';
    case 'container':
      return route.engine === undefined ? `/containers/${encodeURIComponent(route.id)}` : `${enginePath(route.engine)}/containers/${encodeURIComponent(route.id)}`;
    case 'network':
      return route.engine === undefined ? `/networks/${encodeURIComponent(route.id)}` : `${enginePath(route.engine)}/networks/${encodeURIComponent(route.id)}`;
    case 'engine':
      return enginePath(route.engine);
    case 'task':
      return `${enginePath(route.engine)}/services/${encodeURIComponent(route.service)}/tasks/${'slot' in route.task ? route.task.slot : encodeURIComponent(route.task.id)}`;
    case 'session':
      return `/sessions/${encodeURIComponent(route.id)}`;
    case 'admin':
      return route.section === 'users' ? '/admin' : `/admin/${route.section}`;
    case 'audit':
      return '/audit';
    case 'recordings':
      return '/recordings';
    case 'recording':
      return `/recordings/${encodeURIComponent(route.id)}`;
    case 'matrix':
      return `/matrices/${encodeURIComponent(route.id)}`;
    case 'topology':
      return route.engine === undefined ? '/topology' : `${enginePath(route.engine)}/topology`;
    default: {
      const unexpected: never = route;
      return unexpected;
    }
  }
}

function enginePath(engine: string): string {
  return `/engines/${encodeURIComponent(engine)}`;
}
