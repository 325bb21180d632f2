import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Everything Sonde reads from its environment, parsed and validated once, here. */
export interface Config {
  host: string;
  port: number;
  /** The access token; `generated` says whether Sonde made it up (then it is printed once). */
  token: { value: string; generated: boolean };
  toolboxImage: string;
  dataDir: string;
  /** As given in DOCKER_HOST, or the default socket; shown in errors so operators know what was tried. */
  dockerHost: string;
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
  maxSessions: number;
  /** Toolbox containers live at once, sessions, runs (two for two-sided tools) and captures together. */
  maxToolboxes: number;
  /** What one principal may hold at once. */
  perUser: { sessions: number; runs: number; captures: number; streams: number };
  /** Terminal sockets attached to one session at once (all participants together). */
  maxSocketsPerSession: number;
  toolboxLimits: { memoryBytes: number; pids: number; nanoCpus: number };
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

const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export function parseConfig(env: Env = process.env): Config {
  const host = env.SONDE_HOST?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError('SONDE_HOST', `not a valid address: "${host}"`);
  const port = integer(env, 'SONDE_PORT', 8080, 0, 65535);

  const given = env.SONDE_TOKEN;
  if (given !== undefined && given !== '' && given.length < 16) {
    throw new ConfigError('SONDE_TOKEN', 'must be at least 16 characters long');
  }
  const token =
    given !== undefined && given !== ''
      ? { value: given, generated: false }
      : { value: randomBytes(24).toString('base64url'), generated: true };

  const toolboxImage = env.SONDE_TOOLBOX_IMAGE?.trim() || 'sonde-toolbox:latest';
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(toolboxImage)) {
    throw new ConfigError('SONDE_TOOLBOX_IMAGE', `not a valid image reference: "${toolboxImage}"`);
  }

  const instance = env.SONDE_INSTANCE?.trim() || 'default';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) {
    throw new ConfigError('SONDE_INSTANCE', 'use 1-64 letters, digits, dot, dash or underscore');
  }

  const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];
  const allowedHosts = [...loopbackHosts, ...list(env, 'SONDE_ALLOWED_HOSTS').map((h) => h.toLowerCase())];
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

  const recordingFailure = env.SONDE_RECORDING_FAILURE?.trim() || 'continue';
  if (recordingFailure !== 'continue' && recordingFailure !== 'refuse') {
    throw new ConfigError('SONDE_RECORDING_FAILURE', `expected "continue" or "refuse", got "${recordingFailure}"`);
  }

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
    dataDir: path.resolve(env.SONDE_DATA_DIR?.trim() || '.data'),
    dockerHost: env.DOCKER_HOST?.trim() || 'unix:///var/run/docker.sock',
    instance,
    allowedHosts,
    allowedOrigins: list(env, 'SONDE_ALLOWED_ORIGINS'),
    detachedGraceMs: integer(env, 'SONDE_DETACHED_GRACE_SECONDS', 300, 0, 86400) * 1000,
    idleTimeoutMs: integer(env, 'SONDE_IDLE_TIMEOUT_SECONDS', 7200, 0, 7 * 86400) * 1000,
    maxSessions: integer(env, 'SONDE_MAX_SESSIONS', 200, 1, 10000),
    maxToolboxes: integer(env, 'SONDE_MAX_TOOLBOXES', 200, 1, 20000),
    perUser: {
      sessions: integer(env, 'SONDE_MAX_SESSIONS_PER_USER', 20, 1, 10000),
      runs: integer(env, 'SONDE_MAX_RUNS_PER_USER', 10, 1, 10000),
      captures: integer(env, 'SONDE_MAX_CAPTURES_PER_USER', 5, 1, 1000),
      streams: integer(env, 'SONDE_MAX_STREAMS_PER_USER', 20, 1, 10000),
    },
    maxSocketsPerSession: integer(env, 'SONDE_MAX_SOCKETS_PER_SESSION', 32, 1, 10000),
    toolboxLimits: {
      memoryBytes: integer(env, 'SONDE_TOOLBOX_MEMORY_MB', 512, 32, 65536) * 1024 * 1024,
      pids: integer(env, 'SONDE_TOOLBOX_PIDS', 512, 16, 65536),
      nanoCpus: integer(env, 'SONDE_TOOLBOX_CPU_MILLIS', 1000, 100, 64000) * 1_000_000,
    },
    webDir: env.SONDE_WEB_DIR?.trim() || defaultWebDir,
    logLevel,
  };
}
