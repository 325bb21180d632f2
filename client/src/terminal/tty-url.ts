/**
 * The terminal WebSocket URL for a session: same origin as the page, ws: or wss: to match it,
 * so the session cookie and the server's Origin check both apply.
 */
export function ttyUrl(ttyPath: string, page: { protocol: string; host: string }): string {
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const path = ttyPath.startsWith('/') ? ttyPath : `/${ttyPath}`;
  return `${scheme}//${page.host}${path}`;
}

/** Adds the resume offset: the server replays only output after it. */
export function withOffset(url: string, offset: number | undefined): string {
  if (offset === undefined) return url;
  const parsed = new URL(url);
  parsed.searchParams.set('offset', String(offset));
  return parsed.toString();
}
