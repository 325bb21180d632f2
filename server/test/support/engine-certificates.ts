/**
 * Certificates for a Docker engine reached over TLS, made with Debian's openssl the way Docker's
 * "Protect the Docker daemon socket" guide makes them: a CA, a server certificate for the engine's
 * address (serverAuth), client certificates (clientAuth). ECDSA P-256 keys: quick to make, and
 * both dockerd and Node accept them. Valid for one day; everything stays in the given directory.
 *
 * Only Node built-ins and openssl here: the transport bench (server/bench) runs it compiled.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** A CA: `<dir>/<name>/ca.pem` and its key. */
export interface CertificateAuthority {
  dir: string;
  cert: string;
  key: string;
}

export function makeCertificateAuthority(dir: string, name: string): CertificateAuthority {
  const own = path.join(dir, name);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  const ca = { dir: own, cert: path.join(own, 'ca.pem'), key: path.join(own, 'ca-key.pem') };
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', ca.key, '-out', ca.cert);
  return ca;
}

/** A key and a certificate signed by `ca`, with the given subject and X.509v3 extensions. */
function issue(ca: CertificateAuthority, out: { cert: string; key: string }, subject: string, extensions: string): void {
  const csr = `${out.cert}.csr`;
  const ext = `${out.cert}.ext`;
  writeFileSync(ext, extensions);
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subject, '-keyout', out.key, '-out', csr);
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', out.cert);
  rmSync(csr);
  rmSync(ext);
}

/**
 * What an engine's --tlsverify needs, in `<dir>`: ca.pem (the CA its clients' certificates must
 * come from), server-cert.pem and server-key.pem for `address` (an IP) and `hostname`.
 */
export function makeServerCertificate(ca: CertificateAuthority, dir: string, options: { address: string; hostname: string }): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  copyFileSync(ca.cert, path.join(dir, 'ca.pem'));
  issue(ca, { cert: path.join(dir, 'server-cert.pem'), key: path.join(dir, 'server-key.pem') }, `/CN=${options.hostname}`, `subjectAltName=IP:${options.address},DNS:${options.hostname}\nextendedKeyUsage=serverAuth\n`);
  return dir;
}

/**
 * A client's TLS directory as Sonde's `tlsDir` (and the docker CLI's DOCKER_CERT_PATH) takes it:
 * ca.pem (`trust`, the CA the engine's certificate must come from), cert.pem and key.pem (a client
 * certificate from `issuer`, which the engine accepts only if it is the engine's CA).
 */
export function makeClientDirectory(options: { issuer: CertificateAuthority; trust: CertificateAuthority; dir: string; commonName: string }): string {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  copyFileSync(options.trust.cert, path.join(options.dir, 'ca.pem'));
  issue(options.issuer, { cert: path.join(options.dir, 'cert.pem'), key: path.join(options.dir, 'key.pem') }, `/CN=${options.commonName}`, 'extendedKeyUsage=clientAuth\n');
  return options.dir;
}
