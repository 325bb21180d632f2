/**
 * Every view of the console has a URL. A hand-written matcher over four patterns instead of
 * react-router: the whole routing need is "which page, which id", and this keeps it testable.
 */

export type Route =
  | { page: 'overview' }
  | { page: 'container'; id: string }
  | { page: 'network'; id: string }
  | { page: 'session'; id: string }
  | { page: 'admin'; section: AdminSection }
  | { page: 'audit' }
  | { page: 'recordings' }
  | { page: 'recording'; id: string }
  | { page: 'matrix'; id: string }
  | { page: 'topology' }
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

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'overview' };
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
      return `/containers/${encodeURIComponent(route.id)}`;
    case 'network':
      return `/networks/${encodeURIComponent(route.id)}`;
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
      return '/topology';
    default: {
      const unexpected: never = route;
      return unexpected;
    }
  }
}
