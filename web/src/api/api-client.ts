/**
 * The only code in the web app that calls fetch. Every reply is validated against the schema in
 * @sonde/shared (the same objects the server uses), and every failure becomes an ApiError with
 * the server's stable code and message.
 */
import {
  ApiTokenList,
  AuditList,
  CaptureInfo,
  ContainerList,
  CreatedApiToken,
  CreatedShare,
  ErrorBody,
  Health,
  Me,
  NetstateChange,
  NetstateChangeDetail,
  NetstateChangeList,
  NetworkList,
  RecordingInfo,
  RecordingList,
  ShareList,
  TargetPolicy,
  User,
  UserList,
  RunInfo,
  RunList,
  SessionInfo,
  SessionList,
  ToolList,
  type CreateCaptureRequest,
  type CreateRunRequest,
  type TargetRequest,
  type CreateApiTokenRequest,
  type CreateShareRequest,
  type CreateUserRequest,
  type LoginRequest,
  type UpdateUserRequest,
} from '@sonde/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { Emitter } from '../lifecycle/emitter';

/** Codes for failures that never reached the server's error handler. */
export const ClientErrorCode = {
  Network: 'NETWORK_ERROR',
  BadResponse: 'BAD_RESPONSE',
} as const;

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** A server ErrorCode, a ClientErrorCode, or HTTP_<status> for bodies that were not ours. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** From a 429's Retry-After header: how long the server wants us to wait. */
  readonly retryAfterSeconds?: number;
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

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

export interface ApiClientOptions {
  /** Prefix for every path; empty means same origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

interface RequestOptions {
  body?: unknown;
  /** A 401 here is an expected answer (probe or bad token), not a lost login. */
  expectUnauthorized?: boolean;
}

/** The CSRF guard: the server rejects state-changing requests without it, and a cross-site form cannot set it. */
const CSRF_HEADER = 'X-Sonde-Request';

export class ApiClient {
  /** Fires when a request that should have been authenticated was refused: the login is gone. */
  readonly events = new Emitter<{ unauthorized: ApiError }>();

  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // Wrapped: calling window.fetch detached from window throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The current login, or null when there is none. */
  async me(): Promise<Me | null> {
    try {
      return await this.requestJson('GET', '/api/me', Me, { expectUnauthorized: true });
    } catch (error) {
      if (isApiError(error, 401)) return null;
      throw error;
    }
  }

  /** A password or an API token; the server answers with the login cookie. */
  login(request: LoginRequest): Promise<void> {
    return this.requestVoid('POST', '/api/login', { body: request, expectUnauthorized: true });
  }

  logout(): Promise<void> {
    return this.requestVoid('POST', '/api/logout', { expectUnauthorized: true });
  }

  health(): Promise<Health> {
    return this.requestJson('GET', '/api/health', Health);
  }

  containers(): Promise<Static<typeof ContainerList>> {
    return this.requestJson('GET', '/api/containers', ContainerList);
  }

  networks(): Promise<Static<typeof NetworkList>> {
    return this.requestJson('GET', '/api/networks', NetworkList);
  }

  sessions(): Promise<Static<typeof SessionList>> {
    return this.requestJson('GET', '/api/sessions', SessionList);
  }

  /**
   * One session: all a share-link principal may list. `expectUnauthorized`: a 401 is an answer
   * for the caller, not a lost login (a share guest keeps its ended terminal on screen).
   */
  session(id: string, options: { expectUnauthorized?: boolean } = {}): Promise<SessionInfo> {
    return this.requestJson('GET', `/api/sessions/${encodeURIComponent(id)}`, SessionInfo, options);
  }

  shares(sessionId: string): Promise<Static<typeof ShareList>> {
    return this.requestJson('GET', `/api/sessions/${encodeURIComponent(sessionId)}/shares`, ShareList);
  }

  createShare(sessionId: string, request: CreateShareRequest): Promise<CreatedShare> {
    return this.requestJson('POST', `/api/sessions/${encodeURIComponent(sessionId)}/shares`, CreatedShare, { body: request });
  }

  revokeShare(sessionId: string, shareId: string): Promise<void> {
    return this.requestVoid('DELETE', `/api/sessions/${encodeURIComponent(sessionId)}/shares/${encodeURIComponent(shareId)}`);
  }

  users(): Promise<Static<typeof UserList>> {
    return this.requestJson('GET', '/api/users', UserList);
  }

  createUser(request: CreateUserRequest): Promise<User> {
    return this.requestJson('POST', '/api/users', User, { body: request });
  }

  updateUser(id: string, request: UpdateUserRequest): Promise<User> {
    return this.requestJson('PATCH', `/api/users/${encodeURIComponent(id)}`, User, { body: request });
  }

  apiTokens(): Promise<Static<typeof ApiTokenList>> {
    return this.requestJson('GET', '/api/tokens', ApiTokenList);
  }

  createApiToken(request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    return this.requestJson('POST', '/api/tokens', CreatedApiToken, { body: request });
  }

  revokeApiToken(id: string): Promise<void> {
    return this.requestVoid('DELETE', `/api/tokens/${encodeURIComponent(id)}`);
  }

  policy(): Promise<TargetPolicy> {
    return this.requestJson('GET', '/api/policy', TargetPolicy);
  }

  savePolicy(policy: TargetPolicy): Promise<TargetPolicy> {
    return this.requestJson('PUT', '/api/policy', TargetPolicy, { body: policy });
  }

  /** Audit entries, oldest first; `after` pages forward from a sequence number. */
  audit(query: { sessionId?: string; after?: number; limit?: number } = {}): Promise<Static<typeof AuditList>> {
    return this.requestJson('GET', `/api/audit${auditSearch(query)}`, AuditList);
  }

  /** The audit trail as JSON lines, for a plain download link (the cookie authenticates GETs). */
  auditExportUrl(query: { sessionId?: string } = {}): string {
    return `${this.baseUrl}/api/audit${auditSearch({ ...query, format: 'jsonl' })}`;
  }

  createSession(target: TargetRequest): Promise<SessionInfo> {
    return this.requestJson('POST', '/api/sessions', SessionInfo, { body: { target } });
  }

  deleteSession(id: string): Promise<void> {
    return this.requestVoid('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
  }

  tools(): Promise<Static<typeof ToolList>> {
    return this.requestJson('GET', '/api/tools', ToolList);
  }

  runs(): Promise<Static<typeof RunList>> {
    return this.requestJson('GET', '/api/runs', RunList);
  }

  run(id: string): Promise<RunInfo> {
    return this.requestJson('GET', `/api/runs/${encodeURIComponent(id)}`, RunInfo);
  }

  createRun(request: CreateRunRequest): Promise<RunInfo> {
    return this.requestJson('POST', '/api/runs', RunInfo, { body: request });
  }

  deleteRun(id: string): Promise<void> {
    return this.requestVoid('DELETE', `/api/runs/${encodeURIComponent(id)}`);
  }

  createCapture(request: CreateCaptureRequest): Promise<CaptureInfo> {
    return this.requestJson('POST', '/api/captures', CaptureInfo, { body: request });
  }

  capture(id: string): Promise<CaptureInfo> {
    return this.requestJson('GET', `/api/captures/${encodeURIComponent(id)}`, CaptureInfo);
  }

  stopCapture(id: string): Promise<void> {
    return this.requestVoid('DELETE', `/api/captures/${encodeURIComponent(id)}`);
  }

  /** Where the browser downloads a capture's pcap (a plain link: the cookie authenticates it). */
  capturePcapUrl(id: string): string {
    return `${this.baseUrl}/api/captures/${encodeURIComponent(id)}/pcap`;
  }

  recordings(): Promise<Static<typeof RecordingList>> {
    return this.requestJson('GET', '/api/recordings', RecordingList);
  }

  recording(id: string): Promise<RecordingInfo> {
    return this.requestJson('GET', `/api/recordings/${encodeURIComponent(id)}`, RecordingInfo);
  }

  /** The .cast file as text (asciicast v2); the recordings feature parses and validates it. */
  async recordingCast(id: string): Promise<string> {
    const path = `/api/recordings/${encodeURIComponent(id)}/cast`;
    const response = await this.send('GET', path, {});
    try {
      return await response.text();
    } catch (cause) {
      throw new ApiError(0, ClientErrorCode.Network, `GET ${path}: the download was interrupted`, { cause });
    }
  }

  /** Where the browser downloads a recording's .cast (a plain link: the cookie authenticates it). */
  recordingCastUrl(id: string): string {
    return `${this.baseUrl}/api/recordings/${encodeURIComponent(id)}/cast`;
  }

  netstateChanges(): Promise<NetstateChangeList> {
    return this.requestJson('GET', '/api/netstate', NetstateChangeList);
  }

  netstateChange(id: string): Promise<NetstateChangeDetail> {
    return this.requestJson('GET', `/api/netstate/${encodeURIComponent(id)}`, NetstateChangeDetail);
  }

  revertNetstate(id: string): Promise<NetstateChange> {
    return this.requestJson('POST', `/api/netstate/${encodeURIComponent(id)}/revert`, NetstateChange);
  }

  eventsUrl(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private async requestJson<S extends TSchema>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<Static<S>> {
    const response = await this.send(method, path, options);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new ApiError(response.status, ClientErrorCode.BadResponse, `${method} ${path}: reply is not JSON`, { cause });
    }
    if (!Value.Check(schema, body)) {
      throw new ApiError(response.status, ClientErrorCode.BadResponse, `${method} ${path}: unexpected reply shape`);
    }
    return body;
  }

  private async requestVoid(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    await this.send(method, path, options);
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') headers[CSRF_HEADER] = '1';
    let body: string | undefined;
    // No Content-Type without a body: Fastify rejects an empty body declared as JSON.
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (cause) {
      throw new ApiError(0, ClientErrorCode.Network, 'Cannot reach the Sonde server.', { cause });
    }
    if (response.ok) return response;
    const error = await errorFromResponse(response);
    if (error.status === 401 && !options.expectUnauthorized) this.events.emit('unauthorized', error);
    throw error;
  }
}

function auditSearch(query: { sessionId?: string; after?: number; limit?: number; format?: 'jsonl' }): string {
  const params = new URLSearchParams();
  if (query.sessionId) params.set('sessionId', query.sessionId);
  if (query.after !== undefined) params.set('after', String(query.after));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.format) params.set('format', query.format);
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** Reads `{"error":{"code","message"}}`; anything else (a proxy's HTML page) keeps the HTTP status. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const retryAfterSeconds = response.status === 429 ? parseRetryAfter(response.headers.get('Retry-After')) : undefined;
  if (Value.Check(ErrorBody, body)) {
    return new ApiError(response.status, body.error.code, body.error.message, retryAfterSeconds === undefined ? undefined : { retryAfterSeconds });
  }
  const text = response.statusText ? `${response.status} ${response.statusText}` : `HTTP ${response.status}`;
  return new ApiError(response.status, `HTTP_${response.status}`, `Request failed: ${text}`);
}
