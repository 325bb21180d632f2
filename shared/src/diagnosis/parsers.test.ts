import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDns } from '../tools/parsers/dns-parser.js';
import { parsePing } from '../tools/parsers/ping-parser.js';
import { parseSockets } from '../tools/parsers/socket-parser.js';
import { parseFping, parseNmapReasons, splitDigQueries, splitFiles } from './parsers/batch-output.js';
import { parseConntrackStats, parseConntrackUsage } from './parsers/conntrack.js';
import { blockingRules, parseIptablesSave, parseNftRuleset, tablesRead } from './parsers/firewall-rules.js';
import { defaultRoutes, parseInterfaces, parseNeighbours, parseRoutes } from './parsers/ip-json.js';
import { parseResolvConf } from './parsers/resolv-conf.js';

/**
 * Real output of the sonde-toolbox image run with `docker exec` (no pty: plain LF) in the
 * namespaces of test containers broken on purpose (see server/test/doctor.test.ts).
 */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('resolv.conf', () => {
  it("reads Docker's embedded resolver", () => {
    expect(parseResolvConf(fixture('resolv-docker.txt'))).toEqual({ nameservers: ['127.0.0.11'], invalid: [], search: [], options: ['ndots:0'] });
  });

  it('keeps nameservers in order and sets aside values that are not addresses', () => {
    expect(parseResolvConf(fixture('resolv-unreachable.txt')).nameservers).toEqual(['192.0.2.53', '127.0.0.11']);
    const conf = parseResolvConf('# comment\nnameserver -x\nnameserver fe80::1%eth0\nsearch a.example b.example\ndomain c.example\nnameserver 10.0.0.2 ; trailing\n');
    expect(conf).toEqual({ nameservers: ['fe80::1%eth0', '10.0.0.2'], invalid: ['-x'], search: ['c.example'], options: [] });
  });
});

describe('ip -j', () => {
  it('routes, and the default one', () => {
    const routes = parseRoutes(fixture('ip-route.json'))!;
    expect(defaultRoutes(routes)).toEqual([{ dst: 'default', gateway: '172.18.0.1', dev: 'eth0' }]);
    expect(defaultRoutes(parseRoutes(fixture('ip-route-no-default.json'))!)).toEqual([]);
    expect(defaultRoutes(parseRoutes('[{"type":"unreachable","dst":"default","flags":[]}]')!)).toEqual([]);
  });

  it('refuses what is not JSON and drops entries of the wrong shape', () => {
    expect(parseRoutes('Error: ipv4: FIB table does not exist.')).toBeUndefined();
    expect(parseRoutes('[{"dst":5},{"dst":"default","gateway":"10.0.0.1"}]')).toEqual([{ dst: 'default', gateway: '10.0.0.1' }]);
    expect(parseRoutes('')).toEqual([]);
  });

  it('interfaces with MTU and addresses', () => {
    const interfaces = parseInterfaces(fixture('ip-addr-mtu9000.json'))!;
    expect(interfaces.map((i) => [i.name, i.mtu, i.up, i.loopback])).toEqual([
      ['lo', 65536, true, true],
      ['eth0', 9000, true, false],
    ]);
    expect(interfaces[1]!.addresses).toEqual([{ family: 'inet', address: '172.18.0.4', prefixLength: 16, scope: 'global' }]);
    expect(parseInterfaces(fixture('ip-addr.json'))![1]!.mtu).toBe(1500);
  });

  it('neighbours with their states', () => {
    expect(parseNeighbours(fixture('ip-neigh-incomplete.json'))).toEqual([
      { address: '172.18.0.98', device: 'eth0', states: ['INCOMPLETE'] },
      { address: '172.18.0.1', device: 'eth0', lladdr: '02:42:5c:44:9f:ea', states: ['REACHABLE'] },
      { address: '172.18.0.99', device: 'eth0', states: ['FAILED'] },
    ]);
  });
});

describe('conntrack', () => {
  it('count and max', () => {
    expect(parseConntrackUsage(fixture('conntrack-usage.txt'))).toEqual({ count: 4, max: 262144 });
    expect(parseConntrackUsage('cat: /proc/sys/net/netfilter/nf_conntrack_count: No such file or directory')).toBeUndefined();
  });

  it('statistics summed over CPUs, from hexadecimal', () => {
    const paths = ['/proc/net/stat/nf_conntrack'];
    const stats = parseConntrackStats(splitFiles(fixture('nf-conntrack-stat.txt'), paths).get(paths[0]!)!)!;
    expect(stats.cpus).toBe(2);
    expect(stats.totals).toMatchObject({ drop: 0, early_drop: 0, insert_failed: 0 });
    const text = 'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n' +
      '00000010  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000001 00000000  00000000 00000000 00000000 00000000\n' +
      '00000010  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000000 00000000  00000000 00000000 00000000 00000000\n';
    expect(parseConntrackStats(text)!.totals).toMatchObject({ entries: 16, drop: 12, early_drop: 1 });
    expect(parseConntrackStats('grep: nothing')).toBeUndefined();
  });
});

describe('listening sockets (ss -ltun)', () => {
  it('wildcard and loopback-only listeners', () => {
    const all = parseSockets(fixture('ss-listen.txt'), false)!.sockets.map((s) => `${s.netid} ${s.localAddress}:${s.localPort}`);
    expect(all).toEqual(['udp 127.0.0.11:49949', 'tcp 127.0.0.11:40193', 'tcp *:80']);
    const loopback = parseSockets(fixture('ss-loopback.txt'), false)!.sockets.filter((s) => s.netid === 'tcp').map((s) => `${s.localAddress}:${s.localPort}`);
    expect(loopback).toEqual(['127.0.0.1:80', '127.0.0.11:36955', '*:8081']);
  });
});

describe('ping with the DF bit', () => {
  it('a lost oversized probe, a local refusal and a reply', () => {
    expect(parsePing(fixture('ping-df-lost.txt'), '172.18.0.1')).toMatchObject({ transmitted: 1, received: 0, lossPercent: 100 });
    expect(parsePing(fixture('ping-df-local-error.txt'), '172.18.0.1')).toMatchObject({ received: 0, problem: 'message too long, mtu=9000' });
    expect(parsePing(fixture('ping-df-ok.txt'), '172.18.0.1')).toMatchObject({ received: 1 });
    expect(parsePing(fixture('ping-network-unreachable.txt'), '10.77.0.1')).toMatchObject({ problem: 'Network is unreachable' });
  });
});

describe('dig', () => {
  it('a resolver that does not answer, and a name that does not exist', () => {
    expect(parseDns(fixture('dig-unreachable.txt'))).toMatchObject({ problem: 'no servers could be reached' });
    expect(parseDns(fixture('dig-nxdomain.txt'))).toMatchObject({ status: 'NXDOMAIN', answers: [] });
    expect(parseDns(fixture('dig-ok.txt'))?.answers.map((a) => a.data)).toEqual(['172.18.0.3']);
  });
});

describe('iptables-save -c', () => {
  const ruleset = parseIptablesSave(fixture('iptables-save-drop.txt'), 'iptables');

  it('reads chains, policies, rules and counters', () => {
    expect(ruleset.chains.find((c) => c.table === 'filter' && c.name === 'INPUT')).toMatchObject({ policy: 'accept', packets: 0 });
    const drop = ruleset.rules.find((r) => r.chain === 'INPUT' && r.verdict.kind === 'drop')!;
    expect(drop).toMatchObject({ table: 'filter', protocols: ['tcp'], ports: { ranges: [{ from: 80, to: 80 }], negated: false }, conditions: [], packets: 1, bytes: 60 });
    // A DNAT is a target extension, not a chain.
    expect(ruleset.rules.find((r) => r.chain === 'DOCKER_OUTPUT')!.verdict).toEqual({ kind: 'other' });
  });

  it('finds the DROP on port 80 and the REJECT on 81-82, nothing on 8080 or UDP', () => {
    expect(blockingRules([ruleset], 80, 'tcp')).toEqual([
      expect.objectContaining({ chain: 'INPUT', verdict: 'drop', certain: true, text: '-A INPUT -p tcp -m tcp --dport 80 -j DROP', packets: 1, bytes: 60 }),
    ]);
    expect(blockingRules([ruleset], 82, 'tcp')).toEqual([expect.objectContaining({ verdict: 'reject', certain: true })]);
    expect(blockingRules([ruleset], 8080, 'tcp')).toEqual([]);
    expect(blockingRules([ruleset], 80, 'udp')).toEqual([]);
  });

  it('walks a policy DROP chain: accepted ports pass, others hit the policy or a negated REJECT', () => {
    const policy = parseIptablesSave(fixture('iptables-save-policy.txt'), 'iptables');
    // 22 is accepted in the SERVICES chain INPUT jumps to.
    expect(blockingRules([policy], 22, 'tcp')).toEqual([]);
    // 8081 is accepted only from 10.1.0.0/16; everyone else meets the policy.
    expect(blockingRules([policy], 8081, 'tcp')).toEqual([expect.objectContaining({ policy: true, certain: true, text: expect.stringContaining('policy DROP of INPUT') })]);
    // 9000 is outside 8000:8100, so the negated REJECT takes it first; the INVALID drop never sees new connections.
    expect(blockingRules([policy], 9000, 'tcp')).toEqual([expect.objectContaining({ verdict: 'reject', certain: true, policy: false })]);
  });

  it('reads legacy tables the same way', () => {
    const legacy = parseIptablesSave(fixture('iptables-legacy-drop.txt'), 'iptables-legacy');
    expect(blockingRules([legacy], 53, 'udp')).toEqual([expect.objectContaining({ source: 'iptables-legacy', verdict: 'drop', certain: true })]);
    expect(parseIptablesSave(fixture('iptables-legacy-empty.txt'), 'iptables-legacy')).toEqual({ chains: [], rules: [] });
  });

  it('a rule limited to some sources is reported as not certain, with the condition', () => {
    const text = '*filter\n:INPUT ACCEPT [0:0]\n[3:180] -A INPUT -s 172.18.0.2/32 -m conntrack --ctstate NEW -j DROP\nCOMMIT\n';
    expect(blockingRules([parseIptablesSave(text, 'iptables')], 80, 'tcp')).toEqual([
      expect.objectContaining({ verdict: 'drop', certain: false, conditions: ['source 172.18.0.2/32'], packets: 3 }),
    ]);
  });
});

describe('nft list ruleset', () => {
  it('skips the tables iptables-nft manages (iptables-save reads them)', () => {
    const ruleset = parseNftRuleset(fixture('nft-iptables-managed.txt'), fixture('nft-iptables-managed.stderr.txt'));
    expect(ruleset).toEqual({ chains: [], rules: [] });
    // nft warns only for tables with xtables extensions; what iptables-save read is skipped too.
    const plain = parseNftRuleset(fixture('nft-iptables-managed.txt'), '', tablesRead(fixture('iptables-save-drop.txt'), 'iptables'));
    expect(plain).toEqual({ chains: [], rules: [] });
    expect(tablesRead(fixture('iptables-save-drop.txt'), 'iptables')).toEqual(new Set(['ip filter', 'ip nat']));
    expect(parseNftRuleset(fixture('nft-iptables-managed.txt')).rules.length).toBeGreaterThan(0);
  });

  it('reads a native inet table: hooks, policy, sets, jumps, counters', () => {
    const ruleset = parseNftRuleset(fixture('nft-native.txt'), fixture('nft-native.stderr.txt'));
    expect(ruleset.chains.map((c) => `${c.family} ${c.table} ${c.name} ${c.hook ?? '-'} ${c.policy ?? '-'}`)).toEqual(['inet guard admin - -', 'inet guard input input drop']);
    const reject = ruleset.rules.find((r) => r.chain === 'admin')!;
    expect(reject).toMatchObject({ verdict: { kind: 'reject' }, protocols: ['tcp'], ports: { ranges: [{ from: 8081, to: 8081 }], negated: false }, packets: 1, bytes: 60 });
    const loopback = ruleset.rules.find((r) => r.text.startsWith('iifname'))!;
    expect(loopback).toMatchObject({ verdict: { kind: 'accept' }, conditions: ['iifname lo'] });
    expect(ruleset.rules.find((r) => r.text.startsWith('ct state invalid'))!.notNew).toBe(true);
  });

  it('follows the jump to the REJECT, lets 22 through and drops the rest by policy', () => {
    const ruleset = parseNftRuleset(fixture('nft-native.txt'), fixture('nft-native.stderr.txt'));
    expect(blockingRules([ruleset], 8081, 'tcp')).toEqual([expect.objectContaining({ chain: 'admin', verdict: 'reject', certain: true, packets: 1 })]);
    expect(blockingRules([ruleset], 22, 'tcp')).toEqual([]);
    expect(blockingRules([ruleset], 80, 'tcp')).toEqual([expect.objectContaining({ chain: 'input', policy: true })]);
    // The UDP 53 drop is for one source range only; the policy then drops the rest.
    expect(blockingRules([ruleset], 53, 'udp')).toEqual([
      expect.objectContaining({ verdict: 'drop', certain: false, conditions: ['ip saddr 10.9.0.0/16'] }),
      expect.objectContaining({ policy: true }),
    ]);
  });

  it('anonymous sets, negation and named sets', () => {
    const text = 'table inet t {\n\tset allowed {\n\t\ttype inet_service\n\t\telements = { 443 }\n\t}\n\n\tchain in {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport { 81, 82 } drop\n\t\ttcp dport != 80 counter packets 2 bytes 120 reject\n\t\tudp dport @allowed drop\n\t}\n}\n';
    const ruleset = parseNftRuleset(text);
    expect(blockingRules([ruleset], 80, 'tcp')).toEqual([]);
    expect(blockingRules([ruleset], 82, 'tcp')).toEqual([expect.objectContaining({ verdict: 'drop', certain: true })]);
    expect(blockingRules([ruleset], 90, 'tcp')).toEqual([expect.objectContaining({ verdict: 'reject', packets: 2 })]);
    expect(blockingRules([ruleset], 443, 'udp')).toEqual([expect.objectContaining({ certain: false, conditions: ['destination port in a named set'] })]);
  });
});

describe('batched commands, split per item', () => {
  it('grep -H: each file by path, missing ones absent', () => {
    const paths = ['/etc/resolv.conf', '/proc/sys/net/netfilter/nf_conntrack_count', '/proc/sys/net/netfilter/nf_conntrack_max', '/proc/net/ip_tables_names'];
    const files = splitFiles(fixture('grep-files.txt'), paths);
    expect(files.get('/etc/resolv.conf')).toBe('nameserver 127.0.0.11\noptions ndots:0\n');
    expect(parseConntrackUsage(`${files.get(paths[1]!)}${files.get(paths[2]!)}`)).toEqual({ count: 26, max: 262144 });
    expect(files.has('/proc/net/ip_tables_names')).toBe(false);
  });

  it('dig +qr with several names: one answer each, NXDOMAIN and timeouts included', () => {
    const names = ['doctor-probe-a', 'nosuch-x', 'doctor-probe-m'];
    const parts = splitDigQueries(fixture('dig-batch.txt'), names);
    expect([...parts.keys()]).toEqual(names);
    expect(parseDns(parts.get('doctor-probe-a')!)?.answers.map((a) => a.data)).toEqual(['172.18.0.2']);
    expect(parseDns(parts.get('nosuch-x')!)?.status).toBe('NXDOMAIN');
    expect(parseDns(parts.get('doctor-probe-m')!)?.answers.map((a) => a.data)).toEqual(['172.18.0.4']);
    const timeouts = splitDigQueries(fixture('dig-batch-timeout.txt'), ['doctor-probe-a', 'nosuch-x']);
    expect(parseDns(timeouts.get('nosuch-x')!)).toMatchObject({ problem: 'no servers could be reached' });
    expect(timeouts.get('doctor-probe-a')).toContain('timed out');
  });

  it('dig +search tries a search domain first; the last attempt is the answer', () => {
    const sending = (q: string, status: string) => `;; Sending:\n;; QUESTION SECTION:\n;${q}.\t\tIN\tA\n\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: ${status}, id: 1\n`;
    const output = `; <<>> DiG\n${sending('db.shop.internal', 'NXDOMAIN')}${sending('db', 'NOERROR')}${sending('db.shop', 'NOERROR')}`;
    const parts = splitDigQueries(output, ['db', 'db.shop']);
    expect(parseDns(parts.get('db')!)?.question?.name).toBe('db.');
    expect(parseDns(parts.get('db.shop')!)?.question?.name).toBe('db.shop.');
  });

  it('fping: alive with the time, unreachable with the ICMP error', () => {
    const results = parseFping(fixture('fping.txt'), fixture('fping.stderr.txt'));
    expect(results.get('172.18.0.2')).toEqual({ alive: true, ms: 0.148 });
    expect(results.get('172.18.0.250')).toEqual({ alive: false, error: 'ICMP Host Unreachable' });
    expect(parseFping('', '10.1.2.3: error while sending ping: No route to host\n').get('10.1.2.3')).toEqual({ alive: false, error: 'No route to host' });
  });

  it('nmap --reason: open, refused, timeout, unreachable per host', () => {
    const hosts = parseNmapReasons(fixture('nmap-reasons.txt'));
    expect(hosts.get('172.18.0.2')).toEqual([
      { port: 80, state: 'filtered', reason: 'timeout' },
      { port: 81, state: 'closed', reason: 'refused' },
      { port: 8080, state: 'closed', reason: 'refused' },
    ]);
    expect(hosts.get('172.18.0.4')![0]).toEqual({ port: 80, state: 'open' });
    expect(hosts.get('172.18.0.250')![0]).toEqual({ port: 80, state: 'filtered', reason: 'unreachable (no ARP answer)' });
  });
});
