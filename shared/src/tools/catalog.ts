/**
 * The tool catalog: what each one-click tool is, which typed parameters it takes, and the argv
 * it runs (never a shell command line). Data plus pure functions, shared by the server (which
 * validates, builds and runs) and the web (which renders forms and previews the command).
 */
import { CURL_WRITE_OUT, parseCurl } from './parsers/http-parser.js';
import { parseDns } from './parsers/dns-parser.js';
import { parseIperf3 } from './parsers/iperf3-parser.js';
import { parseMtr } from './parsers/mtr-parser.js';
import { parsePing } from './parsers/ping-parser.js';
import { parseNmap, parsePortCheck } from './parsers/port-parsers.js';
import { parseSockets } from './parsers/socket-parser.js';
import { expandPorts, isIP, type ParamSpec, type ParamValue } from './param-types.js';
import type { ResultKind, ToolResult } from './results.js';

export const TOOL_CATEGORIES = [
  { id: 'dns', title: 'DNS' },
  { id: 'reachability', title: 'Reachability' },
  { id: 'http', title: 'HTTP' },
  { id: 'ports', title: 'Ports and sockets' },
  { id: 'routing', title: 'Interfaces, routing and ARP' },
  { id: 'firewall', title: 'Firewall and NAT' },
  { id: 'capture', title: 'Capture' },
  { id: 'performance', title: 'Performance' },
] as const;
export type ToolCategory = (typeof TOOL_CATEGORIES)[number]['id'];
export const TOOL_CATEGORY_IDS = TOOL_CATEGORIES.map((c) => c.id) as [ToolCategory, ...ToolCategory[]];

/** Validated parameter values (defaults filled in), read by name in argv builders. */
export interface ParamReader {
  text(name: string): string;
  optionalText(name: string): string | undefined;
  number(name: string): number;
  flag(name: string): boolean;
}

export function paramReader(values: Readonly<Record<string, ParamValue>>): ParamReader {
  const get = (name: string) => values[name];
  return {
    text(name) {
      const v = get(name);
      if (typeof v !== 'string') throw new Error(`parameter ${name} is not text`);
      return v;
    },
    optionalText(name) {
      const v = get(name);
      return typeof v === 'string' && v !== '' ? v : undefined;
    },
    number(name) {
      const v = get(name);
      if (typeof v !== 'number') throw new Error(`parameter ${name} is not a number`);
      return v;
    },
    flag(name) {
      return get(name) === true;
    },
  };
}

/** What the server knows only once the targets are resolved. */
export interface BuildContext {
  /** Two-sided tools: the address the client side connects to (the peer's IP). */
  peerAddress?: string;
}

export interface ParseContext {
  /** The toolbox shared the target's PID namespace (ss then shows processes). */
  sharePid: boolean;
}

/** The second toolbox of a two-sided tool, started first in the namespace of a container param. */
export interface PeerSide {
  /** The `container` parameter naming where this side runs. */
  param: string;
  role: string;
  build(params: ParamReader): string[];
  /** Output that says this side is ready for the client. */
  ready: RegExp;
}

export interface ToolDefinition {
  id: string;
  title: string;
  category: ToolCategory;
  description: string;
  params: ParamSpec[];
  /** Linux capabilities the tool needs; its toolbox gets only these (SYS_PTRACE with sharePid). */
  capabilities: string[];
  /** The executable the argv starts with, named in the error when the image lacks it. */
  binary: string;
  build(params: ParamReader, context: BuildContext): string[];
  /** Upper bound of the run: the server interrupts the tool (Ctrl-C) at this point. */
  limitSeconds(params: ParamReader): number;
  resultKind?: ResultKind;
  parse?(output: string, params: ParamReader, context: ParseContext): ToolResult | undefined;
  peer?: PeerSide;
}

const s = String;

// Parameter specs reused across tools.
const host = (label = 'Host', description?: string): ParamSpec => ({
  name: 'host',
  type: 'host',
  label,
  required: true,
  ...(description ? { description } : {}),
});
const iface = (def: string, acceptsAny = false): ParamSpec => ({
  name: 'interface',
  type: 'interface',
  label: 'Interface',
  required: false,
  default: def,
  ...(acceptsAny ? { acceptsAny } : {}),
});

const ping: ToolDefinition = {
  id: 'ping',
  title: 'Ping',
  category: 'reachability',
  description: 'ICMP echo: is the host up, how far away, how steady (loss and round-trip times).',
  params: [
    host(),
    { name: 'count', type: 'count', label: 'Packets', required: false, default: 4, min: 1, max: 100 },
    { name: 'interval', type: 'seconds', label: 'Interval (s)', required: false, default: 1, min: 1, max: 10 },
    { name: 'timeout', type: 'seconds', label: 'Reply timeout (s)', required: false, default: 2, min: 1, max: 10 },
  ],
  capabilities: ['NET_RAW'],
  binary: 'ping',
  build: (p) => ['ping', '-c', s(p.number('count')), '-i', s(p.number('interval')), '-W', s(p.number('timeout')), '--', p.text('host')],
  limitSeconds: (p) => p.number('count') * p.number('interval') + p.number('timeout') + 5,
  resultKind: 'ping',
  parse: (output, p) => parsePing(output, p.text('host')),
};

/** "Ping every member from here": one fping over a list, e.g. all members of a network. */
const pingMembers: ToolDefinition = {
  id: 'ping-members',
  title: 'Ping several hosts (fping)',
  category: 'reachability',
  description: 'Ping a list of hosts at once (e.g. every member of a network) and summarise loss and round-trip times per host.',
  params: [
    { name: 'hosts', type: 'hosts', label: 'Hosts', required: true, max: 64, description: 'Comma-separated, at most 64.' },
    { name: 'count', type: 'count', label: 'Packets each', required: false, default: 3, min: 1, max: 20 },
  ],
  capabilities: ['NET_RAW'],
  binary: 'fping',
  // -q: one summary line per host; -t: per-reply timeout in ms.
  build: (p) => ['fping', '-q', '-c', s(p.number('count')), '-t', '1000', '--', ...p.text('hosts').split(',')],
  limitSeconds: (p) => p.number('count') * 2 + 10,
};

const recordType: ParamSpec = { name: 'type', type: 'recordType', label: 'Record type', required: false, default: 'A' };
const dnsServer: ParamSpec = {
  name: 'server',
  type: 'host',
  label: 'DNS server',
  required: false,
  description: "Ask this server instead of the target's resolver (/etc/resolv.conf).",
};
const dnsName = host('Name', 'The name to look up (an IP address with type PTR does a reverse lookup).');

const dig: ToolDefinition = {
  id: 'dig',
  title: 'dig',
  category: 'dns',
  description: "Look a name up with the target's resolver (Docker's embedded DNS on user networks) or a chosen server.",
  params: [dnsName, recordType, dnsServer],
  capabilities: [],
  binary: 'dig',
  build: (p) => {
    const server = p.optionalText('server');
    const name = p.text('host');
    const type = p.text('type');
    // dig has no "--"; -q and -x name the operand explicitly, so it can never be read as an option.
    const query = type === 'PTR' && isIP(name) ? ['-x', name] : ['-t', type, '-q', name];
    return ['dig', ...(server ? [`@${server}`] : []), '+time=3', '+tries=2', ...query];
  },
  // Two tries of 3 s for each of up to three resolv.conf servers.
  limitSeconds: () => 25,
  resultKind: 'dns',
  parse: (output) => parseDns(output),
};

const drill: ToolDefinition = {
  id: 'drill',
  title: 'drill',
  category: 'dns',
  description: 'The same lookup with ldns drill (a second opinion when dig and the application disagree).',
  params: [dnsName, recordType, dnsServer],
  capabilities: [],
  binary: 'drill',
  build: (p) => {
    const server = p.optionalText('server');
    const name = p.text('host');
    const type = p.text('type');
    if (type === 'PTR' && isIP(name)) return ['drill', '-x', '--', name, ...(server ? [`@${server}`] : [])];
    return ['drill', '--', name, type, ...(server ? [`@${server}`] : [])];
  },
  limitSeconds: () => 25,
  resultKind: 'dns',
  parse: (output) => parseDns(output),
};

const resolverConfig: ToolDefinition = {
  id: 'resolver-config',
  title: 'Resolver config',
  category: 'dns',
  description: 'The /etc/resolv.conf and /etc/hosts the target resolves names with.',
  params: [],
  capabilities: [],
  binary: 'head',
  build: () => ['head', '-v', '-n', '500', '--', '/etc/resolv.conf', '/etc/hosts'],
  limitSeconds: () => 10,
};

const curl: ToolDefinition = {
  id: 'curl',
  title: 'HTTP request timing',
  category: 'http',
  description: 'curl a URL: status line, response headers, and where the time went (DNS, connect, TLS, first byte).',
  params: [
    { name: 'url', type: 'url', label: 'URL', required: true },
    { name: 'maxTime', type: 'seconds', label: 'Max time (s)', required: false, default: 10, min: 1, max: 60 },
    { name: 'followRedirects', type: 'flag', label: 'Follow redirects', required: false, default: false },
    { name: 'insecure', type: 'flag', label: 'Skip TLS verification', required: false, default: false },
  ],
  capabilities: [],
  binary: 'curl',
  build: (p) => {
    const maxTime = p.number('maxTime');
    return [
      'curl',
      '-q', // first: ignore any .curlrc
      '-sS',
      // One URL is one request: no {a,b} or [1-100] expansion into many.
      '--globoff',
      '--proto',
      '=http,https',
      '--proto-redir',
      '=http,https',
      '--max-time',
      s(maxTime),
      '--connect-timeout',
      s(Math.min(maxTime, 10)),
      ...(p.flag('followRedirects') ? ['-L', '--max-redirs', '5'] : []),
      ...(p.flag('insecure') ? ['-k'] : []),
      '-o',
      '/dev/null',
      '-D',
      '-',
      '-w',
      CURL_WRITE_OUT,
      '--',
      p.text('url'),
    ];
  },
  limitSeconds: (p) => p.number('maxTime') + 5,
  resultKind: 'http',
  parse: (output) => parseCurl(output),
};

const portCheck: ToolDefinition = {
  id: 'port-check',
  title: 'Port check',
  category: 'ports',
  description: 'Can the target open a connection to these ports (nc -vz)? Open, closed (refused) or filtered (no answer).',
  params: [
    host(),
    { name: 'ports', type: 'ports', label: 'Ports', required: true, default: '80', max: 32 },
    { name: 'protocol', type: 'choice', label: 'Protocol', required: false, default: 'tcp', choices: ['tcp', 'udp'] },
    { name: 'timeout', type: 'seconds', label: 'Timeout per port (s)', required: false, default: 2, min: 1, max: 10 },
  ],
  capabilities: [],
  binary: 'nc',
  build: (p) => [
    'nc',
    '-v',
    '-z',
    '-w',
    s(p.number('timeout')),
    ...(p.text('protocol') === 'udp' ? ['-u'] : []),
    '--',
    p.text('host'),
    ...p.text('ports').split(','),
  ],
  limitSeconds: (p) => expandPorts(p.text('ports')).length * (p.number('timeout') + 3) + 5,
  resultKind: 'ports',
  parse: (output, p) =>
    parsePortCheck(output, {
      host: p.text('host'),
      ports: expandPorts(p.text('ports')),
      protocol: p.text('protocol') === 'udp' ? 'udp' : 'tcp',
    }),
};

const NMAP_HOST_TIMEOUT_SECONDS = 30;

const nmap: ToolDefinition = {
  id: 'nmap',
  title: 'Port scan (nmap)',
  category: 'ports',
  description: 'Scan chosen ports on one or a few hosts (no ping first, no reverse DNS, bounded per host).',
  params: [
    { name: 'hosts', type: 'hosts', label: 'Hosts', required: true, max: 8, description: 'Comma-separated, at most 8.' },
    { name: 'ports', type: 'ports', label: 'Ports', required: true, default: '22,80,443', max: 1024 },
  ],
  capabilities: ['NET_RAW', 'NET_ADMIN'],
  binary: 'nmap',
  build: (p) => [
    'nmap',
    '-Pn',
    '-n',
    '-T4',
    '--max-retries',
    '1',
    '--max-rtt-timeout',
    '1000ms',
    '--host-timeout',
    `${NMAP_HOST_TIMEOUT_SECONDS}s`,
    '-p',
    p.text('ports'),
    '--',
    ...p.text('hosts').split(','),
  ],
  limitSeconds: (p) => p.text('hosts').split(',').length * NMAP_HOST_TIMEOUT_SECONDS + 15,
  resultKind: 'ports',
  parse: (output) => parseNmap(output),
};

const listeningSockets: ToolDefinition = {
  id: 'listening-sockets',
  title: 'Listening sockets',
  category: 'ports',
  description: 'ss -tulpn: what listens on which address and port (with the process when the toolbox shares the PID namespace).',
  params: [],
  capabilities: [],
  binary: 'ss',
  build: () => ['ss', '-t', '-u', '-l', '-p', '-n'],
  limitSeconds: () => 10,
  resultKind: 'sockets',
  parse: (output, _p, context) => parseSockets(output, context.sharePid),
};

function ipTool(id: string, title: string, description: string, args: string[]): ToolDefinition {
  return {
    id,
    title,
    category: 'routing',
    description,
    params: [],
    capabilities: [],
    binary: 'ip',
    build: () => ['ip', ...args],
    limitSeconds: () => 10,
  };
}

const ipAddr = ipTool('ip-addr', 'Addresses', 'ip address: interfaces, their state, MTU and addresses.', ['address', 'show']);
const ipRule = ipTool('ip-rule', 'Routing rules', 'ip rule: the policy routing rules (which table is used when).', ['rule', 'show']);
const ipNeigh = ipTool('ip-neigh', 'Neighbours (ARP)', 'ip neigh: the ARP/NDP cache (who answered for which IP).', ['neigh', 'show']);
const ipRoute: ToolDefinition = {
  ...ipTool('ip-route', 'Routes', 'ip route: the routing table (or all tables).', []),
  params: [{ name: 'table', type: 'choice', label: 'Table', required: false, default: 'main', choices: ['main', 'all'] }],
  build: (p) => ['ip', 'route', 'show', 'table', p.text('table')],
};

const iptablesSave: ToolDefinition = {
  id: 'iptables-save',
  title: 'iptables rules',
  category: 'firewall',
  description: 'iptables-save -c: every IPv4 table and chain with packet counters, in the target namespace.',
  params: [],
  capabilities: ['NET_ADMIN', 'NET_RAW'],
  binary: 'iptables-save',
  build: () => ['iptables-save', '-c'],
  limitSeconds: () => 15,
};

const nftRuleset: ToolDefinition = {
  id: 'nft-ruleset',
  title: 'nftables ruleset',
  category: 'firewall',
  description: 'nft list ruleset: the nftables rules in the target namespace.',
  params: [],
  capabilities: ['NET_ADMIN'],
  binary: 'nft',
  build: () => ['nft', 'list', 'ruleset'],
  limitSeconds: () => 15,
};

const conntrack: ToolDefinition = {
  id: 'conntrack',
  title: 'Connection tracking',
  category: 'firewall',
  description: 'conntrack -L: the tracked connections and NAT translations of the namespace.',
  params: [],
  capabilities: ['NET_ADMIN'],
  binary: 'conntrack',
  build: () => ['conntrack', '-L'],
  limitSeconds: () => 20,
};

const mtr: ToolDefinition = {
  id: 'mtr',
  title: 'mtr report',
  category: 'reachability',
  description: 'traceroute and ping combined: loss and latency at every hop on the way.',
  params: [
    host(),
    { name: 'cycles', type: 'count', label: 'Cycles', required: false, default: 10, min: 1, max: 60 },
    { name: 'dns', type: 'flag', label: 'Resolve hop names', required: false, default: true },
  ],
  capabilities: ['NET_RAW'],
  binary: 'mtr',
  build: (p) => ['mtr', '--report-wide', '--report-cycles', s(p.number('cycles')), ...(p.flag('dns') ? ['--show-ips'] : ['--no-dns']), '--', p.text('host')],
  limitSeconds: (p) => p.number('cycles') * 2 + 20,
  resultKind: 'mtr',
  parse: (output) => parseMtr(output),
};

const traceroute: ToolDefinition = {
  id: 'traceroute',
  title: 'traceroute',
  category: 'reachability',
  description: 'The routers on the way to a host (UDP probes, or ICMP).',
  params: [
    host(),
    { name: 'maxHops', type: 'count', label: 'Max hops', required: false, default: 30, min: 1, max: 64 },
    { name: 'protocol', type: 'choice', label: 'Probes', required: false, default: 'udp', choices: ['udp', 'icmp'] },
  ],
  capabilities: ['NET_RAW'],
  binary: 'traceroute',
  build: (p) => ['traceroute', ...(p.text('protocol') === 'icmp' ? ['-I'] : []), '-q', '2', '-w', '2', '-m', s(p.number('maxHops')), '--', p.text('host')],
  limitSeconds: (p) => p.number('maxHops') * 4 + 10,
};

const tcptraceroute: ToolDefinition = {
  id: 'tcptraceroute',
  title: 'TCP traceroute',
  category: 'reachability',
  description: 'traceroute with TCP SYN probes to a port: gets through firewalls that drop UDP and ICMP.',
  params: [
    host(),
    { name: 'port', type: 'port', label: 'Port', required: false, default: 80 },
    { name: 'maxHops', type: 'count', label: 'Max hops', required: false, default: 30, min: 1, max: 64 },
  ],
  capabilities: ['NET_RAW'],
  binary: 'tcptraceroute',
  build: (p) => ['tcptraceroute', '-q', '1', '-w', '2', '-m', s(p.number('maxHops')), '--', p.text('host'), s(p.number('port'))],
  limitSeconds: (p) => p.number('maxHops') * 2 + 10,
};

const arping: ToolDefinition = {
  id: 'arping',
  title: 'arping',
  category: 'routing',
  description: 'ARP requests for an IPv4 address on the local segment: who answers for it, and with which MAC.',
  params: [
    { name: 'address', type: 'ip', label: 'IPv4 address', required: true },
    iface('eth0'),
    { name: 'count', type: 'count', label: 'Requests', required: false, default: 3, min: 1, max: 20 },
  ],
  capabilities: ['NET_RAW'],
  binary: 'arping',
  build: (p) => ['arping', '-c', s(p.number('count')), '-w', s(p.number('count') + 2), '-I', p.text('interface'), '--', p.text('address')],
  limitSeconds: (p) => p.number('count') + 7,
};

const tcpdump: ToolDefinition = {
  id: 'tcpdump',
  title: 'tcpdump (live)',
  category: 'capture',
  // One line telling it from "Capture packets" (the pcap file that outlives the page).
  description: 'Decoded packets, one per line, printed here while you watch, up to the packet count or time limit; for a pcap file that keeps recording when you leave, use Capture packets.',
  params: [
    iface('any', true),
    { name: 'filter', type: 'bpf', label: 'Filter (BPF)', required: false, description: 'e.g. port 53, or host 10.0.0.5 and tcp' },
    { name: 'packets', type: 'count', label: 'Packets', required: false, default: 100, min: 1, max: 10000 },
    { name: 'seconds', type: 'seconds', label: 'Time limit (s)', required: false, default: 30, min: 1, max: 300 },
  ],
  capabilities: ['NET_RAW', 'NET_ADMIN', 'SETUID', 'SETGID'],
  binary: 'tcpdump',
  build: (p) => {
    const filter = p.optionalText('filter');
    // -s bounds the bytes kept per packet (headers are all a one-line decode needs).
    return ['tcpdump', '-i', p.text('interface'), '-n', '-l', '-c', s(p.number('packets')), '-s', '262', '--', ...(filter ? [filter] : [])];
  },
  limitSeconds: (p) => p.number('seconds'),
};

const iftop: ToolDefinition = {
  id: 'iftop',
  title: 'iftop (bandwidth by connection)',
  category: 'capture',
  description: 'Which connections use the bandwidth, measured for a few seconds then printed once (iftop -t -s).',
  params: [
    iface('eth0'),
    { name: 'seconds', type: 'seconds', label: 'Measure for (s)', required: false, default: 10, min: 2, max: 60 },
    { name: 'filter', type: 'bpf', label: 'Filter (BPF)', required: false },
  ],
  capabilities: ['NET_RAW', 'NET_ADMIN'],
  binary: 'iftop',
  build: (p) => {
    const filter = p.optionalText('filter');
    return ['iftop', '-t', '-s', s(p.number('seconds')), '-n', '-N', '-P', '-B', '-i', p.text('interface'), ...(filter ? ['-f', filter] : [])];
  },
  limitSeconds: (p) => p.number('seconds') + 10,
};

const ETHTOOL_FLAGS: Record<string, string[]> = { settings: [], driver: ['-i'], statistics: ['-S'], features: ['-k'] };

const ethtool: ToolDefinition = {
  id: 'ethtool',
  title: 'ethtool',
  category: 'routing',
  description: 'Link settings, driver, NIC statistics or offload features of an interface.',
  params: [
    iface('eth0'),
    { name: 'show', type: 'choice', label: 'Show', required: false, default: 'driver', choices: Object.keys(ETHTOOL_FLAGS) },
  ],
  capabilities: ['NET_ADMIN'],
  binary: 'ethtool',
  // ethtool has no "--"; the interface is validated and can never start with "-".
  build: (p) => ['ethtool', ...(ETHTOOL_FLAGS[p.text('show')] ?? []), p.text('interface')],
  limitSeconds: () => 10,
};

const iperf3: ToolDefinition = {
  id: 'iperf3',
  title: 'iperf3 throughput',
  category: 'performance',
  description: 'TCP throughput between two containers: an iperf3 server in the other container’s namespace, the client here.',
  params: [
    { name: 'server', type: 'container', label: 'Server container', required: true, description: 'Runs iperf3 -s in its network namespace.' },
    { name: 'seconds', type: 'seconds', label: 'Duration (s)', required: false, default: 5, min: 1, max: 30 },
    { name: 'port', type: 'port', label: 'Port', required: false, default: 5201, min: 1024 },
    { name: 'streams', type: 'count', label: 'Parallel streams', required: false, default: 1, min: 1, max: 8 },
    { name: 'reverse', type: 'flag', label: 'Reverse (server sends)', required: false, default: false },
  ],
  capabilities: [],
  binary: 'iperf3',
  build: (p, context) => [
    'iperf3',
    '-c',
    context.peerAddress ?? '<server address>',
    '-p',
    s(p.number('port')),
    '-t',
    s(p.number('seconds')),
    '-P',
    s(p.number('streams')),
    ...(p.flag('reverse') ? ['-R'] : []),
    '--connect-timeout',
    '5000',
    '--json',
  ],
  limitSeconds: (p) => p.number('seconds') + 15,
  resultKind: 'throughput',
  parse: (output) => parseIperf3(output),
  peer: {
    param: 'server',
    role: 'iperf3 server',
    build: (p) => ['iperf3', '-s', '-1', '-p', s(p.number('port'))],
    ready: /Server listening on/,
  },
};

export const TOOLS: readonly ToolDefinition[] = [
  dig,
  drill,
  resolverConfig,
  ping,
  pingMembers,
  mtr,
  traceroute,
  tcptraceroute,
  curl,
  portCheck,
  nmap,
  listeningSockets,
  ipAddr,
  ipRoute,
  ipRule,
  ipNeigh,
  arping,
  ethtool,
  iptablesSave,
  nftRuleset,
  conntrack,
  tcpdump,
  iftop,
  iperf3,
];

const BY_ID = new Map(TOOLS.map((t) => [t.id, t]));

export function findTool(id: string): ToolDefinition | undefined {
  return BY_ID.get(id);
}
