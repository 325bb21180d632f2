import { describe, expect, it } from 'vitest';
import { TOOLS, TOOL_CATEGORIES, findTool, paramReader, type ToolDefinition } from './catalog.js';
import { CURL_WRITE_OUT } from './parsers/http-parser.js';
import { validateToolParams } from './runs.js';

function argv(id: string, params: Record<string, unknown> = {}, peerAddress?: string): string[] {
  const tool = findTool(id)!;
  const checked = validateToolParams(tool, params);
  if (!checked.ok) throw new Error(`${id}: ${checked.field} ${checked.reason}`);
  return tool.build(paramReader(checked.values), peerAddress ? { peerAddress } : {});
}

function limit(id: string, params: Record<string, unknown> = {}): number {
  const tool = findTool(id)!;
  const checked = validateToolParams(tool, params);
  if (!checked.ok) throw new Error(checked.reason);
  return tool.limitSeconds(paramReader(checked.values));
}

/** The smallest valid params of a tool: its required ones. */
function minimalParams(tool: ToolDefinition): Record<string, unknown> {
  const sample: Record<string, unknown> = { host: 'web', hosts: 'web,api', url: 'http://web/', address: '10.0.0.2', server: 'other' };
  return Object.fromEntries(tool.params.filter((p) => p.required && p.default === undefined).map((p) => [p.name, sample[p.name]]));
}

describe('tool catalog', () => {
  it('has the tools the issue asks for, each in a known category, ids unique', () => {
    const ids = TOOLS.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['ping', 'dig', 'drill', 'curl', 'port-check', 'nmap', 'listening-sockets', 'ip-addr', 'ip-route', 'ip-rule', 'ip-neigh', 'iptables-save', 'nft-ruleset', 'conntrack', 'mtr', 'traceroute', 'tcptraceroute', 'arping', 'tcpdump', 'iftop', 'ethtool', 'resolver-config', 'iperf3']) {
      expect(findTool(id), id).toBeDefined();
    }
    const categories = new Set<string>(TOOL_CATEGORIES.map((c) => c.id));
    for (const tool of TOOLS) expect(categories.has(tool.category), tool.id).toBe(true);
  });

  it('every tool builds an argv starting with its binary, bounded in time, with only known capabilities', () => {
    for (const tool of TOOLS) {
      const built = argv(tool.id, minimalParams(tool), '10.0.0.9');
      expect(built[0], tool.id).toBe(tool.binary);
      // Only curl's own -w format (ours, not the user's) spans lines.
      expect(built.every((a) => typeof a === 'string' && (a === CURL_WRITE_OUT || !a.includes('\n'))), tool.id).toBe(true);
      const seconds = limit(tool.id, minimalParams(tool));
      expect(seconds, tool.id).toBeGreaterThan(0);
      expect(seconds, tool.id).toBeLessThanOrEqual(600);
      for (const cap of tool.capabilities) expect(['NET_ADMIN', 'NET_RAW', 'SETUID', 'SETGID']).toContain(cap);
    }
  });

  it('never runs a shell', () => {
    for (const tool of TOOLS) {
      const built = argv(tool.id, minimalParams(tool), '10.0.0.9');
      expect(['sh', 'bash', 'ash', 'dash', 'zsh', 'busybox', 'env', 'timeout', 'xargs']).not.toContain(built[0]);
    }
  });

  it('puts user operands after "--" where the tool supports it', () => {
    expect(argv('ping', { host: 'web' })).toEqual(['ping', '-c', '4', '-i', '1', '-W', '2', '--', 'web']);
    expect(argv('ping', { host: 'web', count: 10, interval: 2, timeout: 5 })).toEqual(['ping', '-c', '10', '-i', '2', '-W', '5', '--', 'web']);
    expect(argv('drill', { host: 'payments', type: 'MX', server: '10.0.0.53' })).toEqual(['drill', '--', 'payments', 'MX', '@10.0.0.53']);
    expect(argv('port-check', { host: 'web', ports: '80,443,8000-8002' })).toEqual(['nc', '-v', '-z', '-w', '2', '--', 'web', '80', '443', '8000-8002']);
    expect(argv('port-check', { host: 'web', ports: '53', protocol: 'udp', timeout: 1 })).toEqual(['nc', '-v', '-z', '-w', '1', '-u', '--', 'web', '53']);
    expect(argv('nmap', { hosts: 'web,10.0.0.3', ports: '1-1024' }).slice(-4)).toEqual(['1-1024', '--', 'web', '10.0.0.3']);
    expect(argv('mtr', { host: 'web', cycles: 3, dns: false })).toEqual(['mtr', '--report-wide', '--report-cycles', '3', '--no-dns', '--', 'web']);
    expect(argv('traceroute', { host: 'web', protocol: 'icmp', maxHops: 5 })).toEqual(['traceroute', '-I', '-q', '2', '-w', '2', '-m', '5', '--', 'web']);
    expect(argv('tcptraceroute', { host: 'web', port: 443 })).toEqual(['tcptraceroute', '-q', '1', '-w', '2', '-m', '30', '--', 'web', '443']);
    expect(argv('arping', { address: '10.0.0.2' })).toEqual(['arping', '-c', '3', '-w', '5', '-I', 'eth0', '--', '10.0.0.2']);
    expect(argv('resolver-config')).toEqual(['head', '-v', '-n', '500', '--', '/etc/resolv.conf', '/etc/hosts']);
  });

  it('names dig operands explicitly (dig has no "--")', () => {
    expect(argv('dig', { host: 'payments-api' })).toEqual(['dig', '+time=3', '+tries=2', '-t', 'A', '-q', 'payments-api']);
    expect(argv('dig', { host: 'web', type: 'AAAA', server: '127.0.0.11' })).toEqual(['dig', '@127.0.0.11', '+time=3', '+tries=2', '-t', 'AAAA', '-q', 'web']);
    expect(argv('dig', { host: '10.0.0.2', type: 'PTR' })).toEqual(['dig', '+time=3', '+tries=2', '-x', '10.0.0.2']);
  });

  it('restricts curl to http(s), one request per URL, bounds it in time and ignores .curlrc', () => {
    const built = argv('curl', { url: 'http://web:8080/health?x=1&y=2' });
    expect(built.slice(0, 4)).toEqual(['curl', '-q', '-sS', '--globoff']);
    expect(built).toEqual(expect.arrayContaining(['--proto', '=http,https', '--proto-redir', '=http,https', '--max-time', '10']));
    expect(built[built.indexOf('-w') + 1]).toBe(CURL_WRITE_OUT);
    expect(built.slice(-2)).toEqual(['--', 'http://web:8080/health?x=1&y=2']);
    expect(built).not.toContain('-L');
    expect(argv('curl', { url: 'https://web/', followRedirects: true, insecure: true, maxTime: 3 })).toEqual(
      expect.arrayContaining(['-L', '--max-redirs', '5', '-k', '--max-time', '3', '--connect-timeout', '3']),
    );
  });

  it('bounds captures by packets, bytes per packet and time', () => {
    expect(argv('tcpdump', { filter: 'port 53' })).toEqual(['tcpdump', '-i', 'any', '-n', '-l', '-c', '100', '-s', '262', '--', 'port 53']);
    expect(argv('tcpdump', { interface: 'eth0', packets: 5 })).toEqual(['tcpdump', '-i', 'eth0', '-n', '-l', '-c', '5', '-s', '262', '--']);
    expect(limit('tcpdump', { seconds: 12 })).toBe(12);
    expect(argv('iftop', { seconds: 4, filter: 'port 80' })).toEqual(['iftop', '-t', '-s', '4', '-n', '-N', '-P', '-B', '-i', 'eth0', '-f', 'port 80']);
  });

  it('builds ip, firewall and interface commands', () => {
    expect(argv('ip-addr')).toEqual(['ip', 'address', 'show']);
    expect(argv('ip-route')).toEqual(['ip', 'route', 'show', 'table', 'main']);
    expect(argv('ip-route', { table: 'all' })).toEqual(['ip', 'route', 'show', 'table', 'all']);
    expect(argv('ip-rule')).toEqual(['ip', 'rule', 'show']);
    expect(argv('ip-neigh')).toEqual(['ip', 'neigh', 'show']);
    expect(argv('iptables-save')).toEqual(['iptables-save', '-c']);
    expect(argv('nft-ruleset')).toEqual(['nft', 'list', 'ruleset']);
    expect(argv('conntrack')).toEqual(['conntrack', '-L']);
    expect(argv('listening-sockets')).toEqual(['ss', '-t', '-u', '-l', '-p', '-n']);
    expect(argv('ethtool')).toEqual(['ethtool', '-i', 'eth0']);
    expect(argv('ethtool', { show: 'settings', interface: 'eth1' })).toEqual(['ethtool', 'eth1']);
    expect(argv('ethtool', { show: 'statistics' })).toEqual(['ethtool', '-S', 'eth0']);
  });

  it('iperf3 is two-sided: a one-shot server in the peer, the client pointed at its address', () => {
    const tool = findTool('iperf3')!;
    const checked = validateToolParams(tool, { server: 'db', seconds: 3, reverse: true });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    const p = paramReader(checked.values);
    expect(tool.peer?.param).toBe('server');
    expect(tool.peer?.build(p)).toEqual(['iperf3', '-s', '-1', '-p', '5201']);
    expect(tool.build(p, { peerAddress: '10.0.0.7' })).toEqual(['iperf3', '-c', '10.0.0.7', '-p', '5201', '-t', '3', '-P', '1', '-R', '--connect-timeout', '5000', '--json']);
    expect(tool.peer?.ready.test('Server listening on 5201 (test #1)')).toBe(true);
    expect(validateToolParams(tool, { server: 'db', port: 80 })).toMatchObject({ ok: false, field: 'port' });
  });

  it('refuses option injection in every parameter of every tool', () => {
    for (const tool of TOOLS) {
      for (const param of tool.params) {
        if (['count', 'seconds', 'port', 'flag'].includes(param.type)) continue;
        const result = validateToolParams(tool, { ...minimalParams(tool), [param.name]: '-oN /tmp/x' });
        expect(result.ok, `${tool.id}.${param.name}`).toBe(false);
      }
    }
  });
});
