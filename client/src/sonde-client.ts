/**
 * One method per operation of the Sonde HTTP API (docs/api.md). Every JSON reply is checked
 * against the schema in @sonde/shared, the same objects the server validates with, so a caller
 * gets typed data or a SondeApiError, never an unchecked cast. Framework-free: the browser
 * console, the tests and scripts use the same class.
 */
import {
  ApiTokenList,
  AuditList,
  CaptureInfo,
  CaptureList,
  ContainerList,
  CreatedApiToken,
  CreatedShare,
  Health,
  Me,
  NetstateChange,
  NetstateChangeDetail,
  NetstateChangeList,
  NetworkList,
  RecordingInfo,
  RecordingList,
  RunInfo,
  RunList,
  SessionInfo,
  SessionList,
  ShareList,
  TargetPolicy,
  ToolList,
  User,
  UserList,
  type ApiTokenInfo,
  type AuditEntry,
  type ContainerSummary,
  type CreateApiTokenRequest,
  type CreateCaptureRequest,
  type CreateRunRequest,
  type CreateShareRequest,
  type CreateUserRequest,
  type LoginRequest,
  type NetworkSummary,
  type ShareInfo,
  type TargetRequest,
  type ToolInfo,
  type UpdateUserRequest,
} from '@sonde/shared';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ClientErrorCode, errorFromResponse, isSondeApiError, SondeApiError } from './sonde-api-error.js';

/** The subset of `fetch` the client uses; inject one to add a proxy, a timeout or a test double. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface SondeClientOptions {
  /** Where the console is (`http://127.0.0.1:8080`); empty, the default, is the page's own origin. */
  baseUrl?: string;
  /**
   * A bearer token: the bootstrap token, a named API token or a share token. Without one the
   * browser's login cookie authenticates (same origin only).
   */
  token?: string;
  fetch?: FetchFunction;
}

export interface AuditQueryOptions {
  /** Only this session's entries. */
  sessionId?: string;
  /** Entries after this sequence number (the trail pages forward, oldest first). */
  after?: number;
  limit?: number;
}

interface RequestOptions {
  body?: unknown;
  /** A 401 here is an expected answer (a probe, a wrong password), not a lost login. */
  expectUnauthorized?: boolean;
}

/** The CSRF guard: the server refuses cookie-authenticated writes without it; a cross-site form cannot set it. */
export const CSRF_HEADER = 'X-Sonde-Request';

const id = (value: string) => encodeURIComponent(value);

export class SondeClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: FetchFunction;
  private readonly unauthorizedListeners = new Set<(error: SondeApiError) => void>();

  constructor(options: SondeClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.token = options.token;
    // Wrapped: calling window.fetch detached from window throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
  }

  /**
   * Called when a request that should have been authenticated was refused with 401: the login
   * or token is gone (expired, revoked, logged out elsewhere). Returns the unsubscribe function.
   */
  onUnauthorized(listener: (error: SondeApiError) => void): () => void {
    this.unauthorizedListeners.add(listener);
    return () => this.unauthorizedListeners.delete(listener);
  }

  /** An absolute URL for a server path, for links and EventSource (`/api/events`, a capture's `eventsPath`). */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  // Identity and system ------------------------------------------------------------------

  /** Who is authenticated, or null when nobody is (a 401 here is an answer, not an event). */
  async me(): Promise<Me | null> {
    try {
      return await this.json('GET', '/api/me', Me, { expectUnauthorized: true });
    } catch (error) {
      if (isSondeApiError(error, 401)) return null;
      throw error;
    }
  }

  /** A password or a token; the server answers with the login cookie (browsers only keep it). */
  login(request: LoginRequest): Promise<void> {
    return this.empty('POST', '/api/login', { body: request, expectUnauthorized: true });
  }

  logout(): Promise<void> {
    return this.empty('POST', '/api/logout', { expectUnauthorized: true });
  }

  health(): Promise<Health> {
    return this.json('GET', '/api/health', Health);
  }

  containers(): Promise<ContainerSummary[]> {
    return this.json('GET', '/api/containers', ContainerList);
  }

  networks(): Promise<NetworkSummary[]> {
    return this.json('GET', '/api/networks', NetworkList);
  }

  /** The live updates stream (server-sent events: docker, status, audit, netstate). */
  eventsUrl(): string {
    return this.url('/api/events');
  }

  // Sessions and share links -------------------------------------------------------------

  /** Starts a toolbox on `target` (the server does all the Docker work) and answers once it runs. */
  createSession(target: TargetRequest): Promise<SessionInfo> {
    return this.json('POST', '/api/sessions', SessionInfo, { body: { target } });
  }

  sessions(): Promise<SessionInfo[]> {
    return this.json('GET', '/api/sessions', SessionList);
  }

  /**
   * One session: all a share-link principal may read. `expectUnauthorized`: a 401 is an answer
   * for the caller, not a lost login (a share guest keeps its ended terminal on screen).
   */
  session(sessionId: string, options: { expectUnauthorized?: boolean } = {}): Promise<SessionInfo> {
    return this.json('GET', `/api/sessions/${id(sessionId)}`, SessionInfo, options);
  }

  /** Ends the session: its shell stops and its toolbox is removed. */
  endSession(sessionId: string): Promise<void> {
    return this.empty('DELETE', `/api/sessions/${id(sessionId)}`);
  }

  shares(sessionId: string): Promise<ShareInfo[]> {
    return this.json('GET', `/api/sessions/${id(sessionId)}/shares`, ShareList);
  }

  /** The reply holds the link's URL and token, its secret: shown once, never listed again. */
  createShare(sessionId: string, request: CreateShareRequest): Promise<CreatedShare> {
    return this.json('POST', `/api/sessions/${id(sessionId)}/shares`, CreatedShare, { body: request });
  }

  revokeShare(sessionId: string, shareId: string): Promise<void> {
    return this.empty('DELETE', `/api/sessions/${id(sessionId)}/shares/${id(shareId)}`);
  }

  // Tools and runs -----------------------------------------------------------------------

  tools(): Promise<ToolInfo[]> {
    return this.json('GET', '/api/tools', ToolList);
  }

  /** Validates the parameters, starts the tool's toolbox and answers once it runs. */
  createRun(request: CreateRunRequest): Promise<RunInfo> {
    return this.json('POST', '/api/runs', RunInfo, { body: request });
  }

  runs(): Promise<RunInfo[]> {
    return this.json('GET', '/api/runs', RunList);
  }

  /** One run; `result` is there once it exited (for tools that have a summary). */
  run(runId: string): Promise<RunInfo> {
    return this.json('GET', `/api/runs/${id(runId)}`, RunInfo);
  }

  cancelRun(runId: string): Promise<void> {
    return this.empty('DELETE', `/api/runs/${id(runId)}`);
  }

  // Packet captures ----------------------------------------------------------------------

  createCapture(request: CreateCaptureRequest): Promise<CaptureInfo> {
    return this.json('POST', '/api/captures', CaptureInfo, { body: request });
  }

  captures(): Promise<CaptureInfo[]> {
    return this.json('GET', '/api/captures', CaptureList);
  }

  capture(captureId: string): Promise<CaptureInfo> {
    return this.json('GET', `/api/captures/${id(captureId)}`, CaptureInfo);
  }

  stopCapture(captureId: string): Promise<void> {
    return this.empty('DELETE', `/api/captures/${id(captureId)}`);
  }

  /** Where a browser downloads the capture's pcap (a plain link: the cookie authenticates GETs). */
  capturePcapUrl(captureId: string): string {
    return this.url(`/api/captures/${id(captureId)}/pcap`);
  }

  // Recordings ---------------------------------------------------------------------------

  /** Newest first. */
  recordings(query: { sessionId?: string } = {}): Promise<RecordingInfo[]> {
    return this.json('GET', `/api/recordings${search({ sessionId: query.sessionId })}`, RecordingList);
  }

  recording(recordingId: string): Promise<RecordingInfo> {
    return this.json('GET', `/api/recordings/${id(recordingId)}`, RecordingInfo);
  }

  /** The .cast file as text (asciicast v2); a running session's up to its last whole line. */
  recordingCast(recordingId: string): Promise<string> {
    return this.text('GET', `/api/recordings/${id(recordingId)}/cast`);
  }

  /** Where a browser downloads a recording's .cast (a plain link: the cookie authenticates GETs). */
  recordingCastUrl(recordingId: string): string {
    return this.url(`/api/recordings/${id(recordingId)}/cast`);
  }

  /**
   * Who typed what (admins only): JSON lines `{"t", "participant", "name", "data"}` on the
   * cast's clock, as text like the cast itself.
   */
  recordingInput(recordingId: string): Promise<string> {
    return this.text('GET', `/api/recordings/${id(recordingId)}/input`);
  }

  // Changes sessions left behind ---------------------------------------------------------

  /** Newest first. */
  netstateChanges(): Promise<NetstateChange[]> {
    return this.json('GET', '/api/netstate', NetstateChangeList);
  }

  netstateChange(changeId: string): Promise<NetstateChangeDetail> {
    return this.json('GET', `/api/netstate/${id(changeId)}`, NetstateChangeDetail);
  }

  /** Restores the session's starting snapshot; the answer says whether the namespace now matches it. */
  revertNetstate(changeId: string): Promise<NetstateChange> {
    return this.json('POST', `/api/netstate/${id(changeId)}/revert`, NetstateChange);
  }

  // Administration (admins) --------------------------------------------------------------

  users(): Promise<User[]> {
    return this.json('GET', '/api/users', UserList);
  }

  createUser(request: CreateUserRequest): Promise<User> {
    return this.json('POST', '/api/users', User, { body: request });
  }

  updateUser(userId: string, request: UpdateUserRequest): Promise<User> {
    return this.json('PATCH', `/api/users/${id(userId)}`, User, { body: request });
  }

  apiTokens(): Promise<ApiTokenInfo[]> {
    return this.json('GET', '/api/tokens', ApiTokenList);
  }

  /** The reply carries the secret: show it once, never store it. */
  createApiToken(request: CreateApiTokenRequest): Promise<CreatedApiToken> {
    return this.json('POST', '/api/tokens', CreatedApiToken, { body: request });
  }

  revokeApiToken(tokenId: string): Promise<void> {
    return this.empty('DELETE', `/api/tokens/${id(tokenId)}`);
  }

  policy(): Promise<TargetPolicy> {
    return this.json('GET', '/api/policy', TargetPolicy);
  }

  savePolicy(policy: TargetPolicy): Promise<TargetPolicy> {
    return this.json('PUT', '/api/policy', TargetPolicy, { body: policy });
  }

  /** Audit entries, oldest first; `after` pages forward from a sequence number. */
  audit(query: AuditQueryOptions = {}): Promise<AuditEntry[]> {
    return this.json('GET', `/api/audit${auditSearch(query)}`, AuditList);
  }

  /** The trail as JSON lines, for a plain download link (the cookie authenticates GETs). */
  auditExportUrl(query: Pick<AuditQueryOptions, 'sessionId'> = {}): string {
    return this.url(`/api/audit${search({ sessionId: query.sessionId, format: 'jsonl' })}`);
  }

  // Transport ----------------------------------------------------------------------------

  private async json<S extends TSchema>(method: string, path: string, schema: S, options: RequestOptions = {}): Promise<Static<S>> {
    const response = await this.send(method, path, options);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new SondeApiError(response.status, ClientErrorCode.BadResponse, `${method} ${path}: the reply is not JSON`, { cause });
    }
    if (!Value.Check(schema, body)) {
      const first = Value.Errors(schema, body)[0];
      const where = first ? ` (${first.instancePath || '/'}: ${first.message})` : '';
      throw new SondeApiError(response.status, ClientErrorCode.BadResponse, `${method} ${path}: unexpected reply shape${where}`);
    }
    return body;
  }

  private async text(method: string, path: string): Promise<string> {
    const response = await this.send(method, path, {});
    try {
      return await response.text();
    } catch (cause) {
      throw new SondeApiError(0, ClientErrorCode.Network, `${method} ${path}: the download was interrupted`, { cause });
    }
  }

  private async empty(method: string, path: string, options: RequestOptions = {}): Promise<void> {
    const response = await this.send(method, path, options);
    // Read to the end so the connection can be reused (Node's fetch keeps it busy otherwise).
    await response.arrayBuffer().catch(() => undefined);
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token !== undefined) headers.Authorization = `Bearer ${this.token}`;
    if (method !== 'GET' && method !== 'HEAD') headers[CSRF_HEADER] = '1';
    let body: string | undefined;
    // No Content-Type without a body: Fastify rejects an empty body declared as JSON.
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path), {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        // A token says who we are; the browser's cookie must not add a second identity to it.
        credentials: this.token === undefined ? 'same-origin' : 'omit',
        cache: 'no-store',
      });
    } catch (cause) {
      throw new SondeApiError(0, ClientErrorCode.Network, 'Cannot reach the Sonde server.', { cause });
    }
    if (response.ok) return response;
    const error = await errorFromResponse(response);
    if (error.status === 401 && !options.expectUnauthorized) {
      for (const listener of [...this.unauthorizedListeners]) listener(error);
    }
    throw error;
  }
}

function search(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  return text ? `?${text}` : '';
}

function auditSearch(query: AuditQueryOptions): string {
  return search({
    sessionId: query.sessionId,
    after: query.after === undefined ? undefined : String(query.after),
    limit: query.limit === undefined ? undefined : String(query.limit),
  });
}
