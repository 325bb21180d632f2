import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The host key check an ssh:// engine needs and docker-modem does not do: its ssh2 client is
 * given no hostVerifier, so it accepts any host key, where the docker CLI (OpenSSH) refuses a
 * host missing from known_hosts or whose key changed. This reads an OpenSSH known_hosts file
 * (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT") the way `ssh -o StrictHostKeyChecking=yes` uses it:
 * plain and hashed (`|1|salt|hash`) names, `[host]:port`, `*`/`?` patterns and `!` negation,
 * `@revoked` keys. `@cert-authority` lines (host certificates) are not supported and ignored.
 */

export interface KnownHostKey {
  /** The key type as written: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, … */
  type: string;
  /** The public key blob (what the server presents), base64 as in the file. */
  blob: string;
}

export interface HostKeyCheck {
  /** The name looked up: `host`, or `[host]:port` when the port is not 22 (as OpenSSH writes it). */
  name: string;
  /** The host's keys in the file (not revoked). */
  keys: KnownHostKey[];
  revoked: KnownHostKey[];
  /**
   * Host key algorithms to offer, in the order of the known keys, so the server presents a key
   * the file has (OpenSSH does the same); undefined when the file knows none for this host.
   */
  algorithms: string[] | undefined;
  /** Whether the key the server presented (its raw blob) is one of the host's known keys. Says why not. */
  verify(presented: Buffer): { ok: true } | { ok: false; reason: string };
}

/** A known_hosts name as OpenSSH writes it for this host and port. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's pattern match: `*` any run of characters, `?` one; case-insensitive, as host names are. */
function matchesPattern(name: string, pattern: string): boolean {
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name.toLowerCase());
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`: HashKnownHosts' form. */
function matchesHashed(name: string, entry: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Whether a line's host field (comma-separated patterns, or one hashed name) names `name`. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return matchesHashed(name, field);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      // A negated match excludes the host from this line whatever else matches.
      if (matchesPattern(name, pattern.slice(1))) return false;
    } else if (matchesPattern(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}

/** The key type inside an SSH public key blob (a uint32 length, then the name). */
function blobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** Algorithm names that authenticate with a key of this type (RSA keys sign with SHA-2 first). */
function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

/** The SHA256 fingerprint as `ssh-keygen -l` prints it (base64 without padding), for messages. */
function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** What the known_hosts text says about one host. */
export function hostKeyCheck(text: string, host: string, port: number, file: string): HostKeyCheck {
  const name = knownHostsName(host, port);
  const keys: KnownHostKey[] = [];
  const revoked: KnownHostKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    const [hosts, type, blob] = fields;
    if (!hosts || !type || !blob) continue;
    if (marker === '@cert-authority') continue;
    if (marker !== undefined && marker !== '@revoked') continue;
    if (!hostFieldMatches(hosts, name)) continue;
    (marker === '@revoked' ? revoked : keys).push({ type, blob });
  }
  const known = keys.filter((k) => !revoked.some((r) => r.blob === k.blob));
  const algorithms = known.length ? [...new Set(known.flatMap((k) => algorithmsFor(k.type)))] : undefined;
  return {
    name,
    keys: known,
    revoked,
    algorithms,
    verify(presented) {
      const blob = presented.toString('base64');
      const described = `${blobType(presented)} ${fingerprint(presented)}`;
      if (revoked.some((r) => r.blob === blob)) return { ok: false, reason: `the host key of ${name} (${described}) is marked @revoked in ${file}` };
      if (known.some((k) => k.blob === blob)) return { ok: true };
      if (known.length === 0) return { ok: false, reason: `${name} is not in ${file}; check its host key (${described}) and add it, e.g. ssh-keyscan ${port === 22 ? '' : `-p ${port} `}${host} >> ${file}` };
      return { ok: false, reason: `the host key of ${name} (${described}) is not the one in ${file}: it changed, or someone is in between` };
    },
  };
}
