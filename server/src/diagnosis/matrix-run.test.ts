import { describe, expect, it, vi } from 'vitest';
import type { MatrixCheck, MatrixEvent, MatrixRun as MatrixRunInfo } from '@sonde/shared';
import { MatrixRun, type MemberPlan } from './matrix-run.js';
import { REMOVAL_WAIT_MS, type ProbeToolbox } from './namespace-toolbox.js';
import { displayCommand, type ProbeOutput } from './probe-output.js';

/**
 * The matrix's bookkeeping with fake toolboxes (the real probes run in server/test/matrix.test.ts):
 * which commands each member runs, how parts fill cells, and how a stop, the time limit and a
 * re-run after the end behave, deterministically.
 */

const members: MemberPlan[] = [
  { id: 'a'.repeat(64), engine: 'local', name: 'alpha', ipv4: '10.0.0.2', exposedTcp: [] },
  { id: 'b'.repeat(64), engine: 'local', name: 'beta', ipv4: '10.0.0.3', exposedTcp: [8080] },
  { id: 'c'.repeat(64), engine: 'local', name: 'gamma', ipv4: '10.0.0.4', exposedTcp: [] },
];
const byIp = new Map(members.map((m) => [m.ipv4!, m]));

/** Answers like the real tools would on a network where everything is reachable and listens on 80. */
function answer(argv: readonly string[]): string {
  const hosts = argv.filter((a) => byIp.has(a));
  switch (argv[0]) {
    case 'ss':
      return 'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\ntcp   LISTEN 0      9                  *:80               *:*\n';
    case 'fping':
      return hosts.map((h) => `${h} is alive (0.1 ms)\n`).join('');
    case 'nmap': {
      const ports = argv[argv.indexOf('-p') + 1]!.split(',');
      return hosts.map((h) => `Nmap scan report for ${h}\n\nPORT STATE SERVICE REASON\n${ports.map((p) => `${p}/tcp ${p === '80' ? 'open' : 'closed'} x ${p === '80' ? 'syn-ack' : 'conn-refused'}`).join('\n')}\n`).join('\n');
    }
    case 'dig': {
      const names = argv.filter((a, i) => argv[i + 1] === 'A');
      return names.map((n) => `;; Sending:\n;; QUESTION SECTION:\n;${n}.\t\tIN\tA\n\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n;; ANSWER SECTION:\n${n}.\t600\tIN\tA\t${members.find((m) => m.name === n)!.ipv4}\n\n`).join('');
    }
    default:
      return '';
  }
}

/** Commands told to hang wait here until the test lets them end as the real ones would: killed at their limit. */
const hanging: (() => void)[] = [];
const releaseHanging = () => {
  for (const release of hanging.splice(0)) release();
};

let toolboxCount = 0;

class FakeToolbox implements ProbeToolbox {
  readonly id = `toolbox-${++toolboxCount}`;
  readonly commands: string[] = [];
  removed = false;
  private readonly pending: ((error: Error) => void)[] = [];

  constructor(
    private readonly hang: (argv: readonly string[]) => boolean = () => false,
    /** An engine that never answers the removal. */
    private readonly removalHangs = false,
  ) {}

  run(argv: readonly string[]): Promise<ProbeOutput> {
    this.commands.push(displayCommand(argv));
    if (this.removed) return Promise.reject(new Error('the toolbox is gone'));
    if (this.hang(argv)) {
      return new Promise((resolve, reject) => {
        this.pending.push(reject);
        hanging.push(() => resolve({ command: displayCommand(argv), exitCode: 137, stdout: '', stderr: '', timedOut: true, elapsedMs: 5000 }));
      });
    }
    return Promise.resolve({ command: displayCommand(argv), exitCode: 0, stdout: answer(argv), stderr: '', timedOut: false, elapsedMs: 1 });
  }

  async remove(): Promise<void> {
    this.removed = true;
    // Removing the container ends the commands running in it.
    for (const reject of this.pending.splice(0)) reject(new Error('container removed'));
    if (this.removalHangs) await new Promise(() => undefined);
  }
}

function matrix(options: { checks?: MatrixCheck[]; hang?: (member: MemberPlan, argv: readonly string[]) => boolean; timeLimitMs?: number; parallelism?: number; removalHangs?: boolean } = {}) {
  const toolboxes: { member: string; toolbox: FakeToolbox }[] = [];
  const events: MatrixEvent[] = [];
  const run = new MatrixRun({
    id: 'f'.repeat(32),
    owner: { id: 'user:1', name: 'ops' },
    target: { kind: 'network', engine: 'local', networkId: 'n'.repeat(64), networkName: 'shop' },
    checks: options.checks ?? ['icmp', 'tcp', 'dns'],
    members,
    skipped: [],
    limits: { maxMembers: 50, parallelism: options.parallelism ?? 4, timeLimitMs: options.timeLimitMs ?? 10_000 },
    startedAt: performance.now(),
    startToolbox: async (member) => {
      const toolbox = new FakeToolbox((argv) => options.hang?.(member, argv) ?? false, options.removalHangs);
      toolboxes.push({ member: member.name, toolbox });
      return toolbox;
    },
    onEvent: (e) => events.push(e),
    onEnded: () => undefined,
  });
  return { run, toolboxes, events };
}

const cellOf = (info: MatrixRunInfo, from: string, to: string) => info.cells.find((c) => c.from === members.find((m) => m.name === from)!.id && c.to === members.find((m) => m.name === to)!.id)!;

describe('matrix run', () => {
  it('runs one fping, one dig and one nmap per port set from each member, and fills every cell', async () => {
    const { run, toolboxes, events } = matrix();
    await run.start();
    const info = run.info();
    expect(info).toMatchObject({ state: 'done', endReason: 'completed' });
    expect(info.members.map((m) => [m.name, m.ports, m.state])).toEqual([
      ['alpha', [80], 'ready'],
      ['beta', [80, 8080], 'ready'],
      ['gamma', [80], 'ready'],
    ]);
    const alpha = toolboxes.find((t) => t.member === 'alpha')!.toolbox.commands;
    expect(alpha).toEqual([
      'ss -ltun',
      'fping -e -r 1 -B 1 -t 1000 10.0.0.3 10.0.0.4',
      // Beta and gamma listen on different ports: one scan each.
      'nmap -n -Pn -sT --reason --max-retries 1 --host-timeout 20s -p 80,8080 10.0.0.3',
      'nmap -n -Pn -sT --reason --max-retries 1 --host-timeout 20s -p 80 10.0.0.4',
      'dig +qr +search +time=2 +tries=1 beta A gamma A',
    ]);
    expect(cellOf(info, 'alpha', 'beta')).toMatchObject({ state: 'done', icmp: { ok: true, ms: 0.1 }, tcp: [{ port: 80, state: 'open' }, { port: 8080, state: 'closed', reason: 'refused' }], dns: { ok: true, addresses: ['10.0.0.3'] } });
    expect(info.cells.every((c) => c.state === 'done' && c.icmp?.ok && c.dns?.ok)).toBe(true);
    expect(toolboxes.every((t) => t.toolbox.removed)).toBe(true);
    // Parts are published as they arrive, each cell ends once, then the run.
    expect(events.filter((e) => e.kind === 'cell' && e.cell.state === 'done')).toHaveLength(6);
    expect(events.at(-1)).toMatchObject({ kind: 'state', state: 'done', endReason: 'completed' });
  });

  it('a member that stops ends its unfinished cells with the reason', async () => {
    // Probes to gamma hang (until released, as if killed at their limit); room for all of them in the queue.
    const { run, events } = matrix({ hang: (_member, argv) => argv.includes('10.0.0.4'), parallelism: 16 });
    const going = run.start();
    while (!events.some((e) => e.kind === 'cell' && e.cell.state === 'done')) await new Promise((r) => setTimeout(r, 5));
    // The same id on another engine is another container.
    run.containerStopped('elsewhere', members[2]!.id);
    expect(run.info().members[2]!.state).toBe('ready');
    run.containerStopped('local', members[2]!.id);
    // At once, before the probes to gamma would have timed out.
    const stopped = run.info();
    expect(stopped.members[2]).toMatchObject({ state: 'stopped', reason: 'stopped during the run' });
    expect(cellOf(stopped, 'alpha', 'gamma')).toMatchObject({ state: 'done', reason: 'gamma stopped during the run' });
    expect(cellOf(stopped, 'beta', 'gamma')).toMatchObject({ state: 'done', reason: 'gamma stopped during the run' });
    releaseHanging();
    await going;
    const info = run.info();
    expect(info.endReason).toBe('completed');
    // Late answers do not overwrite the reason.
    expect(cellOf(info, 'alpha', 'gamma')).toMatchObject({ state: 'done', reason: 'gamma stopped during the run' });
    expect(cellOf(info, 'alpha', 'gamma').icmp).toBeUndefined();
    // Cells between the others are not ended by gamma's stop.
    expect(cellOf(info, 'gamma', 'alpha')).toMatchObject({ state: 'done', icmp: { ok: true } });
    expect(cellOf(info, 'alpha', 'beta')).toMatchObject({ state: 'done', dns: { ok: true } });
    expect(cellOf(info, 'alpha', 'beta').reason).toBeUndefined();
  });

  it('the time limit ends what is still running, with the reason, and removes the toolboxes', async () => {
    const { run, toolboxes } = matrix({ hang: (_member, argv) => argv[0] === 'nmap', timeLimitMs: 200 });
    await run.start();
    const info = run.info();
    expect(info.endReason).toBe('time-limit');
    for (const c of info.cells) expect(c).toMatchObject({ state: 'done', reason: 'the 0.2 s time limit came first' });
    // What did arrive before the limit is kept.
    expect(cellOf(info, 'alpha', 'beta').icmp).toEqual({ ok: true, ms: 0.1 });
    expect(toolboxes.every((t) => t.toolbox.removed)).toBe(true);
  });

  it('a toolbox image without fping: the ICMP parts say so, the rest still runs', async () => {
    const { run } = matrix({ hang: () => false });
    // Every toolbox lacks fping, as `timeout` reports it.
    const original = FakeToolbox.prototype.run;
    FakeToolbox.prototype.run = function (this: FakeToolbox, argv: readonly string[]) {
      if (argv[0] === 'fping') return Promise.resolve({ command: displayCommand(argv), exitCode: 127, stdout: '', stderr: "timeout: failed to run command ‘fping’: No such file or directory\n", timedOut: false, elapsedMs: 1 });
      return original.call(this, argv);
    };
    try {
      await run.start();
    } finally {
      FakeToolbox.prototype.run = original;
    }
    const ab = cellOf(run.info(), 'alpha', 'beta');
    expect(ab).toMatchObject({ state: 'done', reason: 'the icmp probe could not run: the toolbox image has no fping command', tcp: [{ port: 80, state: 'open' }, { port: 8080, state: 'closed' }], dns: { ok: true } });
    expect(ab.icmp).toBeUndefined();
  });

  it('re-runs a cell after the end in a fresh toolbox, removed after, running again meanwhile', async () => {
    const { run, toolboxes, events } = matrix({ checks: ['icmp'] });
    await run.start();
    expect(run.needsReopen).toBe(true);
    const before = toolboxes.length;
    let retired = 0;
    expect(run.rerun(members[0]!.id, members[1]!.id, () => retired++)).toMatchObject({ state: 'running' });
    expect(run.running).toBe(true);
    expect(run.secondLookGoing).toBe(true);
    await run.settle();
    expect(retired).toBe(1);
    expect(run.running).toBe(false);
    expect(toolboxes).toHaveLength(before + 1);
    const fresh = toolboxes.at(-1)!;
    expect(fresh).toMatchObject({ member: 'alpha' });
    expect(fresh.toolbox.commands).toEqual(['fping -e -r 1 -B 1 -t 1000 10.0.0.3']);
    expect(fresh.toolbox.removed).toBe(true);
    expect(run.toolboxIds).toEqual([]);
    expect(cellOf(run.info(), 'alpha', 'beta')).toMatchObject({ state: 'done', icmp: { ok: true } });
    expect(run.info()).toMatchObject({ state: 'done', endReason: 'completed' });
    expect(events.at(-1)).toMatchObject({ kind: 'state', state: 'done' });
    expect(run.whyNotAgain(members[0]!.id, members[0]!.id)).toBe('not a cell of this matrix');
  });

  it('a second look stopped from outside (shutdown, cancel) says why and removes its toolbox', async () => {
    const { run, toolboxes } = matrix({ checks: ['icmp'], hang: (_member, argv) => argv[0] === 'fping' && argv.length === 9 });
    // The first pass: each member pings two others (fping + 8 arguments + 2 addresses), nothing hangs.
    await run.start();
    run.rerun(members[0]!.id, members[2]!.id, () => undefined);
    while (!toolboxes.at(-1)?.toolbox.commands.length) await new Promise((r) => setTimeout(r, 5));
    await run.end('shutdown');
    expect(cellOf(run.info(), 'alpha', 'gamma')).toMatchObject({ state: 'done', reason: 'the Sonde server is shutting down' });
    expect(toolboxes.at(-1)!.toolbox.removed).toBe(true);
    expect(run.running).toBe(false);
  });

  it('holds the policy to every member still probed, and ends with a revocation', async () => {
    const { run } = matrix({ hang: (_member, argv) => argv[0] === 'nmap' });
    const going = run.start();
    expect(run.policyTargets().map((t) => (t.kind === 'container' ? t.containerName : t.kind))).toEqual(['alpha', 'beta', 'gamma']);
    while (run.info().members.some((m) => m.state !== 'ready')) await new Promise((r) => setTimeout(r, 5));
    run.revoke('policy', 'the target policy no longer allows it: containers labelled secret are excluded by the policy');
    await going;
    const info = run.info();
    expect(info).toMatchObject({ endReason: 'policy', endDetail: expect.stringContaining('labelled secret') });
    expect(info.cells.filter((c) => c.reason).every((c) => c.reason!.includes('labelled secret'))).toBe(true);
  });

  it('numbers its events 1, 2, 3… and its copies carry the count; running again after the end is an event too', async () => {
    const { run, events } = matrix({ checks: ['icmp'] });
    expect(run.info().revision).toBe(0);
    await run.start();
    expect(events.map((e) => e.revision)).toEqual(events.map((_e, i) => i + 1));
    expect(run.info().revision).toBe(events.length);
    const before = events.length;
    run.rerun(members[0]!.id, members[1]!.id, () => undefined);
    // Every tab hears it runs again, not only the one that asked.
    expect(events[before]).toMatchObject({ kind: 'state', state: 'running', revision: before + 1 });
    expect(run.info()).toMatchObject({ state: 'running', revision: events.length });
    await run.settle();
    expect(events.at(-1)).toMatchObject({ kind: 'state', state: 'done', revision: run.info().revision });
  });

  it('an engine that never answers a removal delays the end by REMOVAL_WAIT_MS at most', async () => {
    vi.useFakeTimers();
    try {
      const { run, events } = matrix({ checks: ['icmp'], removalHangs: true });
      let ended = false;
      const going = run.start().then(() => (ended = true));
      await vi.advanceTimersByTimeAsync(REMOVAL_WAIT_MS - 1000);
      expect(ended).toBe(false);
      expect(run.running).toBe(true);
      await vi.advanceTimersByTimeAsync(1000);
      await going;
      expect(run.info()).toMatchObject({ state: 'done', endReason: 'completed' });
      expect(events.at(-1)).toMatchObject({ kind: 'state', state: 'done' });
    } finally {
      vi.useRealTimers();
    }
  });
});
