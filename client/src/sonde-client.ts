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
  CreatedEmbed,
  CreatedShare,
  EmbedInfo,
  EngineList,
  KubeNamespaceList,
  KubeNodeList,
  KubePodList,
  KubeServiceList,
  Health,
  Me,
  NetstateChange,
  NetstateChangeDetail,
  NetstatePending,
  NetstateChangeList,
  NetworkList,
  RecordingInfo,
  RecordingList,
  RunInfo,
  RunList,
  SessionInfo,
  SessionList,
  ShareList,
  SwarmNodeList,
  SwarmServiceList,
  TargetPolicy,
  ToolList,
  User,
  UserList,
  type ApiTokenInfo,
  type AuditAction,
  type AuditEntry,
  type ContainerSummary,
  type CreateApiTokenRequest,
  type CreateCaptureRequest,
  type CreateEmbedRequest,
  type CreateRunRequest,
  type CreateShareRequest,
  type CreateUserRequest,
  type EngineInfo,
  type KubeNamespace,
  type KubeNode,
  type KubePod,
  type KubeService,
  type LoginRequest,
  type NetworkSummary,
  type ShareInfo,
  type SwarmNode,
  type SwarmService,
  type TargetRequest,
  type ToolInfo,
  type UpdateUserRequest,
} from '@sonde/shared';
// Diagnosis and topology: kept apart from the list above so other areas' additions merge cleanly.
import {
  DoctorRun,
  DoctorRunList,
  MatrixCell,
  MatrixRun,
  MatrixRunList,
  Topology,
  type CreateDoctorRequest,
  type CreateMatrixRequest,
  type RerunCellRequest,
} from '@sonde/shared';
import type { Static, TArray, TSchema } from 'typebox';
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

/** Narrows the audit trail (docs/api.md, "Audit trail"); every filter given must match. */
export interface AuditFilterOptions {
  /** A session, run or capture id. */
  sessionId?: string;
  /** A principal id or a name. */
  actor?: string;
  action?: AuditAction;
  /** Part of the target's description. */
  target?: string;
  /** ISO instants, inclusive. */
  since?: string;
  until?: string;
}

export interface AuditQueryOptions extends AuditFilterOptions {
  /** Entries after this sequence number (the trail pages forward, oldest first). */
  after?: number;
  limit?: number;
}

/** Inventory of one engine only (its name in SONDE_ENGINES); every engine when left out. */
export interface EngineQuery {
  engine?: string;
}

/**
 * A list gathered from several engines. The server answers with what the engines that replied
 * in time hold; `unreachable` names the ones left out (down, or slower than its deadline), so a
 * caller can say which objects are missing instead of showing a silently shorter list.
 */
export interface Listing<T> {
  items: T[];
  unreachable: string[];
}

/** The header the inventory routes name left-out engines in (comma-separated). */
export const UNREACHABLE_HEADER = 'x-sonde-unreachable';

interface RequestOptions {
  body?: unknown;
  /** The Accept header; JSON unless a download asks otherwise. */
  accept?: string;
  signal?: AbortSignal;
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

  /**
   * The ws: or wss: URL of a socket path the server handed out (a session's or run's
   * `ttyPath`). Needs a `baseUrl`; a browser page builds it from its own origin (`ttyUrl`).
   */
  webSocketUrl(path: string): string {
    const url = new URL(path, this.baseUrl || undefined);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  /**
   * The headers a non-browser WebSocket client sends on the upgrade (browsers cannot set
   * headers: they authenticate with the cookie). Empty without a token.
   */
  upgradeHeaders(): Record<string, string> {
    return this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` };
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

  // Engines and what they hold -----------------------------------------------------------

  /** Every engine with its reachability, version and Swarm role (addresses for admins only). */
  engines(): Promise<EngineInfo[]> {
    return this.json('GET', '/api/engines', EngineList);
  }

  containers(query: EngineQuery = {}): Promise<ContainerSummary[]> {
    return this.containerListing(query).then((listing) => listing.items);
  }

  /** Containers, and which engines could not be asked. */
  containerListing(query: EngineQuery = {}): Promise<Listing<ContainerSummary>> {
    return this.listing(`/api/containers${search({ engine: query.engine })}`, ContainerList);
  }

  networks(query: EngineQuery = {}): Promise<NetworkSummary[]> {
    return this.networkListing(query).then((listing) => listing.items);
  }

  networkListing(query: EngineQuery = {}): Promise<Listing<NetworkSummary>> {
    return this.listing(`/api/networks${search({ engine: query.engine })}`, NetworkList);
  }

  /** The nodes of every Swarm a configured manager engine belongs to. */
  swarmNodes(): Promise<SwarmNode[]> {
    return this.swarmNodeListing().then((listing) => listing.items);
  }

  swarmNodeListing(): Promise<Listing<SwarmNode>> {
    return this.listing('/api/swarm/nodes', SwarmNodeList);
  }

  /** Every service of every manager engine, with its tasks (slot, node, engine, state, addresses). */
  swarmServices(): Promise<SwarmService[]> {
    return this.swarmServiceListing().then((listing) => listing.items);
  }

  swarmServiceListing(): Promise<Listing<SwarmService>> {
    return this.listing('/api/swarm/services', SwarmServiceList);
  }

  /** Namespaces of every Kubernetes engine (or of one, `engine`), from its watch caches. */
  kubeNamespaceListing(query: EngineQuery = {}): Promise<Listing<KubeNamespace>> {
    return this.listing(`/api/kubernetes/namespaces${search({ engine: query.engine })}`, KubeNamespaceList);
  }

  /** Pods with their containers (Sonde's ephemeral toolbox among them), node and IP. */
  kubePodListing(query: EngineQuery & { namespace?: string } = {}): Promise<Listing<KubePod>> {
    return this.listing(`/api/kubernetes/pods${search({ engine: query.engine, namespace: query.namespace })}`, KubePodList);
  }

  kubeNodeListing(query: EngineQuery = {}): Promise<Listing<KubeNode>> {
    return this.listing(`/api/kubernetes/nodes${search({ engine: query.engine })}`, KubeNodeList);
  }

  kubeServiceListing(query: EngineQuery & { namespace?: string } = {}): Promise<Listing<KubeService>> {
    return this.listing(`/api/kubernetes/services${search({ engine: query.engine, namespace: query.namespace })}`, KubeServiceList);
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

  // Embeds -------------------------------------------------------------------------------

  /** Mints an embed token for one session, container shell or run; the reply's `url` is the page to frame. */
  createEmbed(request: CreateEmbedRequest): Promise<CreatedEmbed> {
    return this.json('POST', '/api/embeds', CreatedEmbed, { body: request });
  }

  revokeEmbed(embedId: string): Promise<void> {
    return this.empty('DELETE', `/api/embeds/${id(embedId)}`);
  }

  /** With an embed token: what it opens (the session or run as it is now). */
  embed(): Promise<EmbedInfo> {
    return this.json('GET', '/api/embed', EmbedInfo);
  }

  /** With a container embed token: opens its shell (a session held for the embed). */
  openEmbedShell(): Promise<SessionInfo> {
    return this.json('POST', '/api/embed/shell', SessionInfo);
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

  /**
   * Waits until the run has exited and answers it (with `result` for tools that have one).
   * Polls every `intervalMs` (500 by default); `signal` stops waiting with its reason.
   */
  async awaitRun(runId: string, options: { intervalMs?: number; signal?: AbortSignal } = {}): Promise<RunInfo> {
    const intervalMs = options.intervalMs ?? 500;
    for (;;) {
      options.signal?.throwIfAborted();
      const run = await this.run(runId);
      if (run.state === 'exited') return run;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(done, intervalMs);
        const onAbort = () => {
          clearTimeout(timer);
          reject(options.signal?.reason);
        };
        function done() {
          options.signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
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

  /**
   * The capture's pcap as a byte stream: from the file's first byte, then each packet as it is
   * captured, ending when the capture ends (docs/api.md, `GET /api/captures/:id/pcap`).
   */
  async capturePcap(captureId: string, options: { signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const path = `/api/captures/${id(captureId)}/pcap`;
    const response = await this.send('GET', path, { ...options, accept: 'application/vnd.tcpdump.pcap' });
    if (!response.body) throw new SondeApiError(response.status, ClientErrorCode.BadResponse, `GET ${path}: the reply has no body`);
    return response.body;
  }

  /** Stops it if it runs, then forgets it and deletes its file. */
  removeCapture(captureId: string): Promise<void> {
    return this.empty('DELETE', `/api/captures/${id(captureId)}?remove=true`);
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

  /** What an open session has changed so far in its target's namespace ("Check now"). */
  checkSessionNetstate(sessionId: string): Promise<NetstatePending> {
    return this.json('POST', `/api/sessions/${id(sessionId)}/netstate-check`, NetstatePending);
  }

  // Network doctor, connectivity matrix, topology ---------------------------------------

  /** Starts the doctor's checks in the target's namespace; answers at once, the run goes on (events `doctor`). */
  createDoctorRun(request: CreateDoctorRequest): Promise<DoctorRun> {
    return this.json('POST', '/api/doctor', DoctorRun, { body: request });
  }

  doctorRuns(): Promise<DoctorRun[]> {
    return this.json('GET', '/api/doctor', DoctorRunList);
  }

  doctorRun(runId: string): Promise<DoctorRun> {
    return this.json('GET', `/api/doctor/${id(runId)}`, DoctorRun);
  }

  cancelDoctorRun(runId: string): Promise<void> {
    return this.empty('DELETE', `/api/doctor/${id(runId)}`);
  }

  /** Starts a matrix over a network's members; answers at once, cells fill in live (events `matrix`). */
  createMatrix(request: CreateMatrixRequest): Promise<MatrixRun> {
    return this.json('POST', '/api/matrix', MatrixRun, { body: request });
  }

  matrices(): Promise<MatrixRun[]> {
    return this.json('GET', '/api/matrix', MatrixRunList);
  }

  matrix(matrixId: string): Promise<MatrixRun> {
    return this.json('GET', `/api/matrix/${id(matrixId)}`, MatrixRun);
  }

  cancelMatrix(matrixId: string): Promise<void> {
    return this.empty('DELETE', `/api/matrix/${id(matrixId)}`);
  }

  /** Probes one cell again (after the end too); the reply is the cell, running. */
  rerunMatrixCell(matrixId: string, cell: RerunCellRequest): Promise<MatrixCell> {
    return this.json('POST', `/api/matrix/${id(matrixId)}/cells`, MatrixCell, { body: cell });
  }

  /** Where a browser downloads the matrix as CSV or JSON (a plain link: the cookie authenticates GETs). */
  matrixExportUrl(matrixId: string, format: 'csv' | 'json'): string {
    return this.url(`/api/matrix/${id(matrixId)}/export${search({ format })}`);
  }

  /** How every engine (or one) is wired: engines, networks, containers, ports, Swarm nodes. */
  topology(query: { engine?: string } = {}): Promise<Topology> {
    return this.json('GET', `/api/topology${search({ engine: query.engine })}`, Topology);
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
  auditExportUrl(query: AuditFilterOptions = {}): string {
    return this.url(`/api/audit${search({ ...auditFilters(query), format: 'jsonl' })}`);
  }

  // Transport ----------------------------------------------------------------------------

  private async json<S extends TSchema>(method: string, path: string, schema: S, options: RequestOptions = {}): Promise<Static<S>> {
    return this.checked(method, path, schema, await this.send(method, path, options));
  }

  private async listing<S extends TSchema>(path: string, schema: TArray<S>): Promise<Listing<Static<S>>> {
    const response = await this.send('GET', path, {});
    const items: Static<S>[] = await this.checked('GET', path, schema, response);
    const unreachable = (response.headers.get(UNREACHABLE_HEADER) ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    return { items, unreachable };
  }

  private async checked<S extends TSchema>(method: string, path: string, schema: S, response: Response): Promise<Static<S>> {
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
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
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
        ...(options.signal ? { signal: options.signal } : {}),
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

function auditFilters(query: AuditFilterOptions): Record<string, string | undefined> {
  return { sessionId: query.sessionId, actor: query.actor, action: query.action, target: query.target, since: query.since, until: query.until };
}

function auditSearch(query: AuditQueryOptions): string {
  return search({
    ...auditFilters(query),
    after: query.after === undefined ? undefined : String(query.after),
    limit: query.limit === undefined ? undefined : String(query.limit),
  });
}
