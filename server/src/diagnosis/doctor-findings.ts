import {
  blockingRules,
  parseDns,
  parsePing,
  type BlockingRule,
  type ConntrackStats,
  type ConntrackUsage,
  type DnsOutcome,
  type DoctorCheck,
  type Evidence,
  type IcmpOutcome,
  type TcpOutcome,
  type FirewallSource,
  type Finding,
  type ListeningSocket,
  type Neighbour,
  type NetInterface,
  type ResolvConf,
  type RouteEntry,
  type Ruleset,
} from '@sonde/shared';
import { evidence, missingCommand, type ProbeOutput } from './probe-output.js';

/**
 * What the doctor concludes from what it read. Pure: outputs in, findings out, so each rule
 * is unit-tested on captured output. Titles say what is wrong, details say how we know (with
 * numbers), fixes say what to change in one or two sentences.
 */

export type CheckOutcome = { state: 'passed' | 'found' | 'skipped' | 'failed'; note?: string; findings: Finding[] };

const passed = (note?: string): CheckOutcome => ({ state: 'passed', ...(note ? { note } : {}), findings: [] });
const skipped = (note: string): CheckOutcome => ({ state: 'skipped', note, findings: [] });
const failed = (note: string): CheckOutcome => ({ state: 'failed', note, findings: [] });
const found = (findings: Finding[], note?: string): CheckOutcome =>
  findings.length > 0 ? { state: 'found', ...(note ? { note } : {}), findings } : passed(note);

/** Why a command gave nothing usable, for a check's note. */
export function commandProblem(output: ProbeOutput): string {
  const missing = missingCommand(output);
  if (missing) return `the toolbox image has no ${missing} command`;
  if (output.timedOut) return `${output.command} did not finish in time`;
  const said = (output.stderr || output.stdout).trim().split('\n').slice(-1)[0] ?? '';
  return `${output.command} exited with ${output.exitCode}${said ? `: ${said.slice(0, 200)}` : ''}`;
}

/** How a neighbour entry reads in a sentence. */
function arpState(neighbour: Neighbour): string {
  const failed = neighbour.states.some((s) => s === 'INCOMPLETE' || s === 'FAILED');
  return failed ? `nothing on the link answers ARP for it (${neighbour.states.join(',')})` : `it is on the link (${neighbour.lladdr ?? 'no address'}, ${neighbour.states.join(',')})`;
}

const ordinal = (n: number) => `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

/** Glibc and musl use the first three nameservers (MAXNS) and ignore the rest. */
export const MAX_NAMESERVERS = 3;

export interface ResolverProbe {
  server: string;
  output: ProbeOutput;
  /** Its neighbour entry when it did not answer and is on the link. */
  neighbour?: Neighbour;
}

/** Whether a resolver answered at all (any status, NXDOMAIN and SERVFAIL included) and why not. */
export function dnsAnswer(output: ProbeOutput): { answered: boolean; status?: string; reason?: string; ms?: number; addresses: string[] } {
  const parsed = parseDns(`${output.stdout}\n${output.stderr}`);
  if (parsed?.status) {
    return {
      answered: true,
      status: parsed.status,
      ...(parsed.queryTimeMs !== undefined ? { ms: parsed.queryTimeMs } : {}),
      addresses: parsed.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data),
    };
  }
  const text = `${output.stdout}\n${output.stderr}`;
  const reason = output.timedOut
    ? 'no answer before the command was stopped'
    : /timed out/i.test(text)
      ? 'timed out'
      : /connection refused/i.test(text)
        ? 'connection refused (nothing listens on port 53 there)'
        : /network unreachable|network is unreachable/i.test(text)
          ? 'network unreachable (no route to it)'
          : /host unreachable|no route to host/i.test(text)
            ? 'host unreachable'
            : (parsed?.problem ?? 'no answer');
  return { answered: false, reason, addresses: [] };
}

export function resolverOutcome(conf: ResolvConf, probes: readonly ResolverProbe[], waitSeconds: number, confEvidence: Evidence): CheckOutcome {
  if (conf.nameservers.length === 0) {
    return found([
      {
        code: 'dns-resolver-unreachable',
        severity: 'error',
        title: 'No nameserver is configured',
        detail: `The target's /etc/resolv.conf names no usable nameserver${conf.invalid.length ? ` (ignored: ${conf.invalid.join(', ')})` : ''}, so lookups go to 127.0.0.1, where usually nothing answers.`,
        evidence: [confEvidence],
        fix: 'Give the container a nameserver: Docker writes resolv.conf from --dns (dns: in Compose) or from the host; do not overwrite /etc/resolv.conf in the image.',
      },
    ]);
  }
  const findings: Finding[] = [];
  const answering: string[] = [];
  probes.forEach((probe, index) => {
    const answer = dnsAnswer(probe.output);
    if (answer.answered) {
      answering.push(`${probe.server} (${answer.ms ?? probe.output.elapsedMs} ms)`);
      return;
    }
    const others = conf.nameservers.length > 1;
    findings.push({
      code: 'dns-resolver-unreachable',
      severity: others ? 'warning' : 'error',
      title: `Nameserver ${probe.server} does not answer`,
      detail:
        `The target's /etc/resolv.conf lists ${probe.server} (${ordinal(index + 1)} of ${conf.nameservers.length}); a query to it got ${answer.reason} ` +
        `after ${(probe.output.elapsedMs / 1000).toFixed(1)} s (limit ${waitSeconds} s)` +
        (probe.neighbour ? `, and ${arpState(probe.neighbour)}` : '') +
        '. ' +
        (others ? 'Every lookup that reaches it waits for the timeout before trying the next nameserver.' : 'It is the only nameserver, so no name resolves.'),
      evidence: [evidence(probe.output), confEvidence],
      fix: `Point the container at a nameserver that answers (--dns, or dns: in Compose; on a user-defined network Docker's 127.0.0.11 forwards to it), or make ${probe.server} reachable from the container's network.`,
    });
  });
  const ignored = conf.nameservers.length > MAX_NAMESERVERS ? `; resolvers ignore nameservers after the ${MAX_NAMESERVERS}rd (${conf.nameservers.slice(MAX_NAMESERVERS).join(', ')})` : '';
  return found(findings, answering.length ? `answering: ${answering.join(', ')}${ignored}` : `none answered${ignored}`);
}

export interface ExpectedName {
  name: string;
  /** Why the target should resolve it, in words: `a member of network shop`, `asked for`. */
  why: string;
}

export interface NameProbe {
  expected: ExpectedName;
  output: ProbeOutput;
}

export function nameOutcome(probes: readonly NameProbe[]): CheckOutcome {
  if (probes.length === 0) return skipped('no names to check: the target shares no user-defined network with running containers and the request named none');
  const findings: Finding[] = [];
  for (const probe of probes) {
    const answer = dnsAnswer(probe.output);
    if (answer.answered && answer.status === 'NOERROR' && answer.addresses.length > 0) continue;
    const said = answer.answered ? (answer.status === 'NOERROR' ? 'an empty answer (the name exists, with no address)' : answer.status) : answer.reason;
    findings.push({
      code: 'dns-name-not-resolving',
      severity: 'error',
      title: `"${probe.expected.name}" does not resolve`,
      detail: `${probe.expected.name} is ${probe.expected.why}; the target's resolver answered ${said}.`,
      evidence: [evidence(probe.output)],
      fix: probe.expected.why.startsWith('asked for')
        ? 'Check the spelling, then the record at the DNS server the target uses (or add the name with --add-host / extra_hosts).'
        : "Docker's DNS answers container and service names only on user-defined networks both containers are on: connect them to one (docker network connect), and check the target has no custom nameserver that bypasses 127.0.0.11.",
    });
  }
  return found(findings, `${probes.length - findings.length} of ${probes.length} names resolve`);
}

/** The interfaces that carry traffic beyond the namespace: up, not loopback, with an IPv4 address. */
export function routedInterfaces(interfaces: readonly NetInterface[]): NetInterface[] {
  return interfaces.filter((i) => !i.loopback && i.up && i.addresses.some((a) => a.family === 'inet'));
}

export function defaultRouteOutcome(defaults: readonly RouteEntry[], interfaces: readonly NetInterface[], internalOnly: boolean, outputs: { routes: ProbeOutput; addresses: ProbeOutput }): CheckOutcome {
  if (defaults.length > 0) return passed(defaults.map((r) => `default ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}`).join('; '));
  const routed = routedInterfaces(interfaces);
  if (routed.length === 0) return skipped('the namespace has no interface with an IPv4 address besides loopback');
  if (internalOnly) return skipped('every network of the target is internal (Docker gives those no gateway)');
  return found([
    {
      code: 'no-default-route',
      severity: 'error',
      title: 'No default route',
      detail: `The namespace has ${routed.map((i) => `${i.name} (${i.addresses.find((a) => a.family === 'inet')!.address})`).join(', ')} but no default route, so only addresses on those subnets are reachable; everything else fails with "Network is unreachable".`,
      evidence: [evidence(outputs.routes), evidence(outputs.addresses)],
      fix: 'Restart the container so Docker recreates its routes, or add the route back (ip route add default via <gateway>); look for whatever deleted it (an entrypoint script, a VPN client).',
    },
  ]);
}

export function gatewayOutcome(gateway: string, device: string, ping: ProbeOutput, neighbour: Neighbour | undefined): CheckOutcome {
  const result = parsePing(ping.stdout + ping.stderr, gateway);
  if (result && result.received > 0) return passed(`${gateway} answered ${result.received} of ${result.transmitted} pings${result.rtt ? `, ${result.rtt.avgMs} ms` : ''}`);
  const resolved = neighbour && neighbour.lladdr && !neighbour.states.some((s) => s === 'INCOMPLETE' || s === 'FAILED');
  const arp = neighbour ? `its ARP entry is ${neighbour.states.join(',') || 'empty'}${neighbour.lladdr ? ` (${neighbour.lladdr})` : ''}` : 'it has no ARP entry';
  return found([
    {
      code: 'gateway-unreachable',
      severity: resolved ? 'warning' : 'error',
      title: `Gateway ${gateway} does not answer`,
      detail: resolved
        ? `The default route goes via ${gateway} on ${device}; it did not answer ${result?.transmitted ?? 'any'} pings though ${arp}, so it is on the link but drops ICMP or forwards nothing.`
        : `The default route goes via ${gateway} on ${device}; it did not answer ${result?.transmitted ?? 'any'} pings${result?.problem ? ` (${result.problem})` : ''} and ${arp}: nothing on the link has that address.`,
      evidence: [evidence(ping)],
      fix: resolved
        ? 'Check the firewall on the gateway (the host, for Docker bridges) for rules dropping traffic from this container.'
        : "Point the default route at the network's real gateway (docker network inspect shows it) or restart the container so Docker sets it again.",
    },
  ]);
}

/**
 * Packet sizes (whole IP packets) tried below an interface's MTU when a packet of its MTU does
 * not get through: the usual path MTUs (Ethernet, PPPoE/VXLAN-ish overheads, IPv6's minimum),
 * few enough to try at once.
 */
export const MTU_CANDIDATES = [4000, 1500, 1450, 1400, 1280] as const;

export interface MtuProbe {
  /** Whole IP packet size: ICMP payload + 28. */
  size: number;
  output: ProbeOutput;
}

export function mtuOutcome(device: string, mtu: number, gateway: string, atMtu: MtuProbe, smaller: readonly MtuProbe[]): CheckOutcome {
  const answered = (probe: MtuProbe) => (parsePing(probe.output.stdout + probe.output.stderr, gateway)?.received ?? 0) > 0;
  if (answered(atMtu)) return passed(`${device}: ${mtu}-byte packets with DF reach ${gateway}`);
  const carried = smaller.filter(answered).map((p) => p.size);
  const largest = carried.length ? Math.max(...carried) : undefined;
  const best = largest === undefined ? undefined : smaller.find((p) => p.size === largest);
  return found([
    {
      code: 'mtu-mismatch',
      severity: largest === undefined ? 'warning' : 'error',
      title: `${device} has MTU ${mtu}, more than the path to its gateway carries`,
      detail:
        largest === undefined
          ? `A ${mtu}-byte ping to ${gateway} with "don't fragment" got no answer, and neither did any smaller size down to ${Math.min(...smaller.map((p) => p.size))} bytes, though ordinary pings do: the path drops large or DF packets.`
          : `A ${mtu}-byte ping to ${gateway} with "don't fragment" got no answer while ${largest} bytes did, so the path carries at most about ${largest} bytes. Large packets (TLS handshakes, bulk transfers) from this interface are dropped silently: connections open, then hang.`,
      evidence: [evidence(atMtu.output), ...(best ? [evidence(best.output)] : [])],
      fix:
        largest === undefined
          ? 'Compare the MTU of every hop (docker network inspect, the host interfaces) and set the container interface to the smallest.'
          : `Set ${device}'s MTU to ${largest} or less (ip link set dev ${device} mtu ${largest}; for Docker networks the com.docker.network.driver.mtu option), or raise the MTU of the path.`,
    },
  ]);
}

export interface ExposedPort {
  port: number;
  protocol: 'tcp' | 'udp';
  /** `published on 0.0.0.0:8080`, `exposed`. */
  how: string;
}

export const isLoopback = (address: string): boolean => /^(?:127\.|\[?::1\]?$|\[::ffff:127\.)/.test(address);

export function portOutcome(ports: readonly ExposedPort[], sockets: readonly ListeningSocket[], ss: ProbeOutput): CheckOutcome {
  if (ports.length === 0) return skipped('the container publishes and exposes no ports');
  const findings: Finding[] = [];
  for (const port of ports) {
    const listeners = sockets.filter((s) => s.netid === port.protocol && Number(s.localPort) === port.port);
    const lines = listeners.map((s) => `${s.netid} ${s.state} ${s.localAddress}:${s.localPort}`).join('\n');
    if (listeners.length === 0) {
      findings.push({
        code: 'published-port-not-listening',
        severity: 'error',
        title: `Nothing listens on ${port.port}/${port.protocol}`,
        detail: `Port ${port.port}/${port.protocol} is ${port.how}, but no socket in the container listens on it, so connections are refused.`,
        evidence: [evidence(ss)],
        fix: `Start the service on port ${port.port} (check its configuration and logs), or change the port mapping to the port it really uses.`,
      });
    } else if (listeners.every((s) => isLoopback(s.localAddress))) {
      findings.push({
        code: 'published-port-not-listening',
        severity: 'error',
        title: `${port.port}/${port.protocol} listens only on loopback`,
        detail: `Port ${port.port}/${port.protocol} is ${port.how}, but the service listens only on ${listeners.map((s) => s.localAddress).join(', ')}, which other containers and the host's port forwarding cannot reach.`,
        evidence: [evidence(ss, `${ss.stdout.split('\n')[0] ?? ''}\n${lines}`)],
        fix: 'Make the service listen on 0.0.0.0 (or ::) instead of 127.0.0.1, e.g. --host 0.0.0.0 or bind_address in its configuration.',
      });
    }
  }
  return found(findings, `${ports.length - findings.length} of ${ports.length} published or exposed ports have a listener`);
}

export interface FirewallInput {
  /** Ports to check: listening and published or exposed. */
  ports: readonly ExposedPort[];
  rulesets: readonly { source: FirewallSource; ruleset: Ruleset; output: ProbeOutput }[];
}

function describeRule(rule: BlockingRule): string {
  const where = rule.source === 'nft' ? `nft table ${rule.table}, chain ${rule.chain}` : `${rule.source} table ${rule.table}, chain ${rule.chain}`;
  const counters = rule.packets !== undefined ? `; it has matched ${rule.packets} packets (${rule.bytes} bytes)` : '';
  const limited = rule.certain ? '' : ` (only for ${rule.conditions.join(', ')})`;
  return `"${rule.text}" in ${where}${limited}${counters}`;
}

export function firewallOutcome(input: FirewallInput): CheckOutcome {
  if (input.rulesets.length === 0) return failed('no firewall could be read');
  if (input.ports.length === 0) return skipped('nothing listens and nothing is published, so there is no port to check');
  const findings: Finding[] = [];
  const rulesets = input.rulesets.map((r) => r.ruleset);
  for (const port of input.ports) {
    const rules = blockingRules(rulesets, port.port, port.protocol);
    if (rules.length === 0) continue;
    const certain = rules.some((r) => r.certain);
    findings.push({
      code: 'firewall-drops',
      severity: certain ? 'error' : 'warning',
      title: `The firewall ${rules[0]!.verdict === 'reject' ? 'rejects' : 'drops'} ${certain ? '' : 'some '}connections to ${port.port}/${port.protocol}`,
      detail: `Port ${port.port}/${port.protocol} is ${port.how}. In the target's namespace, ${rules.map(describeRule).join('; then ')}.${certain ? '' : ' Other connections get through.'}`,
      evidence: input.rulesets.filter((r) => rules.some((rule) => rule.source === r.source)).map((r) => evidence(r.output)),
      fix: rules.some((r) => r.policy)
        ? `Add a rule accepting ${port.protocol} port ${port.port} before the policy takes it (or remove the DROP policy), in whatever sets up this firewall.`
        : `Delete the rule (iptables -D … / nft delete rule …) or narrow it, and fix whatever adds it (an entrypoint script, a sidecar) so it does not come back.`,
    });
  }
  return found(findings, `${input.ports.length} ports checked against ${rulesets.reduce((n, r) => n + r.rules.length, 0)} rules`);
}

/** Warn from this share of the table on. */
export const CONNTRACK_WARN_RATIO = 0.9;

export function conntrackOutcome(usage: ConntrackUsage | undefined, stats: ConntrackStats | undefined, shown: { usage: Evidence; stats?: Evidence }): CheckOutcome {
  if (!usage) return skipped('connection tracking is not in use in this namespace (no nf_conntrack_count)');
  const ratio = usage.max > 0 ? usage.count / usage.max : 0;
  const dropped = stats ? (stats.totals.drop ?? 0) + (stats.totals.early_drop ?? 0) : 0;
  const note = `${usage.count} of ${usage.max} entries (${(ratio * 100).toFixed(1)} %)${stats ? `, ${dropped} drops` : ''}`;
  if (ratio < CONNTRACK_WARN_RATIO && dropped === 0) return passed(note);
  return found(
    [
      {
        code: 'conntrack-near-full',
        severity: ratio >= 1 ? 'error' : 'warning',
        title: ratio >= CONNTRACK_WARN_RATIO ? `The connection-tracking table is ${(ratio * 100).toFixed(0)} % full` : `The connection-tracking table overflowed ${dropped} times`,
        detail: `${usage.count} of ${usage.max} conntrack entries are in use${dropped > 0 ? `; ${stats!.totals.drop ?? 0} new connections were dropped and ${stats!.totals.early_drop ?? 0} entries evicted because the table was full` : ''}. When it is full, new connections are dropped ("nf_conntrack: table full" in the host's kernel log).`,
        evidence: [shown.usage, ...(shown.stats ? [shown.stats] : [])],
        fix: 'Raise net.netfilter.nf_conntrack_max (on the host), shorten timeouts for idle connections, or find what opens so many connections (conntrack -L shows them).',
      },
    ],
    note,
  );
}

/**
 * Unresolved neighbours. Addresses another finding already explains (a dead nameserver or
 * gateway the doctor's own probes asked ARP for) are left to that finding.
 */
export function neighbourOutcome(neighbours: readonly Neighbour[], output: ProbeOutput, explained: ReadonlySet<string> = new Set()): CheckOutcome {
  const unresolved = neighbours.filter((n) => n.states.includes('INCOMPLETE') || n.states.includes('FAILED'));
  const stuck = unresolved.filter((n) => !explained.has(n.address));
  const aside = unresolved.length - stuck.length;
  if (stuck.length === 0) return passed(`${neighbours.length} neighbour entries, ${aside ? `${aside} unresolved, explained by another finding` : 'none unresolved'}`);
  return found(
    [
      {
        code: 'arp-incomplete',
        severity: 'warning',
        title: `${stuck.length === 1 ? 'A neighbour does' : `${stuck.length} neighbours do`} not answer ARP`,
        detail: `No link-layer answer for ${stuck.map((n) => `${n.address}${n.device ? ` on ${n.device}` : ''} (${n.states.join(',')})`).join(', ')}: traffic to ${stuck.length === 1 ? 'it' : 'them'} goes nowhere. Either nothing has that address on the link, or it is down, or a wrong route sends traffic there.`,
        evidence: [evidence(output)],
        fix: 'Check that the address is right (a stale IP in a configuration, a peer that was recreated with a new address) and that the peer is up on the same network.',
      },
    ],
    `${stuck.length} of ${neighbours.length} entries unresolved`,
  );
}

/** What the doctor found out about the peer a request named: each probe's outcome and output. */
export interface PeerProbe {
  name: string;
  /** Its address on a network it shares with the target; absent when they share none. */
  ipv4?: string;
  network?: string;
  icmp?: { outcome: IcmpOutcome; output: ProbeOutput };
  tcp?: { outcomes: TcpOutcome[]; output: ProbeOutput };
  dns?: { outcome: DnsOutcome; output: ProbeOutput };
}

/**
 * Whether the target reaches its peer: ICMP, each TCP port, its name. One finding saying what
 * failed and why in words; a peer that answers on its ports but not to ping is a warning only
 * (plenty of hosts drop ICMP on purpose).
 */
export function peerOutcome(probe: PeerProbe): CheckOutcome {
  if (!probe.ipv4) {
    return found([
      {
        code: 'peer-unreachable',
        severity: 'error',
        title: `${probe.name} shares no network with the target`,
        detail: `The target and ${probe.name} are on no common Docker network with an IPv4 address, so the target can reach it only through published ports on the host, if at all.`,
        evidence: [],
        fix: `Connect both to one user-defined network (docker network connect <network> ${probe.name}, or a shared network in Compose).`,
      },
    ]);
  }
  const problems: string[] = [];
  const evidenceOf: Evidence[] = [];
  if (probe.icmp && !probe.icmp.outcome.ok) {
    problems.push(`ping: ${probe.icmp.outcome.reason ?? 'no answer'}`);
    evidenceOf.push(evidence(probe.icmp.output));
  }
  const shut = probe.tcp?.outcomes.filter((t) => t.state !== 'open') ?? [];
  if (shut.length > 0) {
    problems.push(`TCP ${shut.map((t) => `${t.port}: ${t.state}${t.reason ? ` (${t.reason})` : ''}`).join(', ')}`);
    evidenceOf.push(evidence(probe.tcp!.output));
  }
  if (probe.dns && !probe.dns.outcome.ok) {
    problems.push(`its name: ${probe.dns.outcome.reason ?? 'does not resolve'}`);
    evidenceOf.push(evidence(probe.dns.output));
  }
  const open = probe.tcp?.outcomes.filter((t) => t.state === 'open').map((t) => t.port) ?? [];
  const note = [
    probe.icmp ? (probe.icmp.outcome.ok ? `ping ${probe.icmp.outcome.ms ?? '?'} ms` : 'no ping') : undefined,
    probe.tcp ? `${open.length} of ${probe.tcp.outcomes.length} TCP ports open` : undefined,
    probe.dns ? (probe.dns.outcome.ok ? 'name resolves' : 'name does not resolve') : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  if (problems.length === 0) return passed(`${probe.name} (${probe.ipv4}): ${note}`);
  const onlyIcmp = problems.length === 1 && probe.icmp && !probe.icmp.outcome.ok && (probe.tcp?.outcomes.length ?? 0) > 0;
  const filtered = shut.some((t) => t.state === 'filtered') || (probe.icmp && !probe.icmp.outcome.ok && /timeout/.test(probe.icmp.outcome.reason ?? ''));
  const refused = shut.some((t) => t.state === 'closed');
  return found(
    [
      {
        code: 'peer-unreachable',
        severity: onlyIcmp ? 'warning' : 'error',
        title: onlyIcmp ? `${probe.name} does not answer ping, but its ports do` : `The target cannot reach ${probe.name} (${probe.ipv4})`,
        detail: `From the target's namespace to ${probe.name} at ${probe.ipv4} on ${probe.network ?? 'a shared network'}: ${problems.join('; ')}.`,
        evidence: evidenceOf,
        fix: filtered
          ? `Packets to ${probe.name} go unanswered: run the doctor on ${probe.name} to look for a firewall rule dropping them (its firewall check), and check rules on the host between the two.`
          : refused
            ? `${probe.name} answers but refuses the connection: start the service on that port, or make it listen on ${probe.ipv4} and not only on 127.0.0.1.`
            : `Fix the name: the target's resolver must answer for ${probe.name} with ${probe.ipv4} (Docker's DNS does this on user-defined networks both are on).`,
      },
    ],
    note,
  );
}

export function healthyFinding(checks: readonly DoctorCheck[]): Finding {
  const line = (c: DoctorCheck) => `${c.title}: ${c.state}${c.note ? ` (${c.note})` : ''}`;
  const unchecked = checks.filter((c) => c.state === 'failed' || c.state === 'pending' || c.state === 'running');
  return {
    code: 'healthy',
    severity: 'info',
    title: unchecked.length ? 'No problem found in what could be checked' : 'No problem found',
    detail: `Checked:\n${checks.map(line).join('\n')}`,
    evidence: [],
    fix: unchecked.length ? `Nothing to fix in what was checked; ${unchecked.map((c) => c.title.toLowerCase()).join(', ')} could not be checked (see the notes).` : 'Nothing to fix here; if traffic still fails, look at the peer or the path beyond the gateway (the connectivity matrix, a capture).',
  };
}
