import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import type { ResolvedTarget } from '@sonde/shared';
import { EngineError, type ContainerEngine, type ExecOptions, type RunningToolbox, type ShellOptions, type ToolboxSpec } from '../engine/types.js';
import { SHELLS_PER_TOOLBOX, ShellToolboxes } from './shell-toolboxes.js';

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
});
