import Type, { type Static } from 'typebox';

/**
 * The typed parameters of the tool catalog and their validators. Pure functions, used by the
 * server before anything runs and by the web forms while typing, so both refuse the same values.
 *
 * Tools always run as an argv array (never through a shell), so a metacharacter could not do
 * harm by itself; refusing them anyway keeps a future mistake (a wrapper script, a tool that
 * re-parses an argument) from turning into command execution. Every value must be printable
 * ASCII (no newline, NUL, or look-alike Unicode dashes) and may not start with "-", which is
 * what option injection (`-oProxyCommand=…`, `-oN /tmp/x`) needs.
 */

export const PARAM_TYPES = [
  'host',
  'hosts',
  'ip',
  'cidr',
  'port',
  'ports',
  'count',
  'seconds',
  'interface',
  'url',
  'recordType',
  'bpf',
  'choice',
  'flag',
  'container',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const ParamValue = Type.Union([Type.String({ maxLength: 2048 }), Type.Number(), Type.Boolean()]);
export type ParamValue = Static<typeof ParamValue>;

export const ParamSpec = Type.Object({
  name: Type.String(),
  type: Type.Enum(PARAM_TYPES),
  label: Type.String(),
  required: Type.Boolean(),
  default: Type.Optional(ParamValue),
  /** Numbers: the smallest value. */
  min: Type.Optional(Type.Number()),
  /** Numbers: the largest value; `ports` and `hosts`: how many entries at most. */
  max: Type.Optional(Type.Number()),
  /** `choice`: the accepted values. */
  choices: Type.Optional(Type.Array(Type.String())),
  /** `interface`: whether `any` (all interfaces, tcpdump) is accepted. */
  acceptsAny: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String()),
});
export type ParamSpec = Static<typeof ParamSpec>;

/** One line per type, for docs and form hints. */
export const PARAM_TYPE_DESCRIPTIONS: Record<ParamType, string> = {
  host: 'a hostname (RFC 1123 labels; underscores allowed as in container names) or an IPv4/IPv6 address',
  hosts: 'a comma-separated list of hosts (at most `max`)',
  ip: 'an IPv4 or IPv6 address',
  cidr: 'an address with a prefix length, e.g. 10.0.0.0/24',
  port: 'a port number 1-65535',
  ports: 'comma-separated ports and ranges, e.g. 22,80,8000-8010 (at most `max` ports in all)',
  count: 'a whole number between `min` and `max`',
  seconds: 'a whole number of seconds between `min` and `max`',
  interface: 'a network interface name such as eth0 (and `any` where accepted)',
  url: 'an http:// or https:// URL, without credentials',
  recordType: 'a DNS record type: A, AAAA, CAA, CNAME, MX, NS, PTR, SOA, SRV, TXT or ANY',
  bpf: 'a tcpdump (BPF) filter expression from a safe character set',
  choice: 'one of `choices`',
  flag: 'true or false',
  container: 'a container name or id (the other side of a two-sided tool)',
};

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'ANY'] as const;

export const MAX_TEXT_LENGTH = 255;
export const MAX_URL_LENGTH = 2048;
export const MAX_BPF_LENGTH = 512;

export type ValidationResult = { ok: true; value: ParamValue } | { ok: false; reason: string };

const ok = (value: ParamValue): ValidationResult => ({ ok: true, value });
const fail = (reason: string): ValidationResult => ({ ok: false, reason });

/** Characters a POSIX shell gives meaning to, plus whitespace. */
const SHELL_META = new Set([...'`$;|&<>\\\'"(){}*?!#~[]^ \t']);

/** Metacharacters a type needs and may therefore contain (its own grammar is checked after). */
const ALLOWED_META: Partial<Record<ParamType, string>> = {
  // Query strings need & and #, IPv6 literals need brackets. curl gets the URL as one argv element.
  url: '&?#[]',
  // BPF operators and grouping: `tcp[13] & 2 != 0 and (port 80 or port 443)`.
  bpf: '&|()<>![]* ',
};

function describeChar(ch: string): string {
  if (ch === ' ') return 'a space';
  if (ch === '\t') return 'a tab';
  return `"${ch}"`;
}

/** The checks every text value passes before its type's own grammar. */
function checkText(value: unknown, type: ParamType, maxLength: number): { ok: true; text: string } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: false, reason: 'must be a string' };
  if (value.length === 0) return { ok: false, reason: 'must not be empty' };
  if (value.length > maxLength) return { ok: false, reason: `must be at most ${maxLength} characters` };
  if (/[\u0000-\u001f\u007f]/.test(value)) return { ok: false, reason: 'must not contain control characters (newline, NUL, …)' };
  if (/[^\u0020-\u007e]/.test(value)) return { ok: false, reason: 'must be plain ASCII (no Unicode look-alikes)' };
  if (value.startsWith('-')) return { ok: false, reason: 'must not start with "-"' };
  const allowed = ALLOWED_META[type] ?? '';
  for (const ch of value) {
    if (SHELL_META.has(ch) && !allowed.includes(ch)) return { ok: false, reason: `must not contain ${describeChar(ch)}` };
  }
  return { ok: true, text: value };
}

const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

/** Dotted-quad IPv4 without leading zeros (which inet_aton would read as octal). */
export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

/** IPv6 in any RFC 4291 text form, with an optional embedded IPv4 tail and zone (`%eth0`). */
export function isIPv6(value: string): boolean {
  let address = value;
  const zone = value.indexOf('%');
  if (zone >= 0) {
    // An interface name; never one that starts like an option (`-oN`), wherever the value lands in argv.
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/.test(value.slice(zone + 1))) return false;
    address = value.slice(0, zone);
  }
  if (!/^[0-9A-Fa-f:.]+$/.test(address) || address.length < 2) return false;
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string): string[] | null => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i]!;
    const last = i === all.length - 1;
    if (last && group.includes('.')) {
      if (!isIPv4(group)) return false;
      count += 2;
    } else if (/^[0-9A-Fa-f]{1,4}$/.test(group)) {
      count += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * An RFC 1123 host name, also accepting `_` (Docker container names and Compose v1 names such as
 * `shop_web_1` are resolvable and use it). The last label may not look like a number, because
 * resolvers read `127.1` or `0x7f000001` as addresses. A name made only of digits, dots and
 * dashes is refused too: nmap and fping read `10.0.0-255.1-254` as a range of addresses, so one
 * such value would name thousands of targets.
 */
export function isHostname(value: string): boolean {
  if (value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0) return false;
  const labels = name.split('.');
  if (!labels.every((label) => HOST_LABEL.test(label))) return false;
  if (labels.every((label) => /^[0-9-]+$/.test(label))) return false;
  return !/^(?:[0-9]+|0x[0-9a-f]*)$/i.test(labels[labels.length - 1]!);
}

export function isHost(value: string): boolean {
  return isIP(value) || isHostname(value);
}

export function isCidr(value: string): boolean {
  const slash = value.lastIndexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefix)) return false;
  if (isIPv4(address)) return Number(prefix) <= 32;
  if (isIPv6(address) && !address.includes('%')) return Number(prefix) <= 128;
  return false;
}

export interface PortRange {
  from: number;
  to: number;
}

/** Parses `22,80,8000-8010`; null when any item is not a port or a rising range of ports. */
export function parsePorts(value: string): PortRange[] | null {
  const ranges: PortRange[] = [];
  for (const item of value.split(',')) {
    const match = /^([1-9][0-9]{0,4})(?:-([1-9][0-9]{0,4}))?$/.exec(item);
    if (!match) return null;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from > 65535 || to > 65535 || to < from) return null;
    ranges.push({ from, to });
  }
  return ranges;
}

export function countPorts(ranges: readonly PortRange[]): number {
  return ranges.reduce((n, r) => n + (r.to - r.from + 1), 0);
}

/** Every port of a validated `ports` value, in the order given. */
export function expandPorts(value: string): number[] {
  const ports: number[] = [];
  for (const range of parsePorts(value) ?? []) for (let p = range.from; p <= range.to; p++) ports.push(p);
  return ports;
}

/** An http(s) URL: scheme, host (name, IPv4 or [IPv6]), optional port, then path/query/fragment. */
export function checkUrl(value: string): string | null {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value);
  if (!scheme || !/^https?$/i.test(scheme[1]!)) return 'must be an http:// or https:// URL';
  const match = /^https?:\/\/(\[[^\]/]*\]|[^/?#:@]*)(?::([0-9]{1,5}))?([/?#].*)?$/i.exec(value);
  if (!match) {
    return /^https?:\/\/[^/?#]*@/i.test(value) ? 'must not contain credentials (user@host)' : 'must be an http:// or https:// URL';
  }
  const host = match[1]!;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (host.startsWith('[') ? !isIPv6(bare) : !isHost(bare)) return 'must name a valid host';
  if (match[2] !== undefined && (Number(match[2]) < 1 || Number(match[2]) > 65535)) return 'must have a port between 1 and 65535';
  const rest = match[3] ?? '';
  if (!/^[A-Za-z0-9\-._~:/?#[\]@&+,=%]*$/.test(rest)) return 'contains characters a URL must percent-encode';
  if (/%(?![0-9A-Fa-f]{2})/.test(rest)) return 'contains a malformed %-escape';
  return null;
}

const BPF_CHARSET = /^[A-Za-z0-9_ .:/[\]()!=<>&|+*-]+$/;
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;
const CONTAINER_REF = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function checkInteger(value: unknown, min: number, max: number, unit = ''): ValidationResult {
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail('must be a whole number');
  if (value < min || value > max) return fail(`must be between ${min} and ${max}${unit}`);
  return ok(value);
}

/** Validates one value against its parameter spec; the reason completes "params.<name> …". */
export function validateParamValue(spec: ParamSpec, value: unknown): ValidationResult {
  switch (spec.type) {
    case 'port':
      return checkInteger(value, spec.min ?? 1, spec.max ?? 65535);
    case 'count':
      return checkInteger(value, spec.min ?? 1, spec.max ?? 100);
    case 'seconds':
      return checkInteger(value, spec.min ?? 1, spec.max ?? 60, ' seconds');
    case 'flag':
      return typeof value === 'boolean' ? ok(value) : fail('must be true or false');
    case 'choice': {
      const choices = spec.choices ?? [];
      return typeof value === 'string' && choices.includes(value) ? ok(value) : fail(`must be one of ${choices.join(', ')}`);
    }
    case 'recordType':
      return typeof value === 'string' && (DNS_RECORD_TYPES as readonly string[]).includes(value)
        ? ok(value)
        : fail(`must be one of ${DNS_RECORD_TYPES.join(', ')}`);
    default:
      break;
  }
  const maxLength = spec.type === 'url' ? MAX_URL_LENGTH : spec.type === 'bpf' ? MAX_BPF_LENGTH : MAX_TEXT_LENGTH;
  const text = checkText(value, spec.type, maxLength);
  if (!text.ok) return fail(text.reason);
  const v = text.text;
  switch (spec.type) {
    case 'host':
      return isHost(v) ? ok(v) : fail('must be a hostname or an IP address');
    case 'hosts': {
      const hosts = v.split(',');
      const limit = spec.max ?? 8;
      if (hosts.length > limit) return fail(`must list at most ${limit} hosts`);
      const bad = hosts.find((h) => !isHost(h));
      return bad === undefined ? ok(v) : fail(`must be comma-separated hostnames or IP addresses ("${bad}" is not one)`);
    }
    case 'ip':
      return isIP(v) ? ok(v) : fail('must be an IPv4 or IPv6 address');
    case 'cidr':
      return isCidr(v) ? ok(v) : fail('must be an address with a prefix length, e.g. 10.0.0.0/24');
    case 'ports': {
      const ranges = parsePorts(v);
      if (!ranges) return fail('must be ports or ranges between 1 and 65535, e.g. 22,80,8000-8010');
      const limit = spec.max ?? 100;
      if (countPorts(ranges) > limit) return fail(`must name at most ${limit} ports`);
      return ok(v);
    }
    case 'interface':
      if (v === 'any') return spec.acceptsAny ? ok(v) : fail('must name one interface ("any" is not accepted here)');
      return IFNAME.test(v) && v !== '.' && v !== '..' ? ok(v) : fail('must be an interface name such as eth0');
    case 'url': {
      const reason = checkUrl(v);
      return reason ? fail(reason) : ok(v);
    }
    case 'bpf':
      return BPF_CHARSET.test(v) ? ok(v) : fail('may only use letters, digits, spaces and . : / [ ] ( ) ! = < > & | + * - _');
    case 'container':
      return CONTAINER_REF.test(v) ? ok(v) : fail('must be a container name or id');
    default: {
      // The non-text types returned above.
      return fail('has an unknown type');
    }
  }
}
