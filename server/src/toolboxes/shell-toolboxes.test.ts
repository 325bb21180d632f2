import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import type { ResolvedTarget } from '@sonde/shared';
import { EngineError, type ContainerEngine, type ExecOptions, type RunningToolbox, type ShellOptions, type ToolboxSpec } from '../engine/types.js';
import { SHELLS_PER_TOOLBOX, ShellToolboxes } from './shell-toolboxes.js';
import { SHELL_ENTRYPOINT } from './toolbox-spec.js';

/** Which toolbox each session's shell lands in, with an engine that only counts (the real one: server/test/sessions.test.ts). */

const WEB: ResolvedTarget = { kind: 'container', engine: 'local', containerId: 'w'.repeat(64), containerName: 'web', sharePid: false };
const settings = { image: 'sonde-toolbox', instance: 'unit', limits: { memoryBytes: 1, pids: 1, nanoCpus: 1 } };

function fakeEngine() {
  let next = 0;
  const running = new Set<string>();
  const calls = { started: [] as ToolboxSpec[], shells: [] as { containerId: string; argv: readonly string[]; options: ShellOptions }[], execs: [] as { containerId: string; argv: readonly string[] }[], removed: [] as string[] };
  const state = { targetStartedAt: 't0' };
  const engine = {
    kind: 'docker',
    name: 'local',
    startIdleToolbox: async (spec: ToolboxSpec) => {
      calls.started.push(spec);
      const id = `toolbox-${++next}`;
      running.add(id);
      return id;
    },
    inspectContainer: async (id: string) => ({ id, name: 'web', running: true, labels: {}, startedAt: state.targetStartedAt }),
    openShell: async (containerId: string, argv: readonly string[], options: ShellOptions): Promise<RunningToolbox> => {
      if (!running.has(containerId)) throw new EngineError('conflict', `container ${containerId} is not running`, 409);
      calls.shells.push({ containerId, argv, options });
      return { id: containerId, stream: new PassThrough(), resize: async () => undefined, exitCode: async () => 0 };
    },
    exec: async (containerId: string, argv: readonly string[], _options: ExecOptions) => {
      calls.execs.push({ containerId, argv });
      return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), truncated: false, timedOut: false, elapsedMs: 1 };
    },
    removeContainer: async (id: string) => {
      running.delete(id);
      calls.removed.push(id);
    },
  } as unknown as ContainerEngine;
  return { engine, calls, running, state };
}

const ada = { id: 'user:ada' };
const bob = { id: 'user:bob' };
let sessions = 0;
const request = (engine: ContainerEngine, owner: { id: string }, target: ResolvedTarget = WEB) => ({ sessionId: `s${++sessions}`.padEnd(32, '0'), owner, target, engine, size: { cols: 80, rows: 24 } });

describe('ShellToolboxes', () => {
  it("opens a user's further shells on a target in that user's toolbox, never in another user's", async () => {
    const { engine, calls } = fakeEngine();
    const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: false });
    const first = await toolboxes.open(request(engine, ada));
    const second = await toolboxes.open(request(engine, ada));
    const other = await toolboxes.open(request(engine, bob));
    const host = await toolboxes.open(request(engine, ada, { kind: 'host', engine: 'local' }));
    const withPid = await toolboxes.open(request(engine, ada, { ...WEB, sharePid: true }));
    expect([first.reused, second.reused, other.reused, host.reused, withPid.reused]).toEqual([false, true, false, false, false]);
    expect(second.shell.id).toBe(first.shell.id);
    expect(new Set([first, other, host, withPid].map((l) => l.shell.id)).size).toBe(4);
    expect(calls.started).toHaveLength(4);
    // Every toolbox idles; every shell is an exec that records its PID, then becomes the shell.
    expect(calls.started.every((spec) => spec.entrypoint.join(' ').includes('sleep'))).toBe(true);
    expect(calls.shells[1]!.argv.slice(0, 4)).toEqual(['/bin/sh', '-c', 'echo $$ > "$0"; exec "$@"', `/tmp/.sonde-shell-${'s2'.padEnd(32, '0')}`]);
    expect(toolboxes.ownedToolboxes()).toEqual(new Set(['toolbox-1', 'toolbox-2', 'toolbox-3', 'toolbox-4']));
  });

  it('kills a shell that ends alone, and removes the toolbox with the last one', async () => {
    const { engine, calls } = fakeEngine();
    const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: false });
    const first = await toolboxes.open(request(engine, ada));
    const second = await toolboxes.open(request(engine, ada));
    await first.release({ kill: true });
    await first.release({ kill: true });
    expect(calls.execs).toHaveLength(1);
    expect(calls.execs[0]!.argv.at(-1)).toMatch(/^\/tmp\/\.sonde-shell-/);
    expect(calls.removed).toEqual([]);
    await second.release({ kill: true });
    expect(calls.removed).toEqual(['toolbox-1']);
    expect(calls.execs).toHaveLength(1);
    expect(toolboxes.ownedToolboxes()).toEqual(new Set());
    // A toolbox on its way out takes no new shell.
    const third = await toolboxes.open(request(engine, ada));
    expect(third.reused).toBe(false);
  });

  it(`holds at most ${SHELLS_PER_TOOLBOX} shells per toolbox`, async () => {
    const { engine } = fakeEngine();
    const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: false });
    const leases = await Promise.all(Array.from({ length: SHELLS_PER_TOOLBOX + 1 }, () => toolboxes.open(request(engine, ada))));
    const counts = new Map<string, number>();
    for (const l of leases) counts.set(l.shell.id, (counts.get(l.shell.id) ?? 0) + 1);
    expect([...counts.values()]).toEqual([SHELLS_PER_TOOLBOX, 1]);
    expect(toolboxes.counts).toEqual({ toolboxes: 2, shells: SHELLS_PER_TOOLBOX + 1, spares: 0 });
  });

  it('starts a new toolbox when the target restarted since, or the toolbox stopped', async () => {
    const { engine, running, state } = fakeEngine();
    const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: false });
    const first = await toolboxes.open(request(engine, ada));
    state.targetStartedAt = 't1';
    const afterRestart = await toolboxes.open(request(engine, ada));
    expect(afterRestart.reused).toBe(false);
    expect(afterRestart.shell.id).not.toBe(first.shell.id);
    running.delete(afterRestart.shell.id);
    const afterStop = await toolboxes.open(request(engine, ada));
    expect(afterStop.reused).toBe(false);
    expect(new Set([first, afterRestart, afterStop].map((l) => l.shell.id)).size).toBe(3);
  });

  it('gives every session a toolbox of its own when reuse is off', async () => {
    const { engine, calls } = fakeEngine();
    const toolboxes = new ShellToolboxes({ settings, reuse: false, spares: false });
    const leases = await Promise.all([toolboxes.open(request(engine, ada)), toolboxes.open(request(engine, ada))]);
    expect(leases.map((l) => l.reused)).toEqual([false, false]);
    await leases[0]!.release({ kill: true });
    expect(calls.removed).toEqual([leases[0]!.shell.id]);
    expect(calls.execs).toEqual([]);
  });

  describe('spare shells', () => {
    /** An engine whose shells are processes the test plays: what they print, what they were sent. */
    function sparingEngine(spare: { ready: boolean }) {
      const base = fakeEngine();
      const shells: { argv: readonly string[]; out: PassThrough; sent: string[]; shell: RunningToolbox }[] = [];
      (base.engine as unknown as { openShell: unknown }).openShell = async (containerId: string, argv: readonly string[], options: ShellOptions): Promise<RunningToolbox> => {
        if (!base.running.has(containerId)) throw new EngineError('conflict', `container ${containerId} is not running`, 409);
        base.calls.shells.push({ containerId, argv, options });
        const out = new PassThrough();
        const sent: string[] = [];
        const input = new PassThrough();
        input.on('data', (chunk: Buffer) => sent.push(chunk.toString()));
        const shell = { id: containerId, stream: Duplex.from({ readable: out, writable: input }), resize: async () => undefined, exitCode: async () => 0 };
        shells.push({ argv, out, sent, shell });
        if (argv[3] === 'sonde-spare') {
          // What the spare prints while it waits is never a session's.
          out.write('noise before the line\r\n');
          if (spare.ready) out.write('sonde-spare-ready\r\n');
          else out.end();
        }
        return shell;
      };
      return { ...base, shells };
    }
    const hexRequest = (engine: ContainerEngine, owner: { id: string }) => ({ ...request(engine, owner), sessionId: randomBytes(16).toString('hex') });

    it("keeps one started in a toolbox with shells, and hands it to that user's next session there: the id written, nothing printed before it", async () => {
      const { engine, calls, shells } = sparingEngine({ ready: true });
      const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: true });
      const first = await toolboxes.open(hexRequest(engine, ada));
      await expect.poll(() => toolboxes.counts.spares).toBe(1);
      const spare = shells[1]!;
      expect(spare.argv).toEqual(['/bin/sh', '-c', expect.stringContaining('read -r s'), 'sonde-spare', ...SHELL_ENTRYPOINT]);

      const next = hexRequest(engine, ada);
      const second = await toolboxes.open(next);
      expect(second.reused).toBe(true);
      expect(second.shell).toBe(spare.shell);
      expect(spare.sent).toEqual([`${next.sessionId}\n`]);
      // Held, not lost: what the shell prints from now on is the session's, and only that.
      spare.out.write('prompt# ');
      const read: string[] = [];
      second.shell.stream.on('data', (chunk: Buffer) => read.push(chunk.toString()));
      second.shell.stream.resume();
      await expect.poll(() => read.join('')).toBe('prompt# ');
      // No exec was started for it; another spare takes its place.
      expect(calls.shells).toHaveLength(2);
      await expect.poll(() => toolboxes.counts.spares).toBe(1);
      expect(calls.shells).toHaveLength(3);

      // Never another user's: bob gets a toolbox of his own.
      const bobs = await toolboxes.open(hexRequest(engine, bob));
      expect(bobs.shell.id).not.toBe(first.shell.id);
      expect(bobs.reused).toBe(false);

      await Promise.all([first.release({ kill: true }), second.release({ kill: true }), bobs.release({ kill: true })]);
      expect(toolboxes.counts).toEqual({ toolboxes: 0, shells: 0, spares: 0 });
      // The removed toolbox's spare connection is closed with it.
      expect(shells[2]!.shell.stream.destroyed).toBe(true);
    });

    it('is not tried again in a toolbox where one ended before it was ready (an image without stty)', async () => {
      const { engine, calls } = sparingEngine({ ready: false });
      const toolboxes = new ShellToolboxes({ settings, reuse: true, spares: true });
      const leases = [await toolboxes.open(hexRequest(engine, ada))];
      await expect.poll(() => calls.shells.length).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      leases.push(await toolboxes.open(hexRequest(engine, ada)), await toolboxes.open(hexRequest(engine, ada)));
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Three shells and the one spare that failed: nothing more.
      expect(calls.shells.map((c) => c.argv[3])).toEqual([expect.stringMatching(/^\/tmp\/\.sonde-shell-/), 'sonde-spare', expect.stringMatching(/^\/tmp\/\.sonde-shell-/), expect.stringMatching(/^\/tmp\/\.sonde-shell-/)]);
      await Promise.all(leases.map((l) => l.release({ kill: false })));
    });
  });
});
