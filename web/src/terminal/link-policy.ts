/**
 * Which links printed by a shell may be opened. Terminal output comes from whatever runs in the
 * toolbox, so only plain web links are opened, and only after the user saw the real URL.
 */

/** The normalized URL if it is http(s), otherwise null (javascript:, data:, file:, garbage). */
export function openableUrl(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href;
}

export interface LinkOpener {
  confirm(message: string): boolean;
  open(url: string): void;
}

export const browserLinkOpener: LinkOpener = {
  confirm: (message) => window.confirm(message),
  // noopener: the new page gets no handle on this console; noreferrer: no Referer with our URL.
  open: (url) => void window.open(url, '_blank', 'noopener,noreferrer'),
};

/** Opens `uri` in a new tab if it is http(s) and the user confirms. Returns whether it opened. */
export function openTerminalLink(uri: string, opener: LinkOpener = browserLinkOpener): boolean {
  const href = openableUrl(uri);
  if (href === null) return false;
  if (!opener.confirm(`Open this link from the terminal in a new tab?\n\n${href}`)) return false;
  opener.open(href);
  return true;
}
