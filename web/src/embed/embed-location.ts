/**
 * What an embed page shows, read from its own URL: the view from the path, the embed token from
 * the fragment (`#token=…`), which browsers never send to any server, nor in a Referer.
 */

export type EmbedView = { kind: 'session'; id: string } | { kind: 'container'; id: string } | { kind: 'run'; id: string };

const VIEWS: ReadonlyArray<readonly [RegExp, EmbedView['kind']]> = [
  [/^\/embed\/sessions\/([a-f0-9]{32})$/, 'session'],
  [/^\/embed\/containers\/([^/]+)\/shell$/, 'container'],
  [/^\/embed\/runs\/([a-f0-9]{32})$/, 'run'],
];

export function embedView(pathname: string): EmbedView | null {
  for (const [pattern, kind] of VIEWS) {
    const match = pattern.exec(pathname);
    if (!match?.[1]) continue;
    try {
      return { kind, id: decodeURIComponent(match[1]) };
    } catch {
      return null;
    }
  }
  return null;
}

/** The token from `#token=…`; null when there is none. */
export function embedToken(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token && /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : null;
}
