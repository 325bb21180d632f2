/** What the login page says about failed logins, share links that no longer work, and lost logins. */
import { ErrorCode } from '@sonde/shared';
import type { SondeApiError } from '@sonde/client';

/** The query parameter the server redirects an expired or revoked share link to. */
export const SHARE_ERROR_PARAM = 'share-error';
/** The query parameter the server redirects a login link with a wrong `?token=` to. */
export const TOKEN_ERROR_PARAM = 'token-error';

export function shareErrorNotice(value: string | null): string | undefined {
  switch (value) {
    case null:
    case '':
      return undefined;
    case 'expired':
      return 'This share link has expired. Ask for a new one.';
    case 'revoked':
      return 'This share link was revoked. Ask for a new one.';
    default:
      return 'This share link cannot be used. Ask for a new one.';
  }
}

export function tokenErrorNotice(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  return 'This login link is not valid (its token is wrong, or was revoked). Sign in below, or ask for a new link.';
}

/** What the server said of the link that brought the browser here: a dead share link or a wrong login token. */
export function readLinkErrorNotice(location: Pick<Location, 'search'> = window.location): string | undefined {
  const query = new URLSearchParams(location.search);
  return shareErrorNotice(query.get(SHARE_ERROR_PARAM)) ?? tokenErrorNotice(query.get(TOKEN_ERROR_PARAM));
}

/** Removes the link errors from the address, so a reload or a later login does not show them again. */
export function clearLinkErrors(win: Pick<Window, 'location' | 'history'> = window): void {
  const url = new URL(win.location.href);
  if (!url.searchParams.has(SHARE_ERROR_PARAM) && !url.searchParams.has(TOKEN_ERROR_PARAM)) return;
  url.searchParams.delete(SHARE_ERROR_PARAM);
  url.searchParams.delete(TOKEN_ERROR_PARAM);
  win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
}

export type LoginMethod = 'password' | 'token';

/** Null for a 429: the page shows a countdown from `error.retryAfterSeconds` instead. */
export function loginFailureMessage(error: SondeApiError, method: LoginMethod): string | null {
  if (error.status === 429 || error.code === ErrorCode.TooManyAttempts) return null;
  if (error.status === 401) return method === 'password' ? 'Wrong user name or password.' : 'That access token is not valid.';
  return error.message;
}

export function tooManyAttemptsMessage(secondsLeft: number): string {
  return secondsLeft > 0 ? `Too many attempts, try again in ${secondsLeft} s.` : 'You can try again now.';
}

/** Why the login form is back after the server stopped accepting our cookie. */
export function lostLoginNotice(wasShare: boolean): string {
  return wasShare
    ? 'Your access through the share link ended (it was revoked or has expired). Ask for a new one.'
    : 'Your login has expired or was revoked. Sign in again.';
}
