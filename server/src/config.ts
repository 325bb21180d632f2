import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** One engine the console drives (SONDE_ENGINES): a Docker engine or a Kubernetes cluster. */
export type EngineConfig = DockerEngineConfig | KubernetesEngineConfig;

/** A Docker engine (SONDE_ENGINES), or the default one from DOCKER_HOST. */
export interface DockerEngineConfig {
  name: string;
  kind: 'docker';
  /** `unix://…`, `tcp://host:port`, `ssh://user@host`; absent: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH as the docker CLI reads them. */
  host?: string;
  /** A directory with ca.pem, cert.pem and key.pem: the engine is reached over TLS with that client certificate. */
  tlsDir?: string;
}

/**
 * A Kubernetes cluster (SONDE_ENGINES, `"kind":"kubernetes"`): through a kubeconfig file (and one
 * of its contexts), or from inside the cluster with the pod's service account.
 */
export interface KubernetesEngineConfig {
  name: string;
  kind: 'kubernetes';
  /** A kubeconfig file; absent with `inCluster`. */
  kubeconfig?: string;
  /** The kubeconfig context to use; absent: its current-context. */
  context?: string;
  inCluster?: boolean;
  /**
   * Where node pods are created. Absent: in the cluster, the console's own namespace (from its
   * service account); else the context's namespace, else `default`.
   */
  namespace?: string;
}

/** Swarm nodes that no configured engine is: where their engines are (SONDE_SWARM_NODE_ENGINE). */
export interface SwarmNodeEngineTemplate {
  /** A URL with `{address}` (the node's address) and/or `{hostname}`, e.g. `tcp://{address}:2376`. */
  host: string;
  tlsDir?: string;
}

/**
 * docker-modem's ssh client authenticates only with keys from an ssh-agent (SSH_AUTH_SOCK) and
 * reads no ~/.ssh/config; Sonde checks the host key against a known_hosts file, as ssh does.
 */
export interface SshConfig {
  agentSocket: string;
  knownHostsFile: string;
}

/** Everything Sonde reads from its environment, parsed and validated once, here. */
export interface Config {
  host: string;
  port: number;
  /** The access token; `generated` says whether Sonde made it up (then it is printed once). */
  token: { value: string; generated: boolean };
  toolboxImage: string;
  /**
   * Whether the console pulls the toolbox image onto a Docker engine that lacks it
   * (SONDE_TOOLBOX_PULL=missing, the default for an image named in SONDE_TOOLBOX_IMAGE), or never
   * does (never; always for the built-in sonde-toolbox image, which no registry has: npm start builds it).
   */
  toolboxPull: boolean;
  /** The toolbox image on Kubernetes engines (SONDE_K8S_TOOLBOX_IMAGE), pulled by the kubelet from a registry. */
  kubernetesToolboxImage: string;
  dataDir: string;
  /** The engines, in order (the first is the default a one-engine console uses without naming it). */
  engines: EngineConfig[];
  swarmNodeEngine: SwarmNodeEngineTemplate | undefined;
  /** What ssh:// engines need (undefined when none is one): the agent holding the keys and the known_hosts file. */
  ssh: SshConfig | undefined;
  /** How long an inventory call may wait for one engine before it answers without that engine. */
  engineDeadlineMs: number;
  /** Distinguishes this console's toolboxes from another console's on the same engine. */
  instance: string;
  /** Host names (with optional port) the console answers to; requests for others are refused. */
  allowedHosts: string[];
  /** Extra browser origins allowed to open terminals (the console's own origin always is). */
  allowedOrigins: string[];
  /** How long a session with no attached client is kept before its toolbox is removed. */
  detachedGraceMs: number;
  /** Sessions without input for this long end (with a warning first); 0 disables. */
  idleTimeoutMs: number;
  /** Live sessions; live tool runs have the same cap, counted apart (SONDE_MAX_SESSIONS). */
  maxSessions: number;
  /** Toolbox containers live at once, all kinds together: sessions, runs (two for two-sided tools), captures, doctor runs, matrices (one per member). */
  maxToolboxes: number;
  /** What one principal may hold at once. */
  perUser: { sessions: number; runs: number; captures: number; diagnoses: number; streams: number };
  /** Members a connectivity matrix probes at most (the cells grow with the square). */
  matrixMaxMembers: number;
  /** Terminal sockets attached to one session at once (all participants together). */
  maxSocketsPerSession: number;
  toolboxLimits: { memoryBytes: number; pids: number; nanoCpus: number };
  /**
   * SONDE_TOOLBOX_REUSE (default 1): a further session of the same principal to the same target
   * opens its shell in that principal's toolbox there; 0 gives every session a toolbox of its own
   * (its own memory and PID limits, at the cost of a container start per session).
   */
  toolboxReuse: boolean;
  webDir: string;
  logLevel: string;
  /** Serve HTTPS with these PEM files (SONDE_TLS_CERT, SONDE_TLS_KEY; both or neither). */
  tls: { certFile: string; keyFile: string } | undefined;
  /** SONDE_TLS_PROXY=1: an operator says a TLS-terminating proxy fronts this console (cookies get Secure). */
  behindTlsProxy: boolean;
  /**
   * Behind a proxy: the addresses whose X-Forwarded-For/-Proto/-Host are believed (Fastify's
   * trustProxy), so limits, the audit trail and share links see the client. Empty without a proxy.
   */
  trustedProxies: string[];
  /** Base URL used in share links (SONDE_PUBLIC_URL); without it, links use the request's Host. */
  publicUrl: string | undefined;
  /** When a recording cannot be written (disk full): keep the session going (`continue`) or refuse new sessions (`refuse`). */
  recordingFailure: 'continue' | 'refuse';
  /** SONDE_METRICS_PUBLIC=1: GET /metrics answers without credentials (a scraper on a trusted network). */
  metricsPublic: boolean;
  /** Origins whose pages may frame the embed views (SONDE_EMBED_ORIGINS); empty: nobody may. */
  embedOrigins: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const ENGINE_KEYS = new Set(['name', 'kind', 'host', 'tlsDir']);
const KUBERNETES_KEYS = new Set(['name', 'kind', 'kubeconfig', 'context', 'inCluster', 'namespace']);
const KUBE_NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A Kubernetes entry of SONDE_ENGINES, checked without connecting (the kubeconfig file is read at start). */
function parseKubernetesEngine(where: string, e: Record<string, unknown>, env: Env): KubernetesEngineConfig {
  for (const key of Object.keys(e)) if (!KUBERNETES_KEYS.has(key)) throw new ConfigError(`${where}.${key}`, 'is not a known field of a Kubernetes engine (name, kind, kubeconfig, context, inCluster, namespace)');
  const name = e.name as string;
  if (e.inCluster !== undefined && typeof e.inCluster !== 'boolean') throw new ConfigError(`${where}.inCluster`, 'must be true or false');
  const inCluster = e.inCluster === true;
  if (inCluster === (e.kubeconfig !== undefined)) throw new ConfigError(where, 'a Kubernetes engine has either "kubeconfig" (a file) or "inCluster": true');
  if (inCluster) {
    if (e.context !== undefined) throw new ConfigError(`${where}.context`, 'an in-cluster engine has no kubeconfig contexts');
    // What @kubernetes/client-node reads to find the API server from inside a pod.
    if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) throw new ConfigError(`${where}.inCluster`, 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: the console does not run in a Kubernetes pod');
  } else {
    if (typeof e.kubeconfig !== 'string' || e.kubeconfig.trim() === '') throw new ConfigError(`${where}.kubeconfig`, 'must be the path of a kubeconfig file');
    try {
      accessSync(e.kubeconfig.trim(), constants.R_OK);
    } catch {
      throw new ConfigError(`${where}.kubeconfig`, `${e.kubeconfig.trim()} is missing or not readable`);
    }
    if (e.context !== undefined && (typeof e.context !== 'string' || e.context.trim() === '')) throw new ConfigError(`${where}.context`, 'must name a context of the kubeconfig');
  }
  if (e.namespace !== undefined && (typeof e.namespace !== 'string' || !KUBE_NAMESPACE.test(e.namespace))) throw new ConfigError(`${where}.namespace`, `${JSON.stringify(e.namespace)} is not a namespace name`);
  return {
    name,
    kind: 'kubernetes',
    ...(inCluster ? { inCluster: true } : { kubeconfig: (e.kubeconfig as string).trim() }),
    ...(typeof e.context === 'string' ? { context: e.context.trim() } : {}),
    ...(typeof e.namespace === 'string' ? { namespace: e.namespace } : {}),
  };
}
const ENGINE_SCHEMES = ['unix:', 'tcp:', 'ssh:'];

/** A Docker engine URL the way the docker CLI takes it, checked without connecting. */
function checkEngineUrl(variable: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(variable, `"${url}" is not a URL; use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host`);
  }
  if (!ENGINE_SCHEMES.includes(parsed.protocol)) throw new ConfigError(variable, `"${url}" must start with unix://, tcp:// or ssh://`);
  if (parsed.protocol !== 'unix:' && !parsed.hostname) throw new ConfigError(variable, `"${url}" names no host`);
  if (parsed.protocol === 'ssh:') {
    // The docker CLI falls back to ~/.ssh/config and the local user; docker-modem's ssh2 client does not.
    if (!parsed.username) throw new ConfigError(variable, `"${url}" names no user: write ssh://user@host (no ~/.ssh/config is read)`);
    if (parsed.password) throw new ConfigError(variable, `"${url}" carries a password: ssh engines authenticate with a key in the ssh-agent at SSH_AUTH_SOCK`);
  }
}

/** When any engine is reached over ssh: the agent's socket and the known_hosts file, both there now. */
function parseSsh(env: Env, hosts: (string | undefined)[]): SshConfig | undefined {
  const agentSocket = env.SSH_AUTH_SOCK?.trim() || undefined;
  const knownHostsFile = env.SONDE_SSH_KNOWN_HOSTS?.trim() || path.join(homedir(), '.ssh/known_hosts');
  if (!hosts.some((h) => h?.startsWith('ssh://'))) return undefined;
  if (!agentSocket) throw new ConfigError('SSH_AUTH_SOCK', 'ssh:// engines authenticate with a key held by an ssh-agent: start one, ssh-add the key, and pass its SSH_AUTH_SOCK');
  if (!existsSync(agentSocket)) throw new ConfigError('SSH_AUTH_SOCK', `${agentSocket} does not exist (is the ssh-agent running?)`);
  try {
    accessSync(knownHostsFile, constants.R_OK);
  } catch {
    throw new ConfigError('SONDE_SSH_KNOWN_HOSTS', `${knownHostsFile} is missing or not readable: an ssh:// engine is used only when its host key is listed there (check the key, then e.g. ssh-keyscan HOST >> ${knownHostsFile})`);
  }
  return { agentSocket, knownHostsFile };
}

/** A TLS directory must hold the client certificate, its key and the CA, readable now (they are read at start). */
function checkTlsDir(variable: string, dir: string): void {
  for (const file of ['ca.pem', 'cert.pem', 'key.pem']) {
    try {
      accessSync(path.join(dir, file), constants.R_OK);
    } catch {
      throw new ConfigError(variable, `${path.join(dir, file)} is missing or not readable (a TLS directory holds ca.pem, cert.pem and key.pem)`);
    }
  }
}

/**
 * SONDE_ENGINES (JSON), or SONDE_ENGINES_FILE (a file with the same JSON), or else one engine
 * named `local` from DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
 */
function parseEngines(env: Env): EngineConfig[] {
  const inline = env.SONDE_ENGINES?.trim();
  const file = env.SONDE_ENGINES_FILE?.trim();
  if (inline && file) throw new ConfigError('SONDE_ENGINES', 'set SONDE_ENGINES or SONDE_ENGINES_FILE, not both');
  if (!inline && !file) {
    const host = env.DOCKER_HOST?.trim();
    if (host) checkEngineUrl('DOCKER_HOST', host);
    const certPath = env.DOCKER_CERT_PATH?.trim();
    if (certPath) checkTlsDir('DOCKER_CERT_PATH', certPath);
    const verify = env.DOCKER_TLS_VERIFY?.trim() ?? '';
    if (!['', '0', '1'].includes(verify)) throw new ConfigError('DOCKER_TLS_VERIFY', `expected 1 or 0, got "${verify}"`);
    // docker-modem parses the URL as the docker CLI does. The variables read here (the console's
    // environment, or a test's) are handed over as the engine's host and certificate directory,
    // so they rule even when they are not process.env's; an ssh URL's host key is then checked
    // like a configured one's. Unset, docker-modem reads process.env itself.
    if (!host) return [{ name: 'local', kind: 'docker' }];
    const tlsDir = verify === '1' ? (certPath ?? path.join(homedir(), '.docker')) : undefined;
    return [{ name: 'local', kind: 'docker', host, ...(tlsDir ? { tlsDir } : {}) }];
  }
  const variable = inline ? 'SONDE_ENGINES' : 'SONDE_ENGINES_FILE';
  let text = inline ?? '';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError('SONDE_ENGINES_FILE', `cannot read ${file} (${error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'unreadable'})`);
    }
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(variable, `not valid JSON (${error instanceof Error ? error.message : 'parse error'})`);
  }
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(variable, 'expected a non-empty JSON array of engines, e.g. [{"name":"local","host":"unix:///var/run/docker.sock"}]');
  const seen = new Set<string>();
  return list.map((entry: unknown, index) => {
    const where = `SONDE_ENGINES[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(where, 'expected an object with "name" and "host"');
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string' || !/^[a-z0-9-]{1,32}$/.test(e.name)) throw new ConfigError(`${where}.name`, `${JSON.stringify(e.name)} is not an engine name (1-32 of a-z, 0-9 and -)`);
    if (seen.has(e.name)) throw new ConfigError(`${where}.name`, `"${e.name}" names two engines`);
    seen.add(e.name);
    if (e.kind !== undefined && e.kind !== 'docker' && e.kind !== 'kubernetes') throw new ConfigError(`${where}.kind`, `${JSON.stringify(e.kind)} is not an engine kind this console knows ("docker", "kubernetes")`);
    if (e.kind === 'kubernetes') return parseKubernetesEngine(where, e, env);
    for (const key of Object.keys(e)) if (!ENGINE_KEYS.has(key)) throw new ConfigError(`${where}.${key}`, 'is not a known field (name, kind, host, tlsDir)');
    if (typeof e.host !== 'string' || e.host.trim() === '') throw new ConfigError(`${where}.host`, 'is required: unix:///path/to/docker.sock, tcp://host:port or ssh://user@host');
    checkEngineUrl(`${where}.host`, e.host.trim());
    if (e.tlsDir !== undefined) {
      if (typeof e.tlsDir !== 'string' || e.tlsDir.trim() === '') throw new ConfigError(`${where}.tlsDir`, 'must be a directory path');
      if (!e.host.startsWith('tcp://')) throw new ConfigError(`${where}.tlsDir`, 'only tcp:// engines use TLS');
      checkTlsDir(`${where}.tlsDir`, e.tlsDir.trim());
    }
    return { name: e.name, kind: 'docker' as const, host: e.host.trim(), ...(typeof e.tlsDir === 'string' ? { tlsDir: e.tlsDir.trim() } : {}) };
  });
}

function parseSwarmNodeEngine(env: Env): SwarmNodeEngineTemplate | undefined {
  const host = env.SONDE_SWARM_NODE_ENGINE?.trim();
  const tlsDir = env.SONDE_SWARM_NODE_TLS_DIR?.trim() || undefined;
  if (!host) {
    if (tlsDir) throw new ConfigError('SONDE_SWARM_NODE_TLS_DIR', 'set SONDE_SWARM_NODE_ENGINE too');
    return undefined;
  }
  if (!host.includes('{address}') && !host.includes('{hostname}')) throw new ConfigError('SONDE_SWARM_NODE_ENGINE', 'must contain {address} or {hostname}, e.g. tcp://{address}:2376');
  checkEngineUrl('SONDE_SWARM_NODE_ENGINE', host.replaceAll('{address}', '10.0.0.1').replaceAll('{hostname}', 'node-1'));
  if (tlsDir) checkTlsDir('SONDE_SWARM_NODE_TLS_DIR', tlsDir);
  return { host, ...(tlsDir ? { tlsDir } : {}) };
}

/**
 * Where Sonde keeps its state when SONDE_DATA_DIR is unset: never the working directory, so
 * `npm start` and `sonde user` find the same database wherever they are started. Root (and so
 * a system service) uses /var/lib/sonde; a user $XDG_STATE_HOME/sonde, ~/.local/state/sonde by
 * default (the XDG base directory spec's place for state that survives restarts).
 */
export function defaultDataDir(env: Env, uid: number | undefined = process.getuid?.()): string {
  // Both read whoever runs it, so the variables read do not depend on the user (config.test.ts).
  const stateHome = env.XDG_STATE_HOME?.trim();
  const home = env.HOME?.trim() || homedir();
  if (uid === 0) return '/var/lib/sonde';
  if (stateHome && path.isAbsolute(stateHome)) return path.join(stateHome, 'sonde');
  return path.join(home, '.local', 'state', 'sonde');
}

/**
 * A data directory Sonde can use: the path, or the nearest ancestor that exists, is a directory
 * it may write in (Sonde creates the rest). Checked now, so a bad path is a named error at start.
 */
function checkDataDir(dir: string): string {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(probe).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new ConfigError('SONDE_DATA_DIR', `${probe} is not a directory, so ${dir} cannot be one`);
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    throw new ConfigError('SONDE_DATA_DIR', `${probe} is not writable by this user`);
  }
  return dir;
}

/** A host name as it appears in a Host header, without scheme, port or path. */
const HOST_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;

function checkOrigin(origin: string, variable = 'SONDE_ALLOWED_ORIGINS'): string {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    throw new ConfigError(variable, `"${origin}" is not an origin like https://dash.example.com`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
    throw new ConfigError(variable, `"${origin}" is not an origin like https://dash.example.com (a scheme, a host, an optional port, nothing else)`);
  }
  return origin;
}

function flag(env: Env, name: string): boolean {
  const value = env[name]?.trim() ?? '';
  if (!['', '0', '1'].includes(value)) throw new ConfigError(name, `expected 1 or 0, got "${value}"`);
  return value === '1';
}

/** A web directory given on purpose must hold the built UI; the default may not be built yet (pages then say how to build it). */
function checkWebDir(given: string | undefined): string {
  if (given === undefined || given === '') return defaultWebDir;
  if (!existsSync(path.join(given, 'index.html'))) throw new ConfigError('SONDE_WEB_DIR', `${given} has no index.html (build the web UI there with npm run build -w web)`);
  return given;
}

const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/**
 * The bootstrap token: SONDE_TOKEN, or the first line of SONDE_TOKEN_FILE (a Docker or Compose
 * secret, so the token is in neither the environment nor `docker inspect`). Both at once is a
 * mistake, not a precedence rule to remember.
 */
function bootstrapToken(env: Env): string | undefined {
  const file = env.SONDE_TOKEN_FILE?.trim();
  let given = env.SONDE_TOKEN;
  let name = 'SONDE_TOKEN';
  if (file) {
    if (given !== undefined && given !== '') throw new ConfigError('SONDE_TOKEN_FILE', 'set SONDE_TOKEN or SONDE_TOKEN_FILE, not both');
    try {
      given = readFileSync(file, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (error) {
      throw new ConfigError('SONDE_TOKEN_FILE', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    if (given === '') throw new ConfigError('SONDE_TOKEN_FILE', `${file} is empty: its first line is the token`);
    name = 'SONDE_TOKEN_FILE';
  }
  if (given !== undefined && given !== '' && given.length < 16) {
    throw new ConfigError(name, 'must be at least 16 characters long');
  }
  return given;
}

export function parseConfig(env: Env = process.env): Config {
  const host = env.SONDE_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError('SONDE_HOST', `not a valid address: "${host}"`);
  const port = integer(env, 'SONDE_PORT', 8080, 0, 65535);

  const given = bootstrapToken(env);
  const token =
    given !== undefined && given !== ''
      ? { value: given, generated: false }
      : { value: randomBytes(24).toString('base64url'), generated: true };

  const toolboxImage = env.SONDE_TOOLBOX_IMAGE?.trim() || 'sonde-toolbox:latest';
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(toolboxImage)) {
    throw new ConfigError('SONDE_TOOLBOX_IMAGE', `not a valid image reference: "${toolboxImage}"`);
  }
  const pullSetting = env.SONDE_TOOLBOX_PULL?.trim() || 'missing';
  if (pullSetting !== 'missing' && pullSetting !== 'never') throw new ConfigError('SONDE_TOOLBOX_PULL', `use missing or never, not "${pullSetting}"`);
  // Sonde's own image is built on the host (npm start, toolbox/build.sh); a pull of it could only
  // ask Docker Hub for a repository that is not there.
  const toolboxPull = pullSetting === 'missing' && !/^sonde-toolbox(:|$)/.test(toolboxImage);
  const kubernetesToolboxImage = env.SONDE_K8S_TOOLBOX_IMAGE?.trim() || 'nicolaka/netshoot';
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(kubernetesToolboxImage)) {
    throw new ConfigError('SONDE_K8S_TOOLBOX_IMAGE', `not a valid image reference: "${kubernetesToolboxImage}"`);
  }

  const instance = env.SONDE_INSTANCE?.trim() || 'default';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) {
    throw new ConfigError('SONDE_INSTANCE', 'use 1-64 letters, digits, dot, dash or underscore');
  }

  const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];
  const extraHosts = list(env, 'SONDE_ALLOWED_HOSTS').map((h) => h.toLowerCase());
  for (const h of extraHosts) if (!HOST_NAME.test(h)) throw new ConfigError('SONDE_ALLOWED_HOSTS', `"${h}" is not a host name (no scheme, port or path)`);
  const allowedHosts = [...loopbackHosts, ...extraHosts];
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' && host !== '::') {
    allowedHosts.push(host.toLowerCase());
  }

  const certFile = env.SONDE_TLS_CERT?.trim() || undefined;
  const keyFile = env.SONDE_TLS_KEY?.trim() || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(certFile ? 'SONDE_TLS_KEY' : 'SONDE_TLS_CERT', 'set both SONDE_TLS_CERT and SONDE_TLS_KEY, or neither');
  }
  const proxyFlag = env.SONDE_TLS_PROXY?.trim() ?? '';
  if (!['', '0', '1'].includes(proxyFlag)) throw new ConfigError('SONDE_TLS_PROXY', `expected 1 or 0, got "${proxyFlag}"`);
  const publicUrlText = env.SONDE_PUBLIC_URL?.trim() || undefined;
  let publicUrl: string | undefined;
  if (publicUrlText) {
    let parsed: URL;
    try {
      parsed = new URL(publicUrlText);
    } catch {
      throw new ConfigError('SONDE_PUBLIC_URL', `not a URL: "${publicUrlText}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('SONDE_PUBLIC_URL', 'must start with http:// or https://');
    publicUrl = parsed.origin;
    allowedHosts.push(parsed.hostname.toLowerCase());
  }
  const behindTlsProxy = proxyFlag === '1';
  const trustedProxies = list(env, 'SONDE_TRUSTED_PROXIES');
  for (const entry of trustedProxies) {
    if (!/^(?:loopback|linklocal|uniquelocal|[0-9A-Fa-f.:]+(?:\/\d{1,3})?)$/.test(entry)) {
      throw new ConfigError('SONDE_TRUSTED_PROXIES', `"${entry}" is not an address, a CIDR range, or one of loopback, linklocal, uniquelocal`);
    }
  }
  if (trustedProxies.length > 0 && !behindTlsProxy) throw new ConfigError('SONDE_TRUSTED_PROXIES', 'set SONDE_TLS_PROXY=1 too: proxies are trusted only when one fronts the console');
  if (behindTlsProxy && trustedProxies.length === 0) trustedProxies.push('loopback', 'linklocal', 'uniquelocal');

  const logLevel = env.SONDE_LOG_LEVEL?.trim() || 'info';
  const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('SONDE_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const reuseFlag = env.SONDE_TOOLBOX_REUSE?.trim() || '1';
  if (!['0', '1'].includes(reuseFlag)) throw new ConfigError('SONDE_TOOLBOX_REUSE', `expected 1 or 0, got "${reuseFlag}"`);

  const recordingFailure = env.SONDE_RECORDING_FAILURE?.trim() || 'continue';
  if (recordingFailure !== 'continue' && recordingFailure !== 'refuse') {
    throw new ConfigError('SONDE_RECORDING_FAILURE', `expected "continue" or "refuse", got "${recordingFailure}"`);
  }

  const engines = parseEngines(env);
  const swarmNodeEngine = parseSwarmNodeEngine(env);

  return {
    host,
    port,
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    behindTlsProxy,
    trustedProxies,
    publicUrl,
    recordingFailure,
    token,
    toolboxImage,
    toolboxPull,
    kubernetesToolboxImage,
    dataDir: checkDataDir(path.resolve(env.SONDE_DATA_DIR?.trim() || defaultDataDir(env))),
    engines,
    swarmNodeEngine,
    ssh: parseSsh(env, [...engines.map((e) => (e.kind === 'docker' ? e.host : undefined)), swarmNodeEngine?.host]),
    engineDeadlineMs: integer(env, 'SONDE_ENGINE_DEADLINE_MS', 3000, 100, 60000),
    instance,
    allowedHosts,
    allowedOrigins: list(env, 'SONDE_ALLOWED_ORIGINS').map((o) => checkOrigin(o)),
    // Each origin goes into a CSP frame-ancestors source list, so it must be exactly an origin.
    embedOrigins: list(env, 'SONDE_EMBED_ORIGINS').map((o) => checkOrigin(o, 'SONDE_EMBED_ORIGINS')),
    metricsPublic: flag(env, 'SONDE_METRICS_PUBLIC'),
    detachedGraceMs: integer(env, 'SONDE_DETACHED_GRACE_SECONDS', 300, 0, 86400) * 1000,
    idleTimeoutMs: integer(env, 'SONDE_IDLE_TIMEOUT_SECONDS', 7200, 0, 7 * 86400) * 1000,
    maxSessions: integer(env, 'SONDE_MAX_SESSIONS', 200, 1, 10000),
    maxToolboxes: integer(env, 'SONDE_MAX_TOOLBOXES', 200, 1, 20000),
    perUser: {
      sessions: integer(env, 'SONDE_MAX_SESSIONS_PER_USER', 20, 1, 10000),
      runs: integer(env, 'SONDE_MAX_RUNS_PER_USER', 10, 1, 10000),
      captures: integer(env, 'SONDE_MAX_CAPTURES_PER_USER', 5, 1, 1000),
      diagnoses: integer(env, 'SONDE_MAX_DIAGNOSES_PER_USER', 5, 1, 1000),
      streams: integer(env, 'SONDE_MAX_STREAMS_PER_USER', 20, 1, 10000),
    },
    matrixMaxMembers: integer(env, 'SONDE_MATRIX_MAX_MEMBERS', 50, 2, 500),
    maxSocketsPerSession: integer(env, 'SONDE_MAX_SOCKETS_PER_SESSION', 32, 1, 10000),
    toolboxLimits: {
      memoryBytes: integer(env, 'SONDE_TOOLBOX_MEMORY_MB', 512, 32, 65536) * 1024 * 1024,
      pids: integer(env, 'SONDE_TOOLBOX_PIDS', 512, 16, 65536),
      nanoCpus: integer(env, 'SONDE_TOOLBOX_CPU_MILLIS', 1000, 100, 64000) * 1_000_000,
    },
    toolboxReuse: reuseFlag === '1',
    webDir: checkWebDir(env.SONDE_WEB_DIR?.trim()),
    logLevel,
  };
}
