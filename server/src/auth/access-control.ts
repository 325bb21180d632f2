import { createHmac, timingSafeEqual } from 'node:crypto';

export const AUTH_COOKIE = 'sonde_auth';
/** Browsers must send this header on state-changing requests; cross-site forms cannot. */
export const CSRF_HEADER = 'x-sonde-request';

export type AuthVia = 'token' | 'cookie';

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Decides who a request is. The cookie never holds the token itself: it holds a value derived
 * from it, so a leaked cookie cannot be replayed as a bearer token against the API.
 */
export class AccessControl {
  private readonly cookieValue: string;

  constructor(private readonly token: string) {
    this.cookieValue = createHmac('sha256', token).update('sonde-browser-cookie-v1').digest('base64url');
  }

  checkToken(candidate: string | undefined): boolean {
    return typeof candidate === 'string' && equal(candidate, this.token);
  }

  checkCookie(candidate: string | undefined): boolean {
    return typeof candidate === 'string' && equal(candidate, this.cookieValue);
  }

  get browserCookie(): string {
    return this.cookieValue;
  }

  /** Reads `Authorization: Bearer …`; anything else is no token. */
  static bearer(header: string | undefined): string | undefined {
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
}

/** The host part of a Host header, lower-cased, without the port. */
export function hostName(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : undefined;
  }
  return h.split(':')[0];
}

/** Strips credentials from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, '$1[redacted]');
}
