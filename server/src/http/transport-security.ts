import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { createSecureContext } from 'node:tls';
import { ConfigError, type Config } from '../config.js';

/**
 * How the console's listener is protected on the wire: HTTPS from SONDE_TLS_CERT/SONDE_TLS_KEY,
 * and the warning printed when it listens beyond this machine with neither TLS nor a proxy.
 */

/** Whether a listen address accepts connections from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) {
    if (h === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && mapped[1]!.startsWith('127.');
  }
  return false;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new ConfigError(variable, `cannot read "${file}" (${reason})`);
  }
}

/**
 * Reads and checks the certificate and key at startup, so a wrong path, a file that is not
 * PEM, or a key of another certificate stops Sonde naming the variable, rather than failing
 * every TLS handshake later.
 */
export function readTlsFiles(tls: NonNullable<Config['tls']>): TlsFiles {
  const cert = readPem('SONDE_TLS_CERT', tls.certFile);
  const key = readPem('SONDE_TLS_KEY', tls.keyFile);
  try {
    createSecureContext({ cert });
  } catch {
    throw new ConfigError('SONDE_TLS_CERT', `"${tls.certFile}" is not a PEM certificate`);
  }
  try {
    createSecureContext({ cert, key });
  } catch {
    throw new ConfigError('SONDE_TLS_KEY', `"${tls.keyFile}" is not an unencrypted PEM private key for the certificate in SONDE_TLS_CERT`);
  }
  return { cert, key };
}

/**
 * The warning to print at startup when the console listens beyond loopback in plain HTTP and
 * nobody said a TLS proxy is in front; undefined when there is nothing to warn about.
 */
export function exposureWarning(config: Pick<Config, 'host' | 'tls' | 'behindTlsProxy'>): string | undefined {
  if (isLoopbackHost(config.host) || config.tls !== undefined || config.behindTlsProxy) return undefined;
  const rule = '!'.repeat(78);
  return [
    rule,
    `!! WARNING: Sonde listens on ${config.host} over plain HTTP.`,
    '!!',
    '!! Sonde drives the Docker engine: whoever gets in has root on this host. Over plain',
    '!! HTTP, anyone on the path sees the login token, session cookies and every keystroke.',
    '!!',
    '!! Fix it one of two ways:',
    '!!   1. Serve HTTPS: set SONDE_TLS_CERT and SONDE_TLS_KEY to PEM certificate and key files.',
    '!!   2. Put a TLS-terminating proxy in front, let only the proxy reach this port,',
    '!!      and set SONDE_TLS_PROXY=1 to say so.',
    '!! Or listen on loopback only (unset SONDE_HOST; the default is 127.0.0.1).',
    '!! See docs/security.md.',
    rule,
  ].join('\n');
}
