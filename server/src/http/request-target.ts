/**
 * One spelling per path. The router decodes percent-escapes and accepts absolute-form targets
 * (`GET http://host/api/users`), so a check that reads the URL text can be walked around by
 * another spelling of the same route. Sonde refuses every spelling but the canonical one before
 * anything else looks at the request: what the router matches is then exactly what was sent.
 */

/** Characters a path segment may hold as they are (RFC 3986 pchar, without `;` and `%`). */
const SEGMENT_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@]$/;
/** Percent-escapes of these are not canonical: they would be sent as themselves. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Why `rawUrl` (the request target exactly as received) is not a canonical origin-form path, or
 * undefined when it is. Canonical: starts with one `/`; no empty, `.` or `..` segment; no
 * trailing `/` (except the root); no `;`, `\`, `#`, control or non-ASCII characters; escapes
 * only as upper-case `%XX`, and never of an unreserved character, `/`, `\`, `;` or a control.
 */
export function nonCanonicalReason(rawUrl: string): string | undefined {
  if (!rawUrl.startsWith('/')) return 'the request target must be a path (origin-form), not an absolute URL or "*"';
  const query = rawUrl.indexOf('?');
  const path = query < 0 ? rawUrl : rawUrl.slice(0, query);
  if (path.includes('#')) return 'the request target must not carry a fragment';
  if (path === '/') return undefined;
  if (path.endsWith('/')) return 'the path must not end with "/"';
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return 'the path must not contain "//"';
    if (segment === '.' || segment === '..') return 'the path must not contain "." or ".." segments';
    for (let i = 0; i < segment.length; i++) {
      const ch = segment[i]!;
      if (ch === '%') {
        const hex = segment.slice(i + 1, i + 3);
        if (!/^[0-9A-F]{2}$/.test(hex)) return 'the path has a malformed or lower-case %-escape';
        const decoded = String.fromCharCode(parseInt(hex, 16));
        if (UNRESERVED.test(decoded)) return `the path escapes "${decoded}", which must be written as itself`;
        if (decoded === '/' || decoded === '\\' || decoded === ';' || decoded.charCodeAt(0) < 0x20 || decoded.charCodeAt(0) === 0x7f) {
          return 'the path escapes a character that is not allowed in it';
        }
        i += 2;
        continue;
      }
      if (!SEGMENT_CHAR.test(ch)) return `the path must not contain ${ch === ';' ? '";" (path parameters)' : 'that character'}`;
    }
  }
  return undefined;
}
