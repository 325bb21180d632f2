import { randomBytes } from 'node:crypto';
import type { NetstateRevertStep, ResolvedTarget } from '@sonde/shared';
import type { EngineSet } from '../engine/engine-set.js';
import { buildToolboxSpec, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import type { ToolboxOwner } from '../toolboxes/workload-registry.js';
import type { CompletedToolbox, CompletionOptions } from '../engine/types.js';
import { MARK_VARIABLE, SNAPSHOT_SCRIPT, parseSnapshot, type NetSnapshot } from './netstate-snapshot.js';
import type { RestoreCommand } from './netstate-revert.js';

/**
 * Short-lived toolboxes in a target's network namespace that read its firewall and qdiscs, or
 * feed a saved ruleset back. Each runs a fixed argv with only NET_ADMIN and NET_RAW, carries
 * the console's labels (so a killed server's leftovers are reaped like any toolbox) and is
 * removed before its result is used. At most `concurrency` run at once.
 */

/** Marks these toolboxes apart from sessions, runs and captures. */
export const PURPOSE_LABEL = 'sonde.purpose';
export const NETSTATE_PURPOSE = 'netstate';

const CAPABILITIES = ['NET_ADMIN', 'NET_RAW'];
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** What a revert step keeps of a command's output, for people. */
const STEP_OUTPUT_CHARS = 2000;

export interface ProbeOptions {
  engines: EngineSet;
  toolbox: ToolboxSettings;
  concurrency: number;
  timeoutMs: number;
}

export interface TimedSnapshot {
  snapshot: NetSnapshot;
  /** From asking Docker to create the toolbox to having its output, removal included. */
  elapsedMs: number;
}

export class NamespaceProbe implements ToolboxOwner {
  private running = 0;
  /** Ids (the `sonde.session` label) of probe toolboxes that exist now, so the reaper leaves them. */
  private readonly inFlight = new Set<string>();
  private readonly waiting: { go: () => void; drop: (error: Error) => void }[] = [];
  private closed = false;

  /** Refuses new work and drops queued work (it has not started a toolbox yet); what runs finishes. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.drop(new Error('the console is shutting down'));
  }

  constructor(private readonly options: ProbeOptions) {}

  /**
   * Reads every section. `urgent` goes ahead of queued work: a session's starting snapshot
   * should be taken before its user starts typing.
   */
  async snapshot(target: ResolvedTarget, urgent = false): Promise<TimedSnapshot> {
    const mark = `@@sonde-${randomBytes(8).toString('hex')}`;
    return this.exclusive(urgent, async () => {
      const started = performance.now();
      const done = await this.run(target, ['/bin/sh', '-c', SNAPSHOT_SCRIPT], { timeoutMs: this.options.timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES }, [`${MARK_VARIABLE}=${mark}`]);
      if (done.exitCode !== 0) throw new Error(`the snapshot toolbox exited with ${done.exitCode}: ${done.stderr.toString('utf8').slice(0, 500)}`);
      const snapshot = parseSnapshot(done.stdout.toString('utf8'), mark, new Date().toISOString());
      return { snapshot, elapsedMs: Math.round(performance.now() - started) };
    });
  }

  /** Runs one restore command with its input on stdin; failures are reported, not thrown. */
  async restore(target: ResolvedTarget, command: RestoreCommand): Promise<NetstateRevertStep> {
    return this.exclusive(true, async () => {
      try {
        const done = await this.run(target, command.argv, { stdin: command.stdin, timeoutMs: this.options.timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES });
        const output = `${done.stdout.toString('utf8')}${done.stderr.toString('utf8')}`.trim().slice(0, STEP_OUTPUT_CHARS);
        return { section: command.section, command: command.describe, ok: done.exitCode === 0, output };
      } catch (error) {
        return { section: command.section, command: command.describe, ok: false, output: error instanceof Error ? error.message : String(error) };
      }
    });
  }

  ownedToolboxes(): ReadonlySet<string> {
    return new Set();
  }

  startingIds(): ReadonlySet<string> {
    return this.inFlight;
  }

  /** One toolbox in the target's network namespace (never its processes), run to its end and removed. */
  private async run(target: ResolvedTarget, entrypoint: string[], options: CompletionOptions, env: string[] = []): Promise<CompletedToolbox> {
    const id = randomBytes(16).toString('hex');
    const netOnly: ResolvedTarget = target.kind === 'container' ? { ...target, sharePid: false } : target;
    const spec = buildToolboxSpec(id, netOnly, this.options.toolbox, {
      entrypoint,
      capabilities: CAPABILITIES,
      name: `sonde-netstate-${id.slice(0, 12)}`,
      labels: { [PURPOSE_LABEL]: NETSTATE_PURPOSE },
    });
    spec.env.push(...env);
    this.inFlight.add(id);
    try {
      return await this.options.engines.pick(target.engine).engine.runToCompletion(spec, options);
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async exclusive<T>(urgent: boolean, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the console is shutting down');
    if (this.running >= this.options.concurrency) {
      await new Promise<void>((go, drop) => (urgent ? this.waiting.unshift({ go, drop }) : this.waiting.push({ go, drop })));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot over directly, so the count never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next.go();
      else this.running--;
    }
  }
}
