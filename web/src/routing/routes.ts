/**
 * Every view of the console has a URL. A hand-written matcher over four patterns instead of
 * react-router: the whole routing need is "which page, which id", and this keeps it testable.
 */

export type Route =
  | { page: 'overview' }
  | { page: 'container'; id: string }
  | { page: 'network'; id: string }
  | { page: 'session'; id: string }
  | { page: 'not-found'; path: string };

export type RoutablePage = Exclude<Route, { page: 'not-found' }>;

const DETAIL_PATTERNS: ReadonlyArray<readonly [RegExp, 'container' | 'network' | 'session']> = [
  [/^\/containers\/([^/]+)\/?$/, 'container'],
  [/^\/networks\/([^/]+)\/?$/, 'network'],
  [/^\/sessions\/([^/]+)\/?$/, 'session'],
];

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'overview' };
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
    default: {
      const unexpected: never = route;
      return unexpected;
    }
  }
}
