/**
 * Every failed call becomes a SondeApiError: the server's stable code and sentence when it
 * answered with its error body, a client code when it did not answer, or answered something
 * that is not Sonde's.
 */
import { ErrorBody } from '@sonde/shared';
import { Value } from 'typebox/value';

/** Codes for failures that never reached the server's error handler. */
export const ClientErrorCode = {
  /** No answer at all (connection refused, DNS, CORS, an aborted request). Status 0. */
  Network: 'NETWORK_ERROR',
  /** An answer that is not JSON or does not match the shared schema of the operation. */
  BadResponse: 'BAD_RESPONSE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export interface SondeApiErrorOptions {
  cause?: unknown;
  retryAfterSeconds?: number;
}

export class SondeApiError extends Error {
  override readonly name = 'SondeApiError';
  /** From a 429's Retry-After header: how long the server wants us to wait. */
  readonly retryAfterSeconds?: number;

  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** A server ErrorCode, a ClientErrorCode, or HTTP_<status> for bodies that were not Sonde's. */
    readonly code: string,
    message: string,
    options: SondeApiErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True for a SondeApiError, and with `status` only for one with that status. */
export function isSondeApiError(error: unknown, status?: number): error is SondeApiError {
  return error instanceof SondeApiError && (status === undefined || error.status === status);
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Reads `{"error":{"code","message"}}`; anything else (a proxy's HTML page) keeps the HTTP status. */
export async function errorFromResponse(response: Response): Promise<SondeApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const retryAfterSeconds = response.status === 429 ? parseRetryAfter(response.headers.get('Retry-After')) : undefined;
  if (Value.Check(ErrorBody, body)) {
    return new SondeApiError(response.status, body.error.code, body.error.message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
  const text = response.statusText ? `${response.status} ${response.statusText}` : `HTTP ${response.status}`;
  return new SondeApiError(response.status, `HTTP_${response.status}`, `Request failed: ${text}`);
}
