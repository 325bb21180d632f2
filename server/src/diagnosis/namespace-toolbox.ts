import type { ResolvedTarget } from '@sonde/shared';
import { withDeadline } from '../engine/deadline.js';
import type { ToolboxEngine } from '../engine/types.js';
import { LABELS, NETNS_SCRIPT, buildToolboxSpec, type ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { displayCommand, type ProbeOutput } from './probe-output.js';

/**
 * One idle toolbox in a target's network namespace, in which the doctor and the matrix run
 * their probes with Docker's exec API: one container per namespace, not one per command. It
 * carries the console's labels (`sonde.session` = the run's id, so the one reaper knows whose it
 * is) plus `sonde.doctor` or `sonde.matrix`, and its entrypoint is a `sleep` bounded by the run's
 * time limit, so even one the reaper never saw does not idle in a target's namespace for long.
 */

/** Only what the probes need: NET_ADMIN to read firewalls and conntrack, NET_RAW to ping. */
export const DIAGNOSIS_CAPABILITIES = ['NET_ADMIN', 'NET_RAW'];

/** Most bytes kept of one command's output per stream (a host's ruleset can be large). */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export interface NamespaceToolboxOptions {
  engine: ToolboxEngine;
  settings: ToolboxSettings;
  /** The run's id: the `sonde.session` label and the value of `label`. */
  runId: string;
  label: typeof LABELS.doctor | typeof LABELS.matrix;
  /** Container name, e.g. `sonde-doctor-<id>`. */
  name: string;
  /** How long the toolbox may live at most (its `sleep`); the run removes it sooner. */
  lifetimeSeconds: number;
  /** Instead of DIAGNOSIS_CAPABILITIES (the matrix only pings and connects: NET_RAW). */
  capabilities?: string[];
}

/** What the doctor and the matrix need of a toolbox (a fake in unit tests). */
export interface ProbeToolbox {
  /** The container's id (the workload lists it for the reaper). */
  readonly id: string;
  /** Runs one argv (never a shell) and returns what it did; engine failures reject. */
  run(argv: readonly string[], timeoutMs: number): Promise<ProbeOutput>;
  /** Idempotent; resolves once the container is gone. */
  remove(): Promise<void>;
}

/**
 * How long a run's end waits for its toolboxes' removal before it reports done anyway: an engine
 * that never answers a removal must not keep a run "running" for ever. The removal goes on, the
 * reaper takes what it leaves once the run is retired, and each toolbox's own `sleep` ends it at
 * its lifetime.
 */
export const REMOVAL_WAIT_MS = 15_000;

/** Removes the toolboxes; resolves when they are gone or REMOVAL_WAIT_MS passed, whichever is first. */
export async function removeWithin(toolboxes: readonly (ProbeToolbox | undefined)[]): Promise<void> {
  await withDeadline(Promise.all(toolboxes.map((toolbox) => toolbox?.remove())), REMOVAL_WAIT_MS, 'removal still under way').catch(() => undefined);
}

export class NamespaceToolbox implements ProbeToolbox {
  private removal: Promise<void> | undefined;

  private constructor(
    private readonly engine: ToolboxEngine,
    readonly id: string,
    /** Put before every argv: entering an overlay's own namespace (empty otherwise). */
    private readonly prefix: readonly string[],
  ) {}

  static async start(target: ResolvedTarget, options: NamespaceToolboxOptions): Promise<NamespaceToolbox> {
    // The network namespace only, never the target's processes.
    const netOnly: ResolvedTarget = target.kind === 'container' ? { ...target, sharePid: false } : target;
    const capabilities = options.capabilities ?? DIAGNOSIS_CAPABILITIES;
    const spec = buildToolboxSpec(options.runId, netOnly, options.settings, {
      entrypoint: ['sleep', String(Math.ceil(options.lifetimeSeconds))],
      capabilities,
      name: options.name,
      labels: { [options.label]: options.runId },
    });
    const id = await options.engine.startIdleToolbox(spec);
    // An exec'd command starts in the container's own namespace, which for an overlay's namespace
    // is `none`: it enters the overlay's first, with the same fixed script as the entrypoint (the
    // network comes from the container's SONDE_NETNS, never from this argv).
    const prefix = target.kind === 'network-namespace' ? ['/bin/sh', '-c', NETNS_SCRIPT, 'sonde-netns'] : [];
    return new NamespaceToolbox(options.engine, id, prefix);
  }

  async run(argv: readonly string[], timeoutMs: number): Promise<ProbeOutput> {
    const done = await this.engine.exec(this.id, [...this.prefix, ...argv], { timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES });
    return {
      command: displayCommand(argv),
      exitCode: done.exitCode,
      stdout: done.stdout.toString('utf8'),
      stderr: done.stderr.toString('utf8'),
      timedOut: done.timedOut,
      elapsedMs: done.elapsedMs,
    };
  }

  remove(): Promise<void> {
    this.removal ??= this.engine.removeContainer(this.id).catch(() => undefined);
    return this.removal;
  }
}
