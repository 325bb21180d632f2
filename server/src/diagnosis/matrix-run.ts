import pLimit, { type LimitFunction } from 'p-limit';
import {
  isIPv4,
  parseFping,
  parseNmapReasons,
  parseSockets,
  splitDigQueries,
  type DiagnosisEndReason,
  type DnsOutcome,
  type IcmpOutcome,
  type MatrixCell,
  type MatrixCheck,
  type MatrixEvent,
  type MatrixLimits,
  type MatrixMember,
  type MatrixRun as MatrixRunInfo,
  type MatrixSkipped,
  type ResolvedTarget,
  type TcpOutcome,
} from '@sonde/shared';
import type { CommonEndReason, RevocationReason, Workload } from '../toolboxes/workload.js';
import { isLoopback } from './doctor-findings.js';
import { diagnosisEndReason } from './end-reason.js';
import { removeWithin, type ProbeToolbox } from './namespace-toolbox.js';
import { missingCommand, type ProbeOutput } from './probe-output.js';
import { RunEvents } from './progress-feed.js';
import { FPING_TIMEOUT_MS, NMAP_TIMEOUT_MS, digArgv, digTimeoutMs, dnsOutcome, fpingArgv, icmpOutcome, nmapArgv, tcpOutcomes } from './reachability.js';

/**
 * One connectivity matrix, a workload: a toolbox in each member's namespace, then from each
 * member one batch of probes to all the others: one fping for ICMP, one dig for all their names,
 * one nmap connect scan per set of destination ports. A command costs a runc exec (0.1-0.4 s of
 * CPU here), so a matrix of n members runs about 3n commands, not 3n². All go through one
 * bounded queue. Cells are published as their parts arrive; a member that stops ends its cells;
 * the run ends at the last cell, a cancel, the time limit, or when its access or engine ends.
 * A cell probed again after the end runs in a fresh toolbox in its source, the run live again
 * (admitted anew) until that is done.
 */

/** Ports probed per destination at most (a member listening on hundreds would swamp the queue). */
export const MAX_PORTS_PER_MEMBER = 16;
/** Toolboxes started at once (each costs the engine a container create and start). */
const START_PARALLELISM = 4;
const SS_TIMEOUT_MS = 5000;

/** What the registry found out about a member before the run. */
export interface MemberPlan {
  id: string;
  /** The engine its container runs on. */
  engine: string;
  name: string;
  /** Its address on the matrix's network. */
  ipv4?: string;
  /** TCP ports it exposes or publishes (listening ones are read in its namespace). */
  exposedTcp: number[];
}

export interface MatrixRunOptions {
  id: string;
  owner: { id: string; name: string };
  /** The network, as the workload's target (its engine, id and name). */
  target: Extract<ResolvedTarget, { kind: 'network' }>;
  checks: MatrixCheck[];
  members: MemberPlan[];
  skipped: MatrixSkipped[];
  limits: MatrixLimits;
  startedAt: number;
  startToolbox(member: MemberPlan, index: number): Promise<ProbeToolbox>;
  onEvent(event: MatrixEvent): void;
  onEnded(run: MatrixRun): void;
}

interface MemberEntry {
  plan: MemberPlan;
  info: MatrixMember;
  toolbox?: ProbeToolbox;
}

/** A cell probed again after the run ended: its own toolbox, and how to stop it. */
interface SecondLook {
  key: string;
  toolbox?: ProbeToolbox;
  stopped?: string;
  done: Promise<void>;
}

const cellKey = (from: string, to: string) => `${from}>${to}`;
const seconds = (ms: number) => (ms >= 10_000 ? String(Math.round(ms / 1000)) : String(Math.round(ms / 100) / 10));


const END_WORDS: Record<DiagnosisEndReason, string> = {
  completed: 'the run completed',
  cancelled: 'the run was cancelled',
  'time-limit': 'the time limit came first',
  'target-stopped': 'the target stopped',
  'engine-lost': 'the connection to the engine was lost',
  shutdown: 'the Sonde server is shutting down',
  'access-revoked': "its owner's access was revoked",
  policy: 'the target policy no longer allows a member',
};

export class MatrixRun implements Workload {
  readonly id: string;
  private readonly members = new Map<string, MemberEntry>();
  private readonly cells = new Map<string, MatrixCell>();
  /** Each cell's probing generation: a re-run bumps it so a late result of the old probe is dropped. */
  private readonly generation = new Map<string, number>();
  private state: 'running' | 'done' = 'running';
  /** Set when the run starts ending: no toolbox starts and no member changes after it. */
  private stopping = false;
  private endReason: DiagnosisEndReason | undefined;
  private endDetail: string | undefined;
  private endedAt: string | undefined;
  private elapsedMs: number | undefined;
  private readonly createdAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private ending: Promise<void> | undefined;
  private readonly queue: LimitFunction;
  /** The parts each cell still waits for in its current probing. */
  private readonly waiting = new Map<string, Set<MatrixCheck>>();
  /** Probes going while the run runs: it completes when the last one settled. */
  private readonly inflight = new Set<Promise<void>>();
  private second: SecondLook | undefined;
  private readonly events = new RunEvents<MatrixEvent>((event) => this.options.onEvent(event));

  constructor(private readonly options: MatrixRunOptions) {
    this.id = options.id;
    this.queue = pLimit(options.limits.parallelism);
    for (const plan of options.members) {
      this.members.set(plan.id, {
        plan,
        info: { id: plan.id, engine: plan.engine, name: plan.name, ...(plan.ipv4 ? { ipv4: plan.ipv4 } : {}), ports: [], state: 'probing' },
      });
    }
    for (const from of options.members) {
      for (const to of options.members) {
        if (from.id === to.id) continue;
        this.cells.set(cellKey(from.id, to.id), { from: from.id, to: to.id, state: 'pending' });
      }
    }
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
    const own = this.stopping ? [] : [...this.members.values()].flatMap((m) => (m.toolbox ? [m.toolbox.id] : []));
    return [...own, ...(this.second?.toolbox ? [this.second.toolbox.id] : [])];
  }

  /** Each member it probes from: the policy must allow every one (its network is never joined). */
  policyTargets(): readonly ResolvedTarget[] {
    return [...this.members.values()]
      .filter((m) => m.info.state === 'probing' || m.info.state === 'ready')
      .map((m) => ({ kind: 'container', engine: m.plan.engine, containerId: m.plan.id, containerName: m.plan.name, sharePid: false }));
  }

  /** A member that stops ends its own cells, never the whole matrix (see containerStopped). */
  dependsOn(): boolean {
    return false;
  }

  usesEngine(engine: string): boolean {
    return this.options.target.engine === engine || [...this.members.values()].some((m) => m.plan.engine === engine);
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  member(id: string): MemberPlan | undefined {
    return this.members.get(id)?.plan;
  }

  info(): MatrixRunInfo {
    return {
      id: this.id,
      engine: this.options.target.engine,
      network: { id: this.options.target.networkId, name: this.options.target.networkName },
      checks: this.options.checks,
      owner: this.options.owner,
      state: this.state,
      ...(this.endReason ? { endReason: this.endReason } : {}),
      ...(this.endDetail ? { endDetail: this.endDetail } : {}),
      startedAt: this.createdAt,
      ...(this.endedAt ? { endedAt: this.endedAt } : {}),
      ...(this.elapsedMs !== undefined ? { elapsedMs: this.elapsedMs } : {}),
      limits: this.options.limits,
      members: [...this.members.values()].map((m) => ({ ...m.info, ports: [...m.info.ports] })),
      skipped: this.options.skipped,
      cells: [...this.cells.values()].map((c) => structuredClone(c)),
      revision: this.events.current,
    };
  }

  /** Starts the toolboxes, then one batch of probes from each member; resolves when the run ended. */
  async start(): Promise<void> {
    const remaining = this.options.limits.timeLimitMs - (performance.now() - this.options.startedAt);
    this.timer = setTimeout(() => void this.end('time-limit'), Math.max(0, remaining));
    const starts = pLimit(START_PARALLELISM);
    await Promise.allSettled([...this.members.values()].map((entry, index) => starts(() => this.prepare(entry, index))));
    const ready = () => [...this.members.values()].filter((m) => m.info.state === 'ready');
    await Promise.allSettled(ready().map((source) => this.track(this.batch(source, ready().filter((d) => d !== source)))));
    // Re-runs asked for meanwhile may still be going.
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (!this.stopping) await this.end('completed');
  }

  /** Ends the run once (never rejects): unfinished cells get the reason, toolboxes are removed. */
  end(reason: DiagnosisEndReason | CommonEndReason): Promise<void> {
    const wire = diagnosisEndReason(reason);
    // Probing a cell again after the end: only that stops.
    if (this.ending && this.second) return this.stopSecondLook(this.endDetail ?? END_WORDS[wire]);
    this.ending ??= this.finish(wire);
    return this.ending;
  }

  /** Ends it because access to it ended; the reason is kept with it. */
  revoke(reason: RevocationReason, detail: string): void {
    if (!this.running) return;
    this.endDetail = detail;
    void this.end(reason);
  }

  private async finish(reason: DiagnosisEndReason): Promise<void> {
    clearTimeout(this.timer);
    // Queued probes see `stopping` when their turn comes and give up at once.
    this.stopping = true;
    const why = reason === 'time-limit' ? `the ${seconds(this.options.limits.timeLimitMs)} s time limit came first` : (this.endDetail ?? END_WORDS[reason]);
    for (const cell of this.cells.values()) if (cell.state !== 'done') this.complete(cell, { reason: why });
    await removeWithin([...this.members.values()].map((m) => m.toolbox));
    // Done only now: a client that sees "done" finds the toolboxes gone (unless their engine hung on a removal) and the time set.
    this.endReason = reason;
    this.state = 'done';
    this.endedAt = new Date().toISOString();
    this.elapsedMs = Math.round(performance.now() - this.options.startedAt);
    this.events.emit({ id: this.id, kind: 'state', state: 'done', endReason: reason, elapsedMs: this.elapsedMs });
    this.options.onEnded(this);
  }

  /** Starts a member's toolbox and reads the TCP ports it listens on. */
  private async prepare(entry: MemberEntry, index: number): Promise<void> {
    if (this.stopping) return;
    try {
      entry.toolbox = await this.options.startToolbox(entry.plan, index);
      if (this.stopping || entry.info.state !== 'probing') {
        await entry.toolbox.remove();
        return;
      }
      entry.info.ports = this.options.checks.includes('tcp') ? await this.tcpPorts(entry) : [];
    } catch (error) {
      if (entry.info.state === 'probing' && !this.stopping) this.memberGone(entry, 'failed', `its toolbox could not be started: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (entry.info.state !== 'probing') return;
    entry.info.state = 'ready';
    this.events.emit({ id: this.id, kind: 'member', member: { ...entry.info, ports: [...entry.info.ports] } });
  }

  /** Listening TCP ports (loopback excluded) plus exposed ones, at most MAX_PORTS_PER_MEMBER. */
  private async tcpPorts(entry: MemberEntry): Promise<number[]> {
    const ports = new Set(entry.plan.exposedTcp);
    const out = await this.queue(() => {
      if (this.stopping) throw new Error('the run has ended');
      return entry.toolbox!.run(['ss', '-ltun'], SS_TIMEOUT_MS);
    });
    for (const socket of parseSockets(out.stdout, false)?.sockets ?? []) {
      if (socket.netid === 'tcp' && /^\d+$/.test(socket.localPort) && !isLoopback(socket.localAddress)) ports.add(Number(socket.localPort));
    }
    return [...ports].sort((a, b) => a - b).slice(0, MAX_PORTS_PER_MEMBER);
  }

  /** A member that stopped or never got a toolbox: its cells end with the reason. */
  private memberGone(entry: MemberEntry, state: 'stopped' | 'failed', reason: string): void {
    entry.info.state = state;
    entry.info.reason = reason;
    this.events.emit({ id: this.id, kind: 'member', member: { ...entry.info, ports: [...entry.info.ports] } });
    for (const cell of this.cells.values()) {
      if (cell.state !== 'done' && (cell.from === entry.plan.id || cell.to === entry.plan.id)) this.complete(cell, { reason: `${entry.plan.name} ${reason}` });
    }
    void entry.toolbox?.remove();
  }

  /** A container event on an engine: a member that stopped ends its cells. */
  containerStopped(engine: string, containerId: string): void {
    const entry = this.members.get(containerId);
    if (!entry || entry.plan.engine !== engine || entry.info.state === 'stopped' || entry.info.state === 'failed') return;
    if (!this.stopping) this.memberGone(entry, 'stopped', 'stopped during the run');
    else {
      entry.info.state = 'stopped';
      entry.info.reason = 'stopped after the run';
      if (this.second) void this.stopSecondLook(`${entry.plan.name} stopped`);
    }
  }

  private complete(cell: MatrixCell, result: Partial<MatrixCell>): void {
    Object.assign(cell, result, { state: 'done', at: new Date().toISOString() });
    this.events.emit({ id: this.id, kind: 'cell', cell: structuredClone(cell) });
  }

  /**
   * One part of a cell's result arrived (or could not be had: `failure` says why, appended to the
   * cell's reason): published at once; the cell is done with its last part.
   */
  private deliver(from: string, to: string, generation: number, kind: MatrixCheck, part: Pick<MatrixCell, 'icmp' | 'tcp' | 'dns'> | { failure: string }): void {
    const key = cellKey(from, to);
    const cell = this.cells.get(key)!;
    const waiting = this.waiting.get(key);
    if (this.generation.get(key) !== generation || cell.state === 'done' || !waiting) return;
    if ('failure' in part) cell.reason = cell.reason ? `${cell.reason}; ${part.failure}` : part.failure;
    else Object.assign(cell, part);
    waiting.delete(kind);
    if (waiting.size === 0) this.complete(cell, {});
    else this.events.emit({ id: this.id, kind: 'cell', cell: structuredClone(cell) });
  }

  private track(work: Promise<void>): Promise<void> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
    return work;
  }

  /**
   * Probes from `source` to each of `destinations`, with the source's toolbox or the one given
   * (a second look after the end). Each destination's cell restarts: a newer batch supersedes an
   * older one's late results.
   */
  private async batch(source: MemberEntry, destinations: MemberEntry[], toolbox = source.toolbox): Promise<void> {
    if (!toolbox || destinations.length === 0) return;
    const generations = new Map<string, number>();
    for (const destination of destinations) {
      const key = cellKey(source.plan.id, destination.plan.id);
      const generation = (this.generation.get(key) ?? 0) + 1;
      this.generation.set(key, generation);
      generations.set(destination.plan.id, generation);
      const cell = this.cells.get(key)!;
      for (const part of ['icmp', 'tcp', 'dns', 'reason', 'at'] as const) delete cell[part];
      cell.state = 'running';
      this.waiting.set(key, new Set(this.options.checks));
      this.events.emit({ id: this.id, kind: 'cell', cell: structuredClone(cell) });
    }
    const send = (destination: MemberEntry, part: { icmp: IcmpOutcome } | { tcp: TcpOutcome[] } | { dns: DnsOutcome }) =>
      this.deliver(source.plan.id, destination.plan.id, generations.get(destination.plan.id)!, Object.keys(part)[0] as MatrixCheck, part);
    // The run's own toolboxes stop with it; a second look's (after the end) does not.
    const own = toolbox === source.toolbox;
    const exec = (argv: string[], timeoutMs: number) =>
      this.queue(async () => {
        if (own && this.stopping) throw new Error('the run has ended');
        const out = await toolbox.run(argv, timeoutMs);
        const missing = missingCommand(out);
        if (missing) throw new Error(`the toolbox image has no ${missing} command`);
        return out;
      });
    const addressed = destinations.filter((d) => d.plan.ipv4 && isIPv4(d.plan.ipv4));
    const unaddressed = destinations.filter((d) => !addressed.includes(d));
    const failed = (kind: MatrixCheck, targets: MemberEntry[]) => (error: unknown) => {
      const failure = `the ${kind} probe could not run: ${error instanceof Error ? error.message : String(error)}`;
      for (const destination of targets) this.deliver(source.plan.id, destination.plan.id, generations.get(destination.plan.id)!, kind, { failure });
    };
    const parts: Promise<void>[] = [];
    const checks = this.options.checks;
    for (const destination of unaddressed) {
      if (checks.includes('icmp')) send(destination, { icmp: { ok: false, reason: 'no IPv4 address on this network' } });
      if (checks.includes('tcp')) send(destination, { tcp: [] });
    }
    if (checks.includes('icmp') && addressed.length > 0) {
      parts.push(
        exec(fpingArgv(addressed.map((d) => d.plan.ipv4!)), FPING_TIMEOUT_MS).then((out) => {
          const results = parseFping(out.stdout, out.stderr);
          for (const destination of addressed) send(destination, { icmp: icmpOutcome(results.get(destination.plan.ipv4!), out.timedOut) });
        }, failed('icmp', addressed)),
      );
    }
    if (checks.includes('tcp')) {
      // One scan per distinct port list: destinations usually share theirs.
      const groups = new Map<string, MemberEntry[]>();
      for (const destination of addressed) {
        if (destination.info.ports.length === 0) {
          send(destination, { tcp: [] });
          continue;
        }
        const key = destination.info.ports.join(',');
        groups.set(key, [...(groups.get(key) ?? []), destination]);
      }
      for (const group of groups.values()) {
        const ports = group[0]!.info.ports;
        parts.push(
          exec(nmapArgv(ports, group.map((d) => d.plan.ipv4!)), NMAP_TIMEOUT_MS).then((out) => {
            const hosts = parseNmapReasons(out.stdout);
            for (const destination of group) send(destination, { tcp: tcpOutcomes(hosts.get(destination.plan.ipv4!), destination.info.ports) });
          }, failed('tcp', group)),
        );
      }
    }
    if (checks.includes('dns')) {
      const names = destinations.map((d) => d.plan.name);
      parts.push(
        exec(digArgv(names), Math.min(digTimeoutMs(names.length), this.options.limits.timeLimitMs)).then((out) => {
          const answers = splitDigQueries(out.stdout, names);
          for (const destination of destinations) {
            const text = answers.get(destination.plan.name);
            send(destination, { dns: dnsOutcome({ ...out, stdout: text ?? '', stderr: text === undefined ? out.stderr : '' }, destination.plan.ipv4) });
          }
        }, failed('dns', destinations)),
      );
    }
    await Promise.all(parts);
  }

  /** Whether a cell can be probed again now: both ends members, neither stopped. Returns why not. */
  whyNotAgain(from: string, to: string): string | undefined {
    if (from === to || !this.cells.has(cellKey(from, to))) return 'not a cell of this matrix';
    for (const id of [from, to]) {
      const entry = this.members.get(id)!;
      if (entry.info.state === 'stopped' || entry.info.state === 'failed') return `${entry.plan.name} ${entry.info.reason ?? entry.info.state}`;
    }
    return undefined;
  }

  /** Whether probing a cell again needs the run back (it has ended), or uses its live toolboxes. */
  get needsReopen(): boolean {
    return this.state === 'done' && this.second === undefined;
  }

  /** Whether a second look after the end is going (one at a time). */
  get secondLookGoing(): boolean {
    return this.second !== undefined;
  }

  /**
   * Probes one cell again. While the run goes, with the source's toolbox. After the end, the
   * caller has taken the run back into the live set (`ended` retires it again): a fresh toolbox
   * in the source, removed once the cell is done. Returns the cell as it is now (running).
   */
  rerun(from: string, to: string, ended?: () => void): MatrixCell {
    const key = cellKey(from, to);
    const cell = this.cells.get(key)!;
    const source = this.members.get(from)!;
    const destination = this.members.get(to)!;
    if (!this.stopping && source.info.state === 'ready' && destination.info.state === 'ready') {
      void this.track(this.batch(source, [destination]));
      return structuredClone({ ...cell, state: 'running' as const });
    }
    if (!ended) throw new Error('a matrix that has ended needs to be reopened to probe a cell again');
    this.state = 'running';
    const look: SecondLook = { key, done: Promise.resolve() };
    this.second = look;
    const generation = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, generation);
    Object.assign(cell, { state: 'running' });
    for (const part of ['icmp', 'tcp', 'dns', 'reason', 'at'] as const) delete cell[part];
    // Every tab showing it hears that it runs again, not only the one that asked.
    this.events.emit({ id: this.id, kind: 'state', state: 'running' });
    this.events.emit({ id: this.id, kind: 'cell', cell: structuredClone(cell) });
    look.done = (async () => {
      try {
        look.toolbox = await this.options.startToolbox(source.plan, [...this.members.keys()].indexOf(from));
        if (look.stopped === undefined) await this.batch(source, [destination], look.toolbox);
      } catch (error) {
        if (this.generation.get(key) === generation && look.stopped === undefined) this.complete(cell, { reason: `the probes could not run: ${error instanceof Error ? error.message : String(error)}` });
      } finally {
        await removeWithin([look.toolbox]);
        if (cell.state !== 'done') this.complete(cell, { reason: look.stopped ?? 'the probes ended without an answer' });
        this.second = undefined;
        this.state = 'done';
        this.events.emit({ id: this.id, kind: 'state', state: 'done', ...(this.endReason ? { endReason: this.endReason } : {}), ...(this.elapsedMs !== undefined ? { elapsedMs: this.elapsedMs } : {}) });
        ended();
      }
    })();
    return structuredClone(cell);
  }

  /** Stops a second look after the end (shutdown, cancel, revocation): its cell says why. */
  private async stopSecondLook(why: string): Promise<void> {
    const look = this.second;
    if (!look) return;
    look.stopped ??= why;
    // Late answers of its probes are dropped; the cell says why it stopped.
    this.generation.set(look.key, (this.generation.get(look.key) ?? 0) + 1);
    const cell = this.cells.get(look.key)!;
    if (cell.state !== 'done') this.complete(cell, { reason: why });
    await removeWithin([look.toolbox]);
    await look.done;
  }

  /** Resolves when a second look after the end (if any) has finished and its toolbox is gone. */
  async settle(): Promise<void> {
    await this.second?.done;
  }
}
