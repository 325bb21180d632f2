import { describe, expect, it } from 'vitest';
import { SondeApiError } from '@sonde/client';
import { clearLinkErrors, loginFailureMessage, readLinkErrorNotice, shareErrorNotice, tooManyAttemptsMessage } from './login-messages';

describe('login messages', () => {
  it('explains dead share links', () => {
    expect(shareErrorNotice('expired')).toBe('This share link has expired. Ask for a new one.');
    expect(shareErrorNotice('revoked')).toBe('This share link was revoked. Ask for a new one.');
    expect(shareErrorNotice('other')).toMatch(/cannot be used/);
    expect(shareErrorNotice(null)).toBeUndefined();
    expect(readLinkErrorNotice({ search: '?share-error=revoked' })).toMatch(/revoked/);
    expect(readLinkErrorNotice({ search: '?token-error=invalid' })).toMatch(/login link is not valid/);
    expect(readLinkErrorNotice({ search: '?keep=1' })).toBeUndefined();
  });

  it('removes the link errors from the address, keeping the rest', () => {
    const replaced: string[] = [];
    const win = {
      location: { href: 'http://sonde.test/sessions/x?share-error=expired&keep=1&token-error=invalid#h' },
      history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
    } as unknown as Window;
    clearLinkErrors(win);
    expect(replaced).toEqual(['/sessions/x?keep=1#h']);
  });

  it('words failed logins by method and leaves 429 to the countdown', () => {
    const unauthorized = new SondeApiError(401, 'UNAUTHORIZED', 'nope');
    expect(loginFailureMessage(unauthorized, 'password')).toBe('Wrong user name or password.');
    expect(loginFailureMessage(unauthorized, 'token')).toBe('That access token is not valid.');
    expect(loginFailureMessage(new SondeApiError(429, 'TOO_MANY_ATTEMPTS', 'slow down', { retryAfterSeconds: 30 }), 'password')).toBeNull();
    expect(tooManyAttemptsMessage(30)).toBe('Too many attempts, try again in 30 s.');
    expect(tooManyAttemptsMessage(0)).toBe('You can try again now.');
  });
});
