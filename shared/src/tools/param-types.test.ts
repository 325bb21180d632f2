import { describe, expect, it } from 'vitest';
import { TOOLS, findTool } from './catalog.js';
import { PARAM_TYPES, checkUrl, expandPorts, isCidr, isHost, isHostname, isIPv4, isIPv6, validateParamValue, type ParamSpec, type ParamType } from './param-types.js';
import { validateToolParams } from './runs.js';

const spec = (type: ParamType, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name: 'x', type, label: 'x', required: true, ...extra });
const accepts = (type: ParamType, value: unknown, extra: Partial<ParamSpec> = {}) => validateParamValue(spec(type, extra), value).ok;

/** Values an attacker (or a confused paste) might send; every text type must refuse every one. */
const HOSTILE = [
  '-oProxyCommand=id',
  '-oN /tmp/x',
  '--output=/tmp/x',
  '$(id)',
  '$(touch /tmp/p)',
  '`id`',
  'a;id',
  ';id',
  'a|id',
  'a&&id',
  'a\nid',
  'a\r\nid',
  'a\u0000b',
  '\u2013oN',
  '\u2014help',
  '\u2212v',
  'example.com\u202e',
  'a b',
  "a'b",
  'a"b',
  'a>b',
  'a<b',
  '${IFS}',
  'file:///etc/passwd',
  'gopher://127.0.0.1:25/',
  '~root',
  'a\\b',
];

describe('parameter validators', () => {
  it('refuses every hostile value for every text type', () => {
    const textTypes: ParamType[] = ['host', 'hosts', 'ip', 'cidr', 'ports', 'interface', 'url', 'container'];
    for (const type of textTypes) {
      for (const value of HOSTILE) {
        expect(accepts(type, value, { acceptsAny: true }), `${type} accepted ${JSON.stringify(value)}`).toBe(false);
      }
    }
  });

  it('refuses hostile BPF filters, though BPF needs & | < > ( ) ! as operators', () => {
    // Those operators are allowed: the filter is one argv element after "--", never shell text.
    const needsBpfOperators = new Set(['a|id', 'a&&id', 'a>b', 'a<b', 'a b', 'file:///etc/passwd', 'gopher://127.0.0.1:25/']);
    for (const value of HOSTILE.filter((v) => !needsBpfOperators.has(v))) {
      expect(accepts('bpf', value), `bpf accepted ${JSON.stringify(value)}`).toBe(false);
    }
  });

  it('names the reason for the classic injections', () => {
    expect(validateParamValue(spec('host'), '-oProxyCommand=id')).toEqual({ ok: false, reason: 'must not start with "-"' });
    expect(validateParamValue(spec('host'), '$(id)')).toEqual({ ok: false, reason: 'must not contain "$"' });
    expect(validateParamValue(spec('host'), 'a;id')).toEqual({ ok: false, reason: 'must not contain ";"' });
    expect(validateParamValue(spec('host'), 'web\nid')).toMatchObject({ ok: false, reason: expect.stringContaining('control characters') });
    expect(validateParamValue(spec('host'), '\u2013oN')).toMatchObject({ ok: false, reason: expect.stringContaining('ASCII') });
    expect(validateParamValue(spec('url'), 'file:///etc/passwd')).toEqual({ ok: false, reason: 'must be an http:// or https:// URL' });
    expect(validateParamValue(spec('url'), 'gopher://127.0.0.1:25/')).toEqual({ ok: false, reason: 'must be an http:// or https:// URL' });
    expect(validateParamValue(spec('url'), 'http://user:pw@web/')).toEqual({ ok: false, reason: 'must not contain credentials (user@host)' });
  });

  it('accepts host names, container names and addresses', () => {
    for (const value of ['web', 'payments-api', 'shop_web_1', 'api.shop.internal', 'example.com.', '10.0.0.1', '::1', 'fe80::1%eth0', '2001:db8::8a2e:370:7334', '::ffff:192.0.2.1']) {
      expect(isHost(value), value).toBe(true);
    }
    for (const value of ['', '.', 'a..b', '-web', 'web-', 'a'.repeat(64), '127.1', '0x7f000001', '1.2.3.256', 'web/1', 'a:b']) {
      expect(isHost(value), value).toBe(false);
    }
    expect(isHostname(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)).toBe(true);
    // Multi-target syntax (nmap and fping octet ranges) is never one host, in any spelling.
    for (const value of ['127.0-255.0-255.1-254', '10.0.0.1-254', '0-255', '10-0.1', '1-2.3', '10.0.0-', '192.168.1.1-2.', '1.2.3.4-5']) {
      expect(isHost(value), value).toBe(false);
    }
    for (const value of ['1-2-3-4.nip.io', 'web-1', 'a1-2']) expect(isHost(value), value).toBe(true);
    expect(isHostname(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`)).toBe(false);
  });

  it('parses IPv4 and IPv6 strictly', () => {
    expect(isIPv4('192.168.1.10')).toBe(true);
    expect(isIPv4('192.168.01.10')).toBe(false); // octal to inet_aton
    expect(isIPv4('1.2.3')).toBe(false);
    expect(isIPv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(isIPv6('1::2::3')).toBe(false);
    expect(isIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(true);
    expect(isIPv6('::')).toBe(true);
    expect(isIPv6('12345::')).toBe(false);
    // A zone is an interface name: never one that starts like an option.
    expect(isIPv6('fe80::1%eth0.10')).toBe(true);
    for (const value of ['fe80::1%-oN', 'fe80::1%--script', 'fe80::1%', 'fe80::1%.x', 'fe80::1%eth0 ']) expect(isIPv6(value), value).toBe(false);
  });

  it('accepts CIDRs within the prefix bounds', () => {
    expect(isCidr('10.0.0.0/8')).toBe(true);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('fd00::/64')).toBe(true);
    expect(isCidr('fd00::/129')).toBe(false);
    expect(isCidr('10.0.0.0/08')).toBe(false);
    expect(isCidr('10.0.0.0')).toBe(false);
  });

  it('holds the host count of a hosts list whatever the spelling', () => {
    const eight = { ...spec('hosts'), max: 8 };
    expect(validateParamValue(eight, 'a,b,c,d,e,f,g,h')).toMatchObject({ ok: true });
    expect(validateParamValue(eight, 'a,b,c,d,e,f,g,h,i')).toMatchObject({ ok: false, reason: 'must list at most 8 hosts' });
    for (const value of ['10.0.0.1-254', '10.0.0.1,2,3', '10.0.0.*', '10.0.0.0/24', 'web 10.0.0.1', 'web\t10.0.0.2', '10.0.0.1;10.0.0.2']) {
      expect(validateParamValue(eight, value), value).toMatchObject({ ok: false });
    }
  });

  it('bounds ports, lists and ranges', () => {
    expect(accepts('ports', '22,80,8000-8010')).toBe(true);
    expect(accepts('ports', '0')).toBe(false);
    expect(accepts('ports', '65536')).toBe(false);
    expect(accepts('ports', '90-80')).toBe(false);
    expect(accepts('ports', '80,')).toBe(false);
    expect(accepts('ports', '1-1000', { max: 100 })).toBe(false);
    expect(accepts('ports', '1-100', { max: 100 })).toBe(true);
    expect(expandPorts('22,80-82')).toEqual([22, 80, 81, 82]);
    expect(accepts('port', 80)).toBe(true);
    expect(accepts('port', '80')).toBe(false); // nothing is coerced
    expect(accepts('port', 0)).toBe(false);
    expect(accepts('port', 80.5)).toBe(false);
  });

  it('bounds counts and durations', () => {
    expect(validateParamValue(spec('count', { min: 1, max: 100 }), 101)).toEqual({ ok: false, reason: 'must be between 1 and 100' });
    expect(validateParamValue(spec('seconds', { min: 1, max: 300 }), 301)).toEqual({ ok: false, reason: 'must be between 1 and 300 seconds' });
    expect(accepts('count', -1)).toBe(false);
    expect(accepts('count', Number.NaN)).toBe(false);
    expect(accepts('count', 1e9)).toBe(false);
  });

  it('accepts http(s) URLs only', () => {
    expect(checkUrl('http://web:8080/health?full=1&x=2#top')).toBeNull();
    expect(checkUrl('https://[::1]:8443/')).toBeNull();
    expect(checkUrl('HTTP://web/')).toBeNull();
    expect(checkUrl('http://web')).toBeNull();
    for (const bad of ['ftp://web/', 'javascript:alert(1)', 'dict://web:11211/', 'http:/web', 'http://web:99999/', 'http://we b/', 'http://web/%zz', 'http://-web/', 'web/path', 'http://web/$(id)', 'http://web/`id`']) {
      expect(accepts('url', bad), bad).toBe(false);
    }
  });

  it('takes BPF filters from a safe character set', () => {
    expect(accepts('bpf', 'tcp port 80 and (host 10.0.0.5 or host web)')).toBe(true);
    expect(accepts('bpf', 'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0')).toBe(true);
    expect(accepts('bpf', 'port 53; id')).toBe(false);
    expect(accepts('bpf', "port 53 and '")).toBe(false);
    expect(accepts('bpf', 'x'.repeat(513))).toBe(false);
  });

  it('takes interface names, and "any" only where accepted', () => {
    expect(accepts('interface', 'eth0')).toBe(true);
    expect(accepts('interface', 'br-1a2b3c4d5e6f')).toBe(true);
    expect(accepts('interface', 'any')).toBe(false);
    expect(accepts('interface', 'any', { acceptsAny: true })).toBe(true);
    expect(accepts('interface', 'a-very-long-interface')).toBe(false);
    expect(accepts('interface', '../../etc')).toBe(false);
  });

  it('checks choices, record types, flags and containers', () => {
    expect(accepts('choice', 'udp', { choices: ['tcp', 'udp'] })).toBe(true);
    expect(accepts('choice', 'sctp', { choices: ['tcp', 'udp'] })).toBe(false);
    expect(accepts('recordType', 'AAAA')).toBe(true);
    expect(accepts('recordType', 'AXFR')).toBe(false);
    expect(accepts('flag', true)).toBe(true);
    expect(accepts('flag', 'true')).toBe(false);
    expect(accepts('container', 'shop-web-1')).toBe(true);
    expect(accepts('container', 'a'.repeat(64))).toBe(true);
    expect(accepts('container', '../x')).toBe(false);
  });

  it('covers every declared type', () => {
    for (const type of PARAM_TYPES) expect(validateParamValue(spec(type, { choices: ['a'] }), undefined).ok, type).toBe(false);
  });
});

describe('validateToolParams', () => {
  const ping = findTool('ping')!;

  it('fills in defaults', () => {
    expect(validateToolParams(ping, { host: 'web' })).toEqual({ ok: true, values: { host: 'web', count: 4, interval: 1, timeout: 2 } });
  });

  it('names the field that failed', () => {
    expect(validateToolParams(ping, {})).toEqual({ ok: false, field: 'host', reason: 'is required' });
    expect(validateToolParams(ping, { host: '-oProxyCommand=id' })).toEqual({ ok: false, field: 'host', reason: 'must not start with "-"' });
    expect(validateToolParams(ping, { host: 'web', count: 1000 })).toEqual({ ok: false, field: 'count', reason: 'must be between 1 and 100' });
    expect(validateToolParams(ping, { host: 'web', flood: true })).toEqual({ ok: false, field: 'flood', reason: 'is not a parameter of ping' });
  });

  it('every default in the catalog passes its own validator', () => {
    for (const tool of TOOLS) {
      for (const p of tool.params) {
        if (p.default !== undefined) expect(validateParamValue(p, p.default).ok, `${tool.id}.${p.name}`).toBe(true);
      }
    }
  });
});
