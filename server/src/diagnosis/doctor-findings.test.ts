import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { Finding, parseInterfaces, parseIptablesSave, parseNeighbours, parseNftRuleset, parseResolvConf, parseRoutes, parseSockets, defaultRoutes, type DoctorCheck } from '@sonde/shared';
import {
  commandProblem,
  conntrackOutcome,
  defaultRouteOutcome,
  firewallOutcome,
  gatewayOutcome,
  healthyFinding,
  mtuOutcome,
  nameOutcome,
  neighbourOutcome,
  peerOutcome,
  portOutcome,
  resolverOutcome,
  type CheckOutcome,
} from './doctor-findings.js';
import { displayCommand, evidence, EVIDENCE_CHARS, type ProbeOutput } from './probe-output.js';

/** Output captured from the toolbox image (shared/src/diagnosis/fixtures). */
const fixture = (name: string) => readFileSync(new URL(`../../../shared/src/diagnosis/fixtures/${name}`, import.meta.url), 'utf8');

function out(command: string, stdout: string, extra: Partial<ProbeOutput> = {}): ProbeOutput {
  return { command, exitCode: 0, stdout, stderr: '', timedOut: false, elapsedMs: 120, ...extra };
}

/** Every finding an outcome carries is a valid wire Finding. */
function valid(outcome: CheckOutcome): CheckOutcome {
  for (const f of outcome.findings) expect(Value.Check(Finding, f), JSON.stringify(f)).toBe(true);
  return outcome;
}

const resolvEvidence = { command: "grep -H -s '' /etc/resolv.conf", output: '/etc/resolv.conf:nameserver 192.0.2.53' };

describe('resolvers', () => {
  it('an answering resolver passes with its time', () => {
    const outcome = valid(resolverOutcome(parseResolvConf(fixture('resolv-docker.txt')), [{ server: '127.0.0.11', output: out('dig @127.0.0.11 …', fixture('dig-ok.txt')) }], 2, resolvEvidence));
    expect(outcome).toEqual({ state: 'passed', note: 'answering: 127.0.0.11 (0 ms)', findings: [] });
  });

  it('a dead first resolver is a warning when another answers, an error when it is the only one', () => {
    const conf = parseResolvConf(fixture('resolv-unreachable.txt'));
    const dead = { server: '192.0.2.53', output: out('dig @192.0.2.53 +time=2 +tries=1 web A', fixture('dig-unreachable.txt'), { exitCode: 9, elapsedMs: 2150 }), neighbour: { address: '192.0.2.53', states: ['FAILED'] } };
    const two = valid(resolverOutcome(conf, [dead, { server: '127.0.0.11', output: out('dig', fixture('dig-ok.txt')) }], 2, resolvEvidence));
    expect(two.findings).toHaveLength(1);
    expect(two.findings[0]).toMatchObject({ code: 'dns-resolver-unreachable', severity: 'warning', title: 'Nameserver 192.0.2.53 does not answer' });
    expect(two.findings[0]!.detail).toContain('(1st of 2); a query to it got timed out after 2.1 s (limit 2 s), and nothing on the link answers ARP for it (FAILED)');
    const one = valid(resolverOutcome(parseResolvConf('nameserver 192.0.2.53\n'), [dead], 2, resolvEvidence));
    expect(one.findings[0]).toMatchObject({ severity: 'error' });
    expect(one.findings[0]!.detail).toContain('It is the only nameserver, so no name resolves.');
    expect(one.findings[0]!.evidence).toEqual([{ command: 'dig @192.0.2.53 +time=2 +tries=1 web A', output: fixture('dig-unreachable.txt').trimEnd() }, resolvEvidence]);
  });

  it('no nameserver at all', () => {
    const outcome = valid(resolverOutcome(parseResolvConf('nameserver bogus\n'), [], 2, resolvEvidence));
    expect(outcome.findings[0]).toMatchObject({ code: 'dns-resolver-unreachable', title: 'No nameserver is configured' });
    expect(outcome.findings[0]!.detail).toContain('ignored: bogus');
  });
});

describe('names', () => {
  it('NXDOMAIN and empty answers are findings, answers pass', () => {
    const outcome = valid(
      nameOutcome([
        { expected: { name: 'doctor-probe-b', why: 'a member of network n' }, output: out('dig', fixture('dig-ok.txt')) },
        { expected: { name: 'no-such-peer', why: 'asked for in the request' }, output: out('dig', fixture('dig-nxdomain.txt')) },
      ]),
    );
    expect(outcome.note).toBe('1 of 2 names resolve');
    expect(outcome.findings.map((f) => [f.code, f.title])).toEqual([['dns-name-not-resolving', '"no-such-peer" does not resolve']]);
    expect(outcome.findings[0]!.detail).toBe('no-such-peer is asked for in the request; the target\'s resolver answered NXDOMAIN.');
  });

  it('nothing to check is skipped', () => {
    expect(nameOutcome([])).toMatchObject({ state: 'skipped' });
  });
});

describe('routes and gateway', () => {
  const routesOut = out('ip -j route show table main', fixture('ip-route-no-default.json'));
  const addrOut = out('ip -j addr show', fixture('ip-addr.json'));
  const interfaces = parseInterfaces(fixture('ip-addr.json'))!;

  it('no default route is an error, except on internal networks or without addresses', () => {
    const none = defaultRoutes(parseRoutes(fixture('ip-route-no-default.json'))!);
    const outcome = valid(defaultRouteOutcome(none, interfaces, false, { routes: routesOut, addresses: addrOut }));
    expect(outcome.findings[0]).toMatchObject({ code: 'no-default-route', severity: 'error' });
    expect(outcome.findings[0]!.detail).toContain('eth0 (172.18.0.3)');
    expect(defaultRouteOutcome(none, interfaces, true, { routes: routesOut, addresses: addrOut }).state).toBe('skipped');
    expect(defaultRouteOutcome(none, interfaces.filter((i) => i.loopback), false, { routes: routesOut, addresses: addrOut }).state).toBe('skipped');
    expect(defaultRouteOutcome(defaultRoutes(parseRoutes(fixture('ip-route.json'))!), interfaces, false, { routes: routesOut, addresses: addrOut })).toEqual({ state: 'passed', note: 'default via 172.18.0.1 dev eth0', findings: [] });
  });

  it('a silent gateway: an error when ARP fails, a warning when it is on the link', () => {
    const ping = out('ping -n -c 2 …', fixture('ping-unreachable-host.txt'), { exitCode: 1 });
    expect(gatewayOutcome('172.18.0.1', 'eth0', out('ping', fixture('ping-gateway-ok.txt')), undefined)).toMatchObject({ state: 'passed', note: '172.18.0.1 answered 2 of 2 pings, 0.107 ms' });
    const failed = valid(gatewayOutcome('172.18.0.99', 'eth0', ping, parseNeighbours(fixture('ip-neigh-failed.json'))![1]));
    expect(failed.findings[0]).toMatchObject({ code: 'gateway-unreachable', severity: 'error' });
    expect(failed.findings[0]!.detail).toContain('its ARP entry is FAILED: nothing on the link has that address');
    const silent = valid(gatewayOutcome('172.18.0.1', 'eth0', ping, parseNeighbours(fixture('ip-neigh-failed.json'))![0]));
    expect(silent.findings[0]).toMatchObject({ severity: 'warning' });
    expect(silent.findings[0]!.detail).toContain('drops ICMP');
  });
});

describe('MTU', () => {
  const probe = (size: number, file: string) => ({ size, output: out(`ping -n -M do -s ${size - 28} …`, fixture(file)) });

  it('passes when a packet of the MTU gets through', () => {
    expect(mtuOutcome('eth0', 1500, '172.18.0.1', probe(1500, 'ping-df-ok.txt'), []).state).toBe('passed');
  });

  it('names the largest size that got through', () => {
    const outcome = valid(mtuOutcome('eth0', 9000, '172.18.0.1', probe(9000, 'ping-df-lost.txt'), [probe(4000, 'ping-df-lost.txt'), probe(1500, 'ping-df-ok.txt'), probe(1400, 'ping-df-ok.txt')]));
    expect(outcome.findings[0]).toMatchObject({ code: 'mtu-mismatch', severity: 'error', title: 'eth0 has MTU 9000, more than the path to its gateway carries' });
    expect(outcome.findings[0]!.detail).toContain('while 1500 bytes did');
    expect(outcome.findings[0]!.evidence.map((e) => e.command)).toEqual(['ping -n -M do -s 8972 …', 'ping -n -M do -s 1472 …']);
    expect(outcome.findings[0]!.fix).toContain('ip link set dev eth0 mtu 1500');
  });

  it('nothing smaller passes either: a warning', () => {
    expect(mtuOutcome('eth0', 1500, '172.18.0.1', probe(1500, 'ping-df-lost.txt'), [probe(1450, 'ping-df-lost.txt')]).findings[0]).toMatchObject({ severity: 'warning' });
  });
});

describe('published ports', () => {
  const ss = out('ss -ltun', fixture('ss-loopback.txt'));
  const sockets = parseSockets(fixture('ss-loopback.txt'), false)!.sockets;

  it('a port nothing listens on, one only on loopback, one fine', () => {
    const outcome = valid(
      portOutcome(
        [
          { port: 8080, protocol: 'tcp', how: 'published on the host at 0.0.0.0:8080' },
          { port: 80, protocol: 'tcp', how: 'exposed to other containers (not published)' },
          { port: 8081, protocol: 'tcp', how: 'published on the host at 0.0.0.0:8081' },
        ],
        sockets,
        ss,
      ),
    );
    expect(outcome.findings.map((f) => f.title)).toEqual(['Nothing listens on 8080/tcp', '80/tcp listens only on loopback']);
    expect(outcome.note).toBe('1 of 3 published or exposed ports have a listener');
    expect(outcome.findings[1]!.evidence[0]!.output).toBe('Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\ntcp LISTEN 127.0.0.1:80');
  });

  it('no ports: skipped', () => {
    expect(portOutcome([], sockets, ss).state).toBe('skipped');
  });
});

describe('firewall', () => {
  const iptables = { source: 'iptables' as const, output: out('iptables-save -c', fixture('iptables-save-drop.txt')), ruleset: parseIptablesSave(fixture('iptables-save-drop.txt'), 'iptables') };
  const nft = { source: 'nft' as const, output: out('nft list ruleset', fixture('nft-native.txt')), ruleset: parseNftRuleset(fixture('nft-native.txt')) };

  it('a certain DROP is an error with the rule and counters; only the ruleset that has it is evidence', () => {
    const outcome = valid(firewallOutcome({ ports: [{ port: 80, protocol: 'tcp', how: 'published on the host at 127.0.0.1:32768' }, { port: 8080, protocol: 'tcp', how: 'exposed' }], rulesets: [iptables] }));
    expect(outcome.findings).toHaveLength(1);
    expect(outcome.findings[0]).toMatchObject({ code: 'firewall-drops', severity: 'error', title: 'The firewall drops connections to 80/tcp' });
    expect(outcome.findings[0]!.detail).toContain('"-A INPUT -p tcp -m tcp --dport 80 -j DROP" in iptables table filter, chain INPUT; it has matched 1 packets (60 bytes)');
    expect(outcome.findings[0]!.evidence.map((e) => e.command)).toEqual(['iptables-save -c']);
  });

  it('a policy DROP says to add an accepting rule; a narrowed rule is a warning', () => {
    const policy = valid(firewallOutcome({ ports: [{ port: 80, protocol: 'tcp', how: 'exposed' }], rulesets: [nft] }));
    expect(policy.findings[0]!.fix).toContain('before the policy takes it');
    const narrowed = valid(firewallOutcome({ ports: [{ port: 53, protocol: 'udp', how: 'listened on at *:53' }], rulesets: [{ ...nft, ruleset: { ...nft.ruleset, chains: nft.ruleset.chains.map((c) => ({ ...c, policy: 'accept' as const })) } }] }));
    expect(narrowed.findings[0]).toMatchObject({ severity: 'warning', title: 'The firewall drops some connections to 53/udp' });
    expect(narrowed.findings[0]!.detail).toContain('(only for ip saddr 10.9.0.0/16)');
  });

  it('nothing to check, nothing read', () => {
    expect(firewallOutcome({ ports: [], rulesets: [iptables] }).state).toBe('skipped');
    expect(firewallOutcome({ ports: [{ port: 80, protocol: 'tcp', how: 'x' }], rulesets: [] }).state).toBe('failed');
  });
});

describe('conntrack and neighbours', () => {
  const shown = { usage: { command: 'grep', output: '' } };

  it('warns from 90 % full or after drops, passes below', () => {
    expect(conntrackOutcome({ count: 10, max: 100 }, { totals: { drop: 0, early_drop: 0 }, cpus: 2 }, shown)).toMatchObject({ state: 'passed', note: '10 of 100 entries (10.0 %), 0 drops' });
    expect(valid(conntrackOutcome({ count: 95, max: 100 }, undefined, shown)).findings[0]).toMatchObject({ code: 'conntrack-near-full', severity: 'warning', title: 'The connection-tracking table is 95 % full' });
    expect(valid(conntrackOutcome({ count: 100, max: 100 }, undefined, shown)).findings[0]).toMatchObject({ severity: 'error' });
    const overflowed = valid(conntrackOutcome({ count: 5, max: 100 }, { totals: { drop: 7, early_drop: 2 }, cpus: 2 }, shown));
    expect(overflowed.findings[0]!.title).toBe('The connection-tracking table overflowed 9 times');
    expect(conntrackOutcome(undefined, undefined, shown).state).toBe('skipped');
  });

  it('unresolved neighbours, except those another finding explains', () => {
    const neigh = out('ip -j neigh show', fixture('ip-neigh-incomplete.json'));
    const neighbours = parseNeighbours(fixture('ip-neigh-incomplete.json'))!;
    const outcome = valid(neighbourOutcome(neighbours, neigh));
    expect(outcome.findings[0]).toMatchObject({ code: 'arp-incomplete', severity: 'warning', title: '2 neighbours do not answer ARP' });
    expect(outcome.findings[0]!.detail).toContain('172.18.0.98 on eth0 (INCOMPLETE), 172.18.0.99 on eth0 (FAILED)');
    expect(neighbourOutcome(neighbours, neigh, new Set(['172.18.0.98', '172.18.0.99']))).toMatchObject({ state: 'passed', note: '3 neighbour entries, 2 unresolved, explained by another finding' });
  });
});

describe('the peer', () => {
  const icmp = (ok: boolean, reason?: string) => ({ outcome: ok ? { ok, ms: 0.1 } : { ok, reason: reason ?? 'timeout' }, output: out('fping -e 10.0.0.3', ok ? '10.0.0.3 is alive (0.1 ms)\n' : '10.0.0.3 is unreachable\n') });
  const tcp = (states: ('open' | 'closed' | 'filtered')[]) => ({
    outcomes: states.map((state, i) => ({ port: 80 + i, state, ...(state === 'closed' ? { reason: 'refused' } : state === 'filtered' ? { reason: 'timeout' } : {}) })),
    output: out('nmap -p 80 10.0.0.3', 'PORT STATE SERVICE REASON\n80/tcp filtered http no-response\n'),
  });

  it('reached on every port and by name: passed, with what was seen', () => {
    const outcome = valid(peerOutcome({ name: 'db', ipv4: '10.0.0.3', network: 'shop', icmp: icmp(true), tcp: tcp(['open']), dns: { outcome: { ok: true, addresses: ['10.0.0.3'] }, output: out('dig db', '') } }));
    expect(outcome).toEqual({ state: 'passed', note: 'db (10.0.0.3): ping 0.1 ms, 1 of 1 TCP ports open, name resolves', findings: [] });
  });

  it('blocked (no ping, filtered port): an error pointing at the peer\'s firewall, with both outputs', () => {
    const outcome = valid(peerOutcome({ name: 'db', ipv4: '10.0.0.3', network: 'shop', icmp: icmp(false, 'timeout (no reply within 1 s, 2 tries)'), tcp: tcp(['filtered']) }));
    expect(outcome.state).toBe('found');
    const [finding] = outcome.findings;
    expect(finding).toMatchObject({ code: 'peer-unreachable', severity: 'error', title: 'The target cannot reach db (10.0.0.3)' });
    expect(finding!.detail).toBe('From the target\'s namespace to db at 10.0.0.3 on shop: ping: timeout (no reply within 1 s, 2 tries); TCP 80: filtered (timeout).');
    expect(finding!.evidence.map((e) => e.command)).toEqual(['fping -e 10.0.0.3', 'nmap -p 80 10.0.0.3']);
    expect(finding!.fix).toMatch(/run the doctor on db/);
  });

  it('a refused port says to start the service; no ping alone is a warning', () => {
    expect(peerOutcome({ name: 'db', ipv4: '10.0.0.3', icmp: icmp(true), tcp: tcp(['open', 'closed']) }).findings[0]!.fix).toMatch(/start the service/);
    expect(peerOutcome({ name: 'db', ipv4: '10.0.0.3', icmp: icmp(false), tcp: tcp(['open']) }).findings[0]).toMatchObject({ severity: 'warning', title: 'db does not answer ping, but its ports do' });
  });

  it('no shared network: an error saying to connect them', () => {
    expect(valid(peerOutcome({ name: 'db' })).findings[0]).toMatchObject({ code: 'peer-unreachable', severity: 'error', title: 'db shares no network with the target' });
  });
});

describe('healthy and evidence', () => {
  it('lists every check and what could not be checked', () => {
    const checks: DoctorCheck[] = [
      { id: 'dns-resolvers', title: 'DNS resolvers answer', state: 'passed', note: 'answering: 127.0.0.11 (0 ms)' },
      { id: 'conntrack', title: 'Connection tracking has room', state: 'failed', note: 'not finished within the 20 s limit' },
    ];
    const finding = healthyFinding(checks);
    expect(Value.Check(Finding, finding)).toBe(true);
    expect(finding).toMatchObject({ code: 'healthy', severity: 'info', title: 'No problem found in what could be checked' });
    expect(finding.detail).toBe('Checked:\nDNS resolvers answer: passed (answering: 127.0.0.11 (0 ms))\nConnection tracking has room: failed (not finished within the 20 s limit)');
    expect(healthyFinding(checks.slice(0, 1)).title).toBe('No problem found');
  });

  it('says when the toolbox image lacks a command', () => {
    const missing = out('fping -e 10.0.0.2', '', { exitCode: 127, stderr: "timeout: failed to run command ‘fping’: No such file or directory\n" });
    expect(commandProblem(missing)).toBe('the toolbox image has no fping command');
    expect(commandProblem(out('ip -j route', '', { exitCode: 1, stderr: 'Error: something\n' }))).toBe('ip -j route exited with 1: Error: something');
  });

  it('quotes only what a shell would need, and caps evidence', () => {
    expect(displayCommand(['grep', '-H', '-s', '', '/etc/resolv.conf'])).toBe("grep -H -s '' /etc/resolv.conf");
    expect(displayCommand(['dig', "it's"])).toBe("dig 'it'\\''s'");
    const long = evidence(out('cat x', 'y'.repeat(EVIDENCE_CHARS + 10)));
    expect(long.output).toHaveLength(EVIDENCE_CHARS + '\n… (10 more characters)'.length);
    expect(evidence(out('sleep', '', { timedOut: true, elapsedMs: 5000 })).output).toBe('(killed after 5 s)');
  });
});
