import pLimit from 'p-limit';
import {
  DOCTOR_CHECKS,
  defaultRoutes,
  isIP,
  parseConntrackStats,
  parseFping,
  parseNmapReasons,
  parseConntrackUsage,
  parseInterfaces,
  parseIptablesSave,
  parseNeighbours,
  parseNftRuleset,
  parseResolvConf,
  parseRoutes,
  parseSockets,
  splitDigQueries,
  splitFiles,
  tablesRead,
  type DiagnosisEndReason,
  type DoctorCheck,
  type DoctorCheckId,
  type DoctorEvent,
  type DoctorRun as DoctorRunInfo,
  type Finding,
  type FirewallSource,
  type ResolvedTarget,
} from '@sonde/shared';
import type { CommonEndReason, RevocationReason, Workload } from '../toolboxes/workload.js';
import {
  MAX_NAMESERVERS,
  MTU_CANDIDATES,
  commandProblem,
  conntrackOutcome,
  defaultRouteOutcome,
  dnsAnswer,
  firewallOutcome,
  gatewayOutcome,
  healthyFinding,
  isLoopback,
  mtuOutcome,
  nameOutcome,
  neighbourOutcome,
  peerOutcome,
  portOutcome,
  resolverOutcome,
  routedInterfaces,
  type CheckOutcome,
  type ExposedPort,
  type FirewallInput,
  type PeerProbe,
} from './doctor-findings.js';
import type { DoctorPlan } from './doctor-plan.js';
import { removeWithin, type ProbeToolbox } from './namespace-toolbox.js';
import { diagnosisEndReason } from './end-reason.js';
import { evidence, missingCommand, type ProbeOutput } from './probe-output.js';
import { RunEvents } from './progress-feed.js';
import { DNS_WAIT_SECONDS, FPING_TIMEOUT_MS, NMAP_TIMEOUT_MS, digArgv, digTimeoutMs, dnsOutcome, fpingArgv, icmpOutcome, nmapArgv, tcpOutcomes } from './reachability.js';

/**
 * One doctor run: reads the namespace (resolv.conf, routes, interfaces, sockets, firewalls,
 * conntrack) with one exec each, all at once, then runs the probes that depend on what it read
 * (resolvers, names, gateway, MTU), then the neighbour table (after the pings filled it).
 * Every argv element is fixed or a value validated here (an IP address, a host name, a number):
 * the namespace's own data is untrusted. Results stream out as check and finding events.
 */

export const CHECK_TITLES: Record<DoctorCheckId, string> = {
  'dns-resolvers': 'DNS resolvers answer',
  'dns-names': 'Expected names resolve',
  'default-route': 'Default route',
  gateway: 'Gateway answers',
  mtu: 'MTU fits the path to the gateway',
  'published-ports': 'Published ports have listeners',
  firewall: 'Firewall lets the ports through',
  conntrack: 'Connection tracking has room',
  neighbours: 'Neighbours answer ARP',
  peer: 'The peer is reachable',
};

/** Commands in flight at once within one run (the machine may have two cores). */
const EXEC_PARALLELISM = 6;
/** Reading state: each command takes 50-200 ms; this only bounds a wedged one. */
const FACT_TIMEOUT_MS = 5000;
const PING_TIMEOUT_MS = 4000;

export interface DoctorRunOptions {
  id: string;
  owner: { id: string; name: string };
  target: ResolvedTarget;
  /** The peer the request named, as a target the policy allowed (it must go on allowing it). */
  peerTarget?: ResolvedTarget;
  plan: DoctorPlan;
  toolbox: ProbeToolbox;
  timeLimitMs: number;
  /** performance.now() when the request came in: elapsed time includes the toolbox start. */
  startedAt: number;
  onEvent(event: DoctorEvent): void;
  onEnded(run: DoctorRun): void;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;


/** One doctor run: a workload holding one idle toolbox in its target's namespace. */
export class DoctorRun implements Workload {
  readonly id: string;
  private readonly checks = new Map<DoctorCheckId, DoctorCheck>();
  private readonly findings: Finding[] = [];
  private state: 'running' | 'done' = 'running';
  /** Set when the run starts ending: no command starts and no check changes after it. */
  private stopping = false;
  private endReason: DiagnosisEndReason | undefined;
  private endDetail: string | undefined;
  private toolboxGone = false;
  private endedAt: string | undefined;
  private elapsedMs: number | undefined;
  private readonly createdAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private readonly limit = pLimit(EXEC_PARALLELISM);
  private readonly events = new RunEvents<DoctorEvent>((event) => this.options.onEvent(event));

  constructor(private readonly options: DoctorRunOptions) {
    this.id = options.id;
    for (const id of DOCTOR_CHECKS) this.checks.set(id, { id, title: CHECK_TITLES[id], state: 'pending' });
  }

  get owner(): { id: string; name: string } {
    return this.options.owner;
  }

  get target(): ResolvedTarget {
    return this.options.target;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get toolboxIds(): readonly string[] {
    return this.toolboxGone ? [] : [this.options.toolbox.id];
  }

  policyTargets(): readonly ResolvedTarget[] {
    return this.options.peerTarget ? [this.options.target, this.options.peerTarget] : [this.options.target];
  }

  /** Its target and its peer: when either stops, there is nothing left to examine. */
  dependsOn(engine: string, containerId: string): boolean {
    if (this.options.target.engine !== engine) return false;
    const t = this.options.target;
    return (t.kind === 'container' && t.containerId === containerId) || this.options.plan.peer?.containerId === containerId;
  }

  usesEngine(engine: string): boolean {
    return this.options.target.engine === engine;
  }

  /** Ends it because access to it ended; the run says why. */
  revoke(reason: RevocationReason, detail: string): void {
    if (!this.running) return;
    this.endDetail = detail;
    void this.end(reason);
  }

  info(): DoctorRunInfo {
    const peer = this.options.plan.peer;
    return {
      id: this.id,
      target: this.options.target,
      owner: this.options.owner,
      state: this.state,
      ...(this.endReason ? { endReason: this.endReason } : {}),
      ...(this.endDetail ? { endDetail: this.endDetail } : {}),
      ...(peer ? { peer: { containerId: peer.containerId, containerName: peer.containerName, ...(peer.ipv4 ? { ipv4: peer.ipv4 } : {}), ports: peer.ports } } : {}),
      startedAt: this.createdAt,
      ...(this.endedAt ? { endedAt: this.endedAt } : {}),
      ...(this.elapsedMs !== undefined ? { elapsedMs: this.elapsedMs } : {}),
      timeLimitMs: this.options.timeLimitMs,
      checks: [...this.checks.values()].map((c) => ({ ...c })),
      findings: [...this.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]),
      revision: this.events.current,
    };
  }

  /** Runs every check; resolves when the run ended (however it ended). */
  async start(): Promise<void> {
    const remaining = this.options.timeLimitMs - (performance.now() - this.options.startedAt);
    this.timer = setTimeout(() => void this.end('time-limit'), Math.max(0, remaining));
    try {
      await this.examine();
    } finally {
      await this.end('completed');
    }
  }

  /** Ends the run (idempotent, never rejects): unfinished checks are marked, the toolbox removed. */
  end(reason: DiagnosisEndReason | CommonEndReason): Promise<void> {
    const wire = diagnosisEndReason(reason);
    this.ending ??= this.finish(wire);
    return this.ending;
  }

  private async finish(reason: DiagnosisEndReason): Promise<void> {
    clearTimeout(this.timer);
    // Queued commands see `stopping` when their turn comes and give up at once.
    this.stopping = true;
    const why = reason === 'time-limit' ? `not finished within the ${Math.round(this.options.timeLimitMs / 1000)} s limit` : `the run ended (${this.endDetail ?? reason})`;
    for (const check of this.checks.values()) {
      if (check.state === 'pending' || check.state === 'running') this.setCheck(check.id, { state: 'failed', note: why, findings: [] }, true);
    }
    // A run cut short by its target or a cancel has not looked enough to call anything healthy.
    if ((reason === 'completed' || reason === 'time-limit') && !this.findings.some((f) => f.severity !== 'info')) this.addFinding(healthyFinding([...this.checks.values()]));
    await removeWithin([this.options.toolbox]);
    this.toolboxGone = true;
    // Done only now: a client that sees "done" finds the toolbox gone (unless its engine hung on the removal) and the time set.
    this.endReason = reason;
    this.endedAt = new Date().toISOString();
    this.elapsedMs = Math.round(performance.now() - this.options.startedAt);
    this.state = 'done';
    this.events.emit({ id: this.id, kind: 'state', state: 'done', endReason: reason, elapsedMs: this.elapsedMs });
    this.options.onEnded(this);
  }

  private exec(argv: readonly string[], timeoutMs: number): Promise<ProbeOutput> {
    return this.limit(() => {
      if (this.stopping) throw new Error('the run has ended');
      return this.options.toolbox.run(argv, timeoutMs);
    });
  }

  private setCheck(id: DoctorCheckId, outcome: CheckOutcome, ending = false): void {
    if (this.stopping && !ending) return;
    const check: DoctorCheck = {
      id,
      title: CHECK_TITLES[id],
      state: outcome.state,
      ...(outcome.note ? { note: outcome.note } : {}),
      doneAtMs: Math.round(performance.now() - this.options.startedAt),
    };
    this.checks.set(id, check);
    this.events.emit({ id: this.id, kind: 'check', check });
    for (const finding of outcome.findings) this.addFinding(finding);
  }

  private addFinding(finding: Finding): void {
    this.findings.push(finding);
    this.events.emit({ id: this.id, kind: 'finding', finding });
  }

  /** Runs one check: marks it running, records its outcome or why it could not run. */
  private async check(id: DoctorCheckId, work: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
    if (this.stopping) return { state: 'failed', findings: [] };
    const current = this.checks.get(id)!;
    this.checks.set(id, { ...current, state: 'running' });
    let outcome: CheckOutcome;
    try {
      outcome = await work();
    } catch (error) {
      outcome = { state: 'failed', note: error instanceof Error ? error.message : String(error), findings: [] };
    }
    this.setCheck(id, outcome);
    return outcome;
  }

  /** From the target to the peer the request named: ping, its TCP ports, its name; all at once. */
  private peerCheck(): Promise<unknown> {
    const peer = this.options.plan.peer;
    if (!peer) return this.check('peer', async () => ({ state: 'skipped', note: 'the request named no peer', findings: [] }));
    return this.check('peer', async () => {
      const probe: PeerProbe = { name: peer.containerName, ...(peer.ipv4 ? { ipv4: peer.ipv4 } : {}), ...(peer.network ? { network: peer.network } : {}) };
      if (!peer.ipv4) return peerOutcome(probe);
      const address = peer.ipv4;
      const usable = async (argv: string[], timeoutMs: number) => {
        const out = await this.exec(argv, timeoutMs);
        const missing = missingCommand(out);
        if (missing) throw new Error(`the toolbox image has no ${missing} command`);
        return out;
      };
      const [icmp, tcp, dns] = await Promise.all([
        usable(fpingArgv([address]), FPING_TIMEOUT_MS),
        peer.ports.length ? usable(nmapArgv(peer.ports, [address]), NMAP_TIMEOUT_MS) : undefined,
        peer.resolvable ? usable(digArgv([peer.containerName]), digTimeoutMs(1)) : undefined,
      ]);
      probe.icmp = { outcome: icmpOutcome(parseFping(icmp.stdout, icmp.stderr).get(address), icmp.timedOut), output: icmp };
      if (tcp) probe.tcp = { outcomes: tcpOutcomes(parseNmapReasons(tcp.stdout).get(address), peer.ports), output: tcp };
      if (dns) probe.dns = { outcome: dnsOutcome(dns, address), output: dns };
      return peerOutcome(probe);
    });
  }

  private async examine(): Promise<void> {
    const { plan, target } = this.options;
    const fact = (argv: string[]) => this.exec(argv, FACT_TIMEOUT_MS);
    // Everything that only reads state starts now, at once; small files come in one grep.
    const files = fact(['grep', '-H', '-s', '', ...Object.values(FILES)]);
    const routes = fact(['ip', '-j', 'route', 'show', 'table', 'main']);
    const addresses = fact(['ip', '-j', 'addr', 'show']);
    const sockets = fact(['ss', '-ltun']);
    const nft = fact(['nft', 'list', 'ruleset']);
    const fileText = files.then((out) => splitFiles(out.stdout, Object.values(FILES)));
    // Settle them all even when a check gives up early, so no rejection goes unhandled.
    for (const p of [files, routes, addresses, sockets, nft, fileText]) p.catch(() => undefined);
    /** Addresses a finding already explains; the neighbour check does not report them again. */
    const explained = new Set<string>();

    const dns = (async () => {
      let anyAnswer = false;
      await this.check('dns-resolvers', async () => {
        const [out, text] = await Promise.all([files, fileText]);
        const resolv = text.get(FILES.resolv);
        if (resolv === undefined) return { state: 'failed', note: `${FILES.resolv} could not be read`, findings: [] };
        const conf = parseResolvConf(resolv);
        const servers = conf.nameservers.slice(0, MAX_NAMESERVERS);
        const probes = await Promise.all(
          servers.map(async (server) => {
            const output = await this.exec(['dig', `@${server}`, `+time=${DNS_WAIT_SECONDS}`, '+tries=1', plan.probeName, 'A'], (DNS_WAIT_SECONDS + 2) * 1000);
            if (dnsAnswer(output).answered) return { server, output };
            // On the link, the neighbour table tells "nobody has that address" from "it ignores us".
            const neigh = await this.exec(['ip', '-j', 'neigh', 'show', 'to', server], FACT_TIMEOUT_MS);
            const neighbour = parseNeighbours(neigh.stdout)?.[0];
            if (neighbour) explained.add(server);
            return { server, output, ...(neighbour ? { neighbour } : {}) };
          }),
        );
        anyAnswer = probes.some((p) => dnsAnswer(p.output).answered);
        const shown = resolv.trimEnd().split('\n').map((line) => `${FILES.resolv}:${line}`).join('\n');
        return resolverOutcome(conf, probes, DNS_WAIT_SECONDS, evidence(out, shown));
      });
      await this.check('dns-names', async () => {
        if (!anyAnswer) return { state: 'skipped', note: 'no nameserver answers (see the resolver finding), so no name can resolve', findings: [] };
        if (plan.expectedNames.length === 0) return nameOutcome([]);
        // One dig for every name (+qr marks where each query starts); a dead nameserver costs each name its wait.
        const names = plan.expectedNames.map((e) => e.name);
        const waitMs = (DNS_WAIT_SECONDS * MAX_NAMESERVERS * names.length + 2) * 1000;
        const out = await this.exec(digArgv(names), Math.min(waitMs, this.options.timeLimitMs));
        const parts = splitDigQueries(out.stdout, names);
        return nameOutcome(plan.expectedNames.map((expected) => ({ expected, output: { ...out, stdout: parts.get(expected.name) ?? '', stderr: parts.has(expected.name) ? '' : out.stderr } })));
      });
    })();

    const routing = (async () => {
      let gateway: { address: string; device: string } | undefined;
      let mtu: number | undefined;
      await this.check('default-route', async () => {
        const [routesOut, addressesOut] = await Promise.all([routes, addresses]);
        const routeList = parseRoutes(routesOut.stdout);
        const interfaces = parseInterfaces(addressesOut.stdout);
        if (!routeList) return { state: 'failed', note: commandProblem(routesOut), findings: [] };
        if (!interfaces) return { state: 'failed', note: commandProblem(addressesOut), findings: [] };
        const defaults = defaultRoutes(routeList);
        const via = defaults.find((r) => r.gateway !== undefined && isIP(r.gateway) && r.dev);
        if (via) {
          gateway = { address: via.gateway!, device: via.dev! };
          mtu = interfaces.find((i) => i.name === via.dev)?.mtu;
        }
        return defaultRouteOutcome(defaults, interfaces, plan.internalOnly, { routes: routesOut, addresses: addressesOut });
      });
      const probe = async (size: number, count: number) => ({
        size,
        // -w bounds the whole probe: a packet the interface cannot send fails slowly (ENOBUFS) otherwise.
        output: await this.exec(['ping', '-n', '-M', 'do', '-s', String(size - 28), '-c', String(count), '-i', '0.2', '-W', '1', '-w', '2', gateway!.address], PING_TIMEOUT_MS),
      });
      // The gateway ping and the full-size probe go out together; the probe counts only if the gateway answers.
      const ping = gateway ? this.exec(['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', gateway.address], PING_TIMEOUT_MS) : undefined;
      const atMtu = gateway && mtu !== undefined && mtu >= 576 ? probe(mtu, 2) : undefined;
      for (const p of [ping, atMtu]) p?.catch(() => undefined);
      let gatewayAnswers = false;
      await this.check('gateway', async () => {
        if (!gateway || !ping) return { state: 'skipped', note: 'no default route via a gateway', findings: [] };
        const pinged = await ping;
        const outcome = gatewayOutcome(gateway.address, gateway.device, pinged, undefined);
        if (outcome.state === 'passed') {
          gatewayAnswers = true;
          return outcome;
        }
        // Whether the link layer knows it tells "not there" from "there but silent".
        const neigh = await this.exec(['ip', '-j', 'neigh', 'show', 'to', gateway.address], FACT_TIMEOUT_MS);
        explained.add(gateway.address);
        return gatewayOutcome(gateway.address, gateway.device, pinged, parseNeighbours(neigh.stdout)?.[0]);
      });
      await this.check('mtu', async () => {
        if (!gateway || !gatewayAnswers) return { state: 'skipped', note: 'needs a gateway that answers ping', findings: [] };
        if (!atMtu || mtu === undefined) return { state: 'skipped', note: `no usable MTU for ${gateway.device}`, findings: [] };
        const full = await atMtu;
        const first = mtuOutcome(gateway.device, mtu, gateway.address, full, []);
        if (first.state === 'passed') return first;
        const smaller = await Promise.all(MTU_CANDIDATES.filter((size) => size < mtu!).map((size) => probe(size, 1)));
        return mtuOutcome(gateway.device, mtu, gateway.address, full, smaller);
      });
    })();

    let listening: ExposedPort[] = [];
    const ports = this.check('published-ports', async () => {
      const out = await sockets;
      const parsed = parseSockets(out.stdout, false);
      if (!parsed) return { state: 'failed', note: commandProblem(out), findings: [] };
      const seen = new Set<string>();
      listening = parsed.sockets
        .filter((s) => (s.netid === 'tcp' || s.netid === 'udp') && !isLoopback(s.localAddress) && /^\d+$/.test(s.localPort))
        .map((s) => ({ port: Number(s.localPort), protocol: s.netid as 'tcp' | 'udp', how: `listened on at ${s.localAddress}:${s.localPort}` }))
        .filter((p) => !seen.has(`${p.port}/${p.protocol}`) && seen.add(`${p.port}/${p.protocol}`));
      if (!plan.portsApply) return { state: 'skipped', note: `${target.kind} targets publish no ports`, findings: [] };
      return portOutcome(plan.exposedPorts, parsed.sockets, out);
    });

    const firewall = (async () => {
      await ports;
      await this.check('firewall', async () => {
        const [nftOut, text] = await Promise.all([nft, fileText]);
        // iptables-nft's tables show in nft's output (and are read better by iptables-save);
        // legacy tables exist in this namespace only when /proc/net/ip{,6}_tables_names lists one.
        const nftFailed = nftOut.exitCode !== 0;
        const reads: { source: FirewallSource; argv: string[]; when: boolean }[] = [
          { source: 'iptables', argv: ['iptables-save', '-c'], when: nftFailed || /^table ip /m.test(nftOut.stdout) },
          { source: 'ip6tables', argv: ['ip6tables-save', '-c'], when: nftFailed || /^table ip6 /m.test(nftOut.stdout) },
          { source: 'iptables-legacy', argv: ['iptables-legacy-save', '-c'], when: Boolean(text.get(FILES.legacy)?.trim()) },
          { source: 'ip6tables-legacy', argv: ['ip6tables-legacy-save', '-c'], when: Boolean(text.get(FILES.legacy6)?.trim()) },
        ];
        const outputs = await Promise.all(reads.filter((r) => r.when).map(async (r) => ({ source: r.source, output: await fact(r.argv) })));
        const read: FirewallInput['rulesets'][number][] = [];
        const problems: string[] = [];
        const coveredByIptables = new Set<string>();
        for (const { source, output } of outputs) {
          if (output.exitCode !== 0) {
            problems.push(commandProblem(output));
            continue;
          }
          if (source === 'iptables' || source === 'ip6tables') for (const table of tablesRead(output.stdout, source)) coveredByIptables.add(table);
          read.push({ source, output, ruleset: parseIptablesSave(output.stdout, source as Exclude<FirewallSource, 'nft'>) });
        }
        if (nftFailed) problems.push(commandProblem(nftOut));
        else read.unshift({ source: 'nft', output: nftOut, ruleset: parseNftRuleset(nftOut.stdout, nftOut.stderr, coveredByIptables) });
        const byPort = new Map<string, ExposedPort>();
        for (const p of [...plan.exposedPorts, ...listening]) if (!byPort.has(`${p.port}/${p.protocol}`)) byPort.set(`${p.port}/${p.protocol}`, p);
        const outcome = firewallOutcome({ ports: [...byPort.values()].slice(0, MAX_FIREWALL_PORTS), rulesets: read });
        // A table family the kernel lacks (ip6tables on a host without IPv6) is not a failure.
        return problems.length && outcome.state !== 'failed' ? { ...outcome, note: [outcome.note, `not read: ${problems.join('; ')}`].filter(Boolean).join('; ') } : outcome;
      });
    })();

    const conntrack = this.check('conntrack', async () => {
      const [out, text] = await Promise.all([files, fileText]);
      const usage = parseConntrackUsage(`${text.get(FILES.conntrackCount) ?? ''}${text.get(FILES.conntrackMax) ?? ''}`);
      const stats = parseConntrackStats(text.get(FILES.conntrackStats) ?? '');
      const shown = (paths: string[]) => paths.flatMap((path) => (text.get(path) ?? '').trimEnd().split('\n').map((line) => `${path}:${line}`)).join('\n');
      return conntrackOutcome(usage, stats, {
        usage: evidence(out, shown([FILES.conntrackCount, FILES.conntrackMax])),
        ...(stats ? { stats: evidence(out, shown([FILES.conntrackStats])) } : {}),
      });
    });

    const peer = this.peerCheck();

    await Promise.all([dns, routing, ports, firewall, conntrack, peer]);
    await this.check('neighbours', async () => {
      const out = await this.exec(['ip', '-j', 'neigh', 'show'], FACT_TIMEOUT_MS);
      const neighbours = parseNeighbours(out.stdout);
      if (!neighbours) return { state: 'failed', note: commandProblem(out), findings: [] };
      return neighbourOutcome(neighbours, out, explained);
    });
  }
}

/** Small files read in one `grep -H` (each line comes back prefixed with its path). */
const FILES = {
  resolv: '/etc/resolv.conf',
  conntrackCount: '/proc/sys/net/netfilter/nf_conntrack_count',
  conntrackMax: '/proc/sys/net/netfilter/nf_conntrack_max',
  /** What `conntrack -S` prints, per CPU in hexadecimal: drops when the table was full. */
  conntrackStats: '/proc/net/stat/nf_conntrack',
  legacy: '/proc/net/ip_tables_names',
  legacy6: '/proc/net/ip6_tables_names',
} as const;

/** Ports the firewall check looks at, at most (a host can listen on hundreds). */
const MAX_FIREWALL_PORTS = 64;
