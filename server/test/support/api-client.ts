import { SondeApiError, SondeClient, isSondeApiError, type FetchFunction } from '@sonde/client';
import type { Role } from '@sonde/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { vi } from 'vitest';

/**
 * The integration tests call the API as scripts and the browser do: through @sonde/client, which
 * validates every reply against the shared schemas and turns refusals into SondeApiError (status,
 * stable code, sentence). The client accepts any 2xx; the tests' transport also holds each success
 * to the status docs/api.md documents, so that contract stays checked on every call without a test
 * spelling out 201 or 204. Requests a client would never send (malformed bodies, foreign headers,
 * raw sockets) stay raw, and their replies are checked with `checked()` or `toMatchObject`.
 */

/** Who is calling: a bearer token (bootstrap, API or share token) or a browser's login cookie. */
export type Credentials = { token: string } | { cookie: string };

/**
 * Someone calling the console: their API client, and the headers their terminal sockets and raw
 * requests send (the bearer token; or the login cookie with the page's Origin, as a browser
 * sends it). TestConsole and SondeProcess are callers too, as the bootstrap admin.
 */
export interface Caller {
  client: SondeClient;
  auth: Record<string, string>;
}

/**
 * The success status docs/api.md gives each operation: creations 201, deletions and the login
 * calls 204, a matrix cell probed again 202 (its result comes later), everything else (reads,
 * updates, a revert that answers with the change) 200.
 */
export function documentedStatus(method: string, path: string): number {
  if (method === 'DELETE') return 204;
  if (method !== 'POST') return 200;
  if (path === '/api/login' || path === '/api/logout') return 204;
  if (/^\/api\/netstate\/[^/]+\/revert$/.test(path)) return 200;
  if (/^\/api\/matrix\/[^/]+\/cells$/.test(path)) return 202;
  return 201;
}

/** Node's fetch; wrapped, so a test can replace the global without the client keeping the old one. */
const globalFetch: FetchFunction = (url, init) => fetch(url, init);

/**
 * `transport` with the cookie (when the credentials are one) and the documented-status check. A
 * wrong success status is thrown from the transport: the client reports it as a failed request
 * whose cause says which status came and which was documented.
 */
function testTransport(cookie: string | undefined, transport: FetchFunction): FetchFunction {
  return async (url, init) => {
    let sent = init;
    if (cookie !== undefined) {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      sent = { ...init, headers };
    }
    const response = await transport(url, sent);
    const method = init.method ?? 'GET';
    const { pathname } = new URL(url);
    const expected = documentedStatus(method, pathname);
    if (response.ok && response.status !== expected) {
      throw new Error(`${method} ${pathname} answered ${response.status}; docs/api.md documents ${expected}`);
    }
    return response;
  };
}

/** A client of the console at `baseUrl` with these credentials (none: an anonymous caller). */
export function apiClient(baseUrl: string, credentials?: Credentials, transport: FetchFunction = globalFetch): SondeClient {
  const cookie = credentials && 'cookie' in credentials ? credentials.cookie : undefined;
  return new SondeClient({
    baseUrl,
    ...(credentials && 'token' in credentials ? { token: credentials.token } : {}),
    fetch: testTransport(cookie, transport),
  });
}

/** A caller of the console at `baseUrl`; a cookie's sockets carry the console's own Origin, as its page would. */
export function callerOf(baseUrl: string, credentials: Credentials, transport?: FetchFunction): Caller {
  const auth: Record<string, string> = 'token' in credentials ? { authorization: `Bearer ${credentials.token}` } : { cookie: credentials.cookie, origin: baseUrl };
  return { client: apiClient(baseUrl, credentials, transport), auth };
}

/** `sonde_auth=…` out of a reply's Set-Cookie, as the browser sends it back. */
export function authCookie(setCookie: string | string[] | null | undefined): string {
  const value = /sonde_auth=([^;]+)/.exec(String(setCookie ?? ''))?.[1];
  if (!value) throw new Error(`no sonde_auth cookie in Set-Cookie: ${String(setCookie)}`);
  return `sonde_auth=${value}`;
}

/** Logs a user in through the client as the login form does, and returns the caller holding the browser's cookie. */
export async function login(baseUrl: string, username: string, password: string): Promise<Caller & { cookie: string }> {
  let setCookie: string[] = [];
  const keepSetCookie: FetchFunction = async (url, init) => {
    const response = await globalFetch(url, init);
    setCookie = response.headers.getSetCookie();
    return response;
  };
  await apiClient(baseUrl, undefined, keepSetCookie).login({ username, password });
  const cookie = authCookie(setCookie);
  return { ...callerOf(baseUrl, { cookie }), cookie };
}

/** A named API token created by `admin`, and the caller holding it. */
export async function newToken(
  admin: Caller & { baseUrl: string },
  role: Role,
  name = `${role}-${Math.random().toString(36).slice(2, 10)}`,
): Promise<Caller & { id: string; token: string }> {
  const { id, token } = await admin.client.createApiToken({ name, role });
  return { ...callerOf(admin.baseUrl, { token }), id, token };
}

/** The error a call that must be refused was refused with; fails if it succeeded or failed otherwise. */
export async function refusal(call: Promise<unknown>): Promise<SondeApiError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (isSondeApiError(error)) return error;
    throw error;
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
}

/** `value` (a raw reply, a parsed line) checked against a shared schema: typed, or a failed test naming the first mismatch. */
export function checked<S extends TSchema>(schema: S, value: unknown): Static<S> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value)[0];
  throw new Error(`unexpected shape${first ? ` at ${first.instancePath || '/'}: ${first.message}` : ''}: ${JSON.stringify(value)?.slice(0, 500)}`);
}

/**
 * Reads an object through the API until `done` holds of it (a run exited, a capture ended), and
 * returns it; past `timeoutMs` the test fails showing the last one read.
 */
export function readUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: { what: string; timeoutMs: number }): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await read();
      if (!done(value)) throw new Error(`waited up to ${options.timeoutMs} ms for ${options.what}; last read: ${JSON.stringify(value)}`);
      return value;
    },
    { timeout: options.timeoutMs, interval: 200 },
  );
}
