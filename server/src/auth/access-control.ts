export const AUTH_COOKIE = 'sonde_auth';
/** Browsers must send this header on state-changing requests; cross-site forms cannot. */
export const CSRF_HEADER = 'x-sonde-request';

/** Reads `Authorization: Bearer …`; anything else is no token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
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
  return url.replace(/([?&](?:token|access_token|share)=)[^&#]*/gi, '$1[redacted]');
}
