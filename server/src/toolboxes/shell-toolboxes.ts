import { namespaceKey, type ResolvedTarget } from '@sonde/shared';
import { EngineError, type ContainerEngine, type RunningToolbox, type ToolboxEngine } from '../engine/types.js';
import { buildToolboxSpec, sessionShell, type ToolboxSettings } from './toolbox-spec.js';
import type { ToolboxOwner } from './workload-registry.js';

/**
 * The toolboxes shell sessions run in. A toolbox idles and every session's shell is a `docker
 * exec` in it with a TTY, so a further session by the same principal to the same target (same
 * engine, same namespaces, same start of the target container) opens its shell in the toolbox
 * that already runs instead of creating a container: an exec costs a fraction of a create and
 * start. A toolbox is never shared between principals, holds at most SHELLS_PER_TOOLBOX shells,
 * and is removed when the last shell in it is released. It outlives each shell, so the network
 * state can still be read in it after the shell exited.
 */

/**
 * Shells one toolbox carries at most. They share its limits (memory, PIDs, CPU: one
 * SONDE_TOOLBOX_* set for all of them), so this bounds how far one busy shell of a user can
 * crowd that user's others; with the default limits (512 MiB, 512 PIDs) 16 interactive shells
 * and their tools fit.
 */
export const SHELLS_PER_TOOLBOX = 16;

/** How long ending one shell (a signal sent with an exec) may take before it is left to the toolbox's removal. */
const KILL_TIMEOUT_MS = 5_000;

/** A new toolbox's first shell ending this soon, with the toolbox stopped, means it could not idle. */
const STOPPED_AT_START_MS = 10_000;

/**
 * Records the shell's PID in a file named by the session, then becomes the shell (every step of
 * the shell's argv execs, so the PID stays the shell's): Docker cannot end an exec's process, so
 * that file is how one session's shell is ended while the others in the toolbox go on.
 */
const RECORD_PID = 'echo $$ > "$0"; exec "$@"';

/**
 * Ends a shell recorded by RECORD_PID: SIGHUP (what a closed terminal sends; bash passes it on to
 * its jobs), SIGKILL after two seconds if it is still there.
 */
const END_SHELL = [
  'p=$(cat "$0" 2>/dev/null); rm -f "$0"',
  '[ -n "$p" ] || exit 0',
  'kill -HUP "$p" 2>/dev/null || exit 0',
  'for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.2; done',
  'kill -KILL "$p" 2>/dev/null; exit 0',
].join('\n');

function pidFile(sessionId: string): string {
  return `/tmp/.sonde-shell-${sessionId}`;
}

/**
 * A spare shell: started ahead in a toolbox that holds shells, it waits with echo off for one line,
 * the session id of the session that takes it (32 hex digits, checked), then records its PID as
 * RECORD_PID does, names the session in the environment, and becomes the session's shell. It
 * prints SPARE_READY once echo is off; everything it printed before the line is dropped, so a
 * session's output starts with its shell's. Turns a further session's shell from an exec started on
 * demand (Docker starting a process: about 100 ms here) into one line written to a waiting one.
 */
const SPARE_READY = 'sonde-spare-ready';
const SPARE_SHELL = [
  // Without stty the line would be echoed into the session's output: no spare in such an image.
  'stty -echo 2>/dev/null || exit 3',
  `printf '%s\\n' ${SPARE_READY}`,
  'IFS= read -r s || exit 0',
  'stty echo 2>/dev/null',
  'case $s in ????????????????????????????????) ;; *) exit 2 ;; esac',
  'case $s in *[!0-9a-f]*) exit 2 ;; esac',
  'echo $$ > "/tmp/.sonde-shell-$s"',
  'SONDE_SESSION=$s',
  'export SONDE_SESSION',
  'exec "$@"',
].join('\n');

/** How long after a shell opens its toolbox's spare is started: after that shell's own start, not racing it. */
const SPARE_DELAY_MS = 250;

export interface ShellRequest {
  sessionId: string;
  /** The principal the session is held for: toolboxes are shared only between its sessions. */
  owner: { id: string };
  target: ResolvedTarget;
  engine: ToolboxEngine;
  size: { cols: number; rows: number };
}

/** A request on a Docker engine: its toolboxes idle and hold shells opened with `openShell`. */
interface DockerShellRequest extends ShellRequest {
  engine: ContainerEngine;
}

function isDocker(engine: ToolboxEngine): engine is ContainerEngine {
  return engine.kind === 'docker';
}

export interface ShellLease {
  /** The shell: its TTY stream, resize and exit code; `id` is the toolbox's. */
  shell: RunningToolbox;
  /** Whether the shell opened in a toolbox that was already running. */
  reused: boolean;
  /** The image the toolbox runs (a Kubernetes target's may differ from Docker's). */
  image: string;
  /**
   * Lets go of the shell once: the toolbox is removed when it was the last, otherwise the shell
   * is ended when `kill` says it may still run. Resolves when done; rejects only when the
   * removal failed (the reaper takes the toolbox then).
   */
  release(options: { kill: boolean }): Promise<void>;
  /**
   * Why the shell ended, when the session's own "the shell exited" would mislead (a toolbox that
   * stopped as soon as it started); undefined otherwise. Asked before `release`.
   */
  explainEnd(exitCode: number | undefined): Promise<string | undefined>;
}

interface Toolbox {
  key: string;
  engine: ContainerEngine;
  /** Empty until the container has started. */
  containerId: string;
  image: string;
  /** The session whose start created it: its `sonde.session` label and container name. */
  createdFor: string;
  /** Settles when the container has started (or failed to). */
  ready: Promise<void>;
  /** Sessions holding a shell in it, or opening one. */
  shells: Set<string>;
  /** When the target container had started, as its namespaces are tied to that start. */
  targetStartedAt: string | undefined;
  /** Takes no new shells: it is being removed, failed, or reuse is off. */
  closed: boolean;
  /** Its spare shell, waiting for a session (ready once it said so), or being started. */
  spare: Spare | undefined;
  spareTimer: NodeJS.Timeout | undefined;
  /** A spare ended before it was ready (an image without stty): this toolbox gets no more. */
  noSpares: boolean;
}

interface Spare {
  shell: RunningToolbox | undefined;
  ready: boolean;
  /** The shell argv it becomes: a session takes it only for the same one. */
  argv: string;
  /** Stops dropping its output; the next reader gets everything after. */
  detach(): void;
}

/** What a reused toolbox must match: the engine, the principal and the namespaces it joined. */
function keyOf(request: ShellRequest): string {
  const { target } = request;
  const processes = target.kind === 'container' && target.sharePid ? '+pid' : '';
  return `${request.engine.name}\n${request.owner.id}\n${namespaceKey(target)}${processes}`;
}

export interface ShellToolboxesOptions {
  settings: ToolboxSettings;
  /** False: every session gets a toolbox of its own (SONDE_TOOLBOX_REUSE=false). */
  reuse: boolean;
  /** With reuse: keep a spare shell started in each toolbox for the principal's next session there. */
  spares: boolean;
}

export class ShellToolboxes implements ToolboxOwner {
  private readonly toolboxes = new Set<Toolbox>();
  /** Toolboxes of one session each, on engines other than Docker. */
  private readonly singles = new Set<{ id: string; createdFor: string }>();

  constructor(private readonly options: ShellToolboxesOptions) {}

  /** Toolboxes running now, and the shells in each (for the benchmark and tests). */
  get counts(): { toolboxes: number; shells: number; spares: number } {
    let shells = 0;
    let spares = 0;
    for (const t of this.toolboxes) {
      shells += t.shells.size;
      if (t.spare?.ready) spares++;
    }
    return { toolboxes: this.toolboxes.size, shells, spares };
  }

  /** A shell for a session: in a toolbox of the same principal and target when one has room, else in a new one. */
  async open(shellRequest: ShellRequest): Promise<ShellLease> {
    const { engine } = shellRequest;
    // Other kinds (Kubernetes) start a toolbox per session through the common seam: a pod's
    // sessions are execs in its one ephemeral container already, a node's each a pod.
    if (!isDocker(engine)) return this.openSingle(shellRequest);
    const request: DockerShellRequest = { ...shellRequest, engine };
    if (this.options.reuse) {
      const key = keyOf(request);
      for (const toolbox of this.toolboxes) {
        if (toolbox.key !== key || toolbox.closed || toolbox.shells.size >= SHELLS_PER_TOOLBOX) continue;
        const lease = await this.reuse(toolbox, request);
        if (lease) return lease;
      }
    }
    return this.openFresh(request);
  }

  ownedToolboxes(): ReadonlySet<string> {
    return new Set([...[...this.toolboxes].map((t) => t.containerId), ...[...this.singles].map((t) => t.id)].filter((id) => id !== ''));
  }

  startingIds(): ReadonlySet<string> {
    return new Set([...[...this.toolboxes].filter((t) => t.containerId === '').map((t) => t.createdFor), ...[...this.singles].filter((t) => t.id === '').map((t) => t.createdFor)]);
  }

  /** A toolbox of the session's own, its main process the shell (engines other than Docker). */
  private async openSingle(request: ShellRequest): Promise<ShellLease> {
    const single = { id: '', createdFor: request.sessionId };
    this.singles.add(single);
    const spec = buildToolboxSpec(request.sessionId, request.target, this.options.settings);
    let shell: RunningToolbox;
    try {
      shell = await request.engine.startToolbox({ ...spec, initialSize: request.size });
    } catch (error) {
      this.singles.delete(single);
      throw error;
    }
    single.id = shell.id;
    let released: Promise<void> | undefined;
    return {
      shell,
      reused: false,
      image: spec.image,
      release: () => {
        released ??= request.engine.removeContainer(shell.id).finally(() => this.singles.delete(single));
        return released;
      },
      explainEnd: () => Promise.resolve(undefined),
    };
  }

  /** A shell in a running toolbox; undefined when that toolbox turns out unable to take it (its target restarted, it stopped). */
  private async reuse(toolbox: Toolbox, request: DockerShellRequest): Promise<ShellLease | undefined> {
    const { sessionId, target, engine } = request;
    // Counted from now, so a release meanwhile does not remove the toolbox under this shell.
    toolbox.shells.add(sessionId);
    try {
      await toolbox.ready;
      if (target.kind === 'container') {
        // A restarted target has new namespaces, which this toolbox did not join.
        const detail = await engine.inspectContainer(target.containerId);
        if (!detail?.running || detail.startedAt === undefined || detail.startedAt !== toolbox.targetStartedAt) {
          toolbox.closed = true;
          await this.letGo(toolbox, sessionId);
          return undefined;
        }
      }
      const shell = this.takeSpare(toolbox, request) ?? (await engine.openShell(toolbox.containerId, [...shellArgv(request)], { size: request.size, env: shellEnv(request) }));
      this.planSpare(toolbox, request);
      return this.lease(toolbox, sessionId, shell, true);
    } catch (error) {
      await this.letGo(toolbox, sessionId).catch(() => undefined);
      // Gone or stopped (killed, out of memory): the session gets a toolbox of its own instead.
      if (error instanceof EngineError && (error.kind === 'not-found' || error.kind === 'conflict')) {
        toolbox.closed = true;
        return undefined;
      }
      if (toolbox.containerId === '') return undefined; // its creation failed; that session was told
      throw error;
    }
  }

  private async openFresh(request: DockerShellRequest): Promise<ShellLease> {
    const { sessionId, target, engine } = request;
    const spec = buildToolboxSpec(sessionId, target, this.options.settings, { idle: true });
    let started!: () => void;
    let failed!: (error: unknown) => void;
    const toolbox: Toolbox = {
      key: keyOf(request),
      engine,
      containerId: '',
      image: spec.image,
      createdFor: sessionId,
      ready: new Promise<void>((resolve, reject) => {
        started = resolve;
        failed = reject;
      }),
      shells: new Set([sessionId]),
      targetStartedAt: undefined,
      closed: !this.options.reuse,
      spare: undefined,
      spareTimer: undefined,
      noSpares: false,
    };
    // Sessions waiting to reuse it see a failure as "not usable", not as an unhandled rejection.
    toolbox.ready.catch(() => undefined);
    this.toolboxes.add(toolbox);
    try {
      const [containerId, startedAt] = await Promise.all([
        engine.startIdleToolbox(spec),
        target.kind === 'container' ? engine.inspectContainer(target.containerId).then((d) => d?.startedAt, () => undefined) : Promise.resolve(undefined),
      ]);
      toolbox.containerId = containerId;
      toolbox.targetStartedAt = startedAt;
      started();
    } catch (error) {
      toolbox.closed = true;
      this.toolboxes.delete(toolbox);
      failed(error);
      throw error;
    }
    try {
      const shell = await engine.openShell(toolbox.containerId, [...shellArgv(request)], { size: request.size, env: shellEnv(request) });
      this.planSpare(toolbox, request);
      return this.lease(toolbox, sessionId, shell, false);
    } catch (error) {
      toolbox.closed = true;
      // Read before it is removed: however Docker put the failure (the exec refused as not
      // running, or forgotten with its container), a toolbox no longer running could not idle.
      const stopped =
        (error instanceof EngineError && error.kind === 'conflict') ||
        (await engine.inspectContainer(toolbox.containerId).then((detail) => detail?.running !== true, () => false));
      await this.letGo(toolbox, sessionId).catch(() => undefined);
      // Its idle process could not run (an image without /bin/sh): say that rather than Docker's "not running".
      if (stopped) throw new EngineError('failed', stoppedAtStart(spec.image));
      throw error;
    }
  }

  /** The toolbox's ready spare, handed to this session: undefined when there is none for its shell. */
  private takeSpare(toolbox: Toolbox, request: DockerShellRequest): RunningToolbox | undefined {
    const spare = toolbox.spare;
    if (!spare?.ready || !spare.shell || spare.argv !== JSON.stringify(sessionShell(request.target)) || !/^[0-9a-f]{32}$/.test(request.sessionId)) return undefined;
    const { shell } = spare;
    if (shell.stream.destroyed || !shell.stream.writable) return undefined;
    toolbox.spare = undefined;
    spare.detach();
    shell.stream.write(`${request.sessionId}\n`);
    // Its TTY was opened at the default size: the session's now (readline redraws on the SIGWINCH).
    shell.resize(request.size.cols, request.size.rows).catch(() => undefined);
    return shell;
  }

  /** Starts the toolbox's spare shell a moment from now, unless it has one or has no room. */
  private planSpare(toolbox: Toolbox, request: DockerShellRequest): void {
    if (!this.options.spares || toolbox.closed || toolbox.noSpares || toolbox.spare || toolbox.spareTimer) return;
    toolbox.spareTimer = setTimeout(() => {
      toolbox.spareTimer = undefined;
      void this.startSpare(toolbox, request);
    }, SPARE_DELAY_MS);
    toolbox.spareTimer.unref();
  }

  private async startSpare(toolbox: Toolbox, request: DockerShellRequest): Promise<void> {
    if (toolbox.closed || toolbox.spare || toolbox.shells.size === 0 || toolbox.shells.size >= SHELLS_PER_TOOLBOX) return;
    // Only the last few bytes are kept while it starts: whatever else reaches its terminal (another
    // shell in the toolbox may write there) is dropped, never held.
    let tail = '';
    const drop = (chunk: Buffer) => {
      if (spare.ready) return;
      tail = (tail + chunk.toString('latin1')).slice(-2 * SPARE_READY.length);
      if (tail.includes(SPARE_READY)) spare.ready = true;
    };
    const spare: Spare = {
      shell: undefined,
      ready: false,
      argv: JSON.stringify(sessionShell(request.target)),
      detach: () => {
        spare.shell?.stream.removeListener('data', drop);
        // Held until the session's terminal reads it (it resumes the stream): nothing is lost between.
        spare.shell?.stream.pause();
      },
    };
    toolbox.spare = spare;
    try {
      const shell = await toolbox.engine.openShell(toolbox.containerId, ['/bin/sh', '-c', SPARE_SHELL, 'sonde-spare', ...sessionShell(request.target)], {
        size: request.size,
        env: [],
      });
      spare.shell = shell;
      const gone = () => {
        if (toolbox.spare !== spare) return;
        toolbox.spare = undefined;
        if (!spare.ready) toolbox.noSpares = true;
      };
      shell.stream.on('data', drop);
      shell.stream.once('end', gone);
      shell.stream.once('close', gone);
      shell.stream.on('error', gone);
      // Removed meanwhile: its exec went with the container.
      if (toolbox.closed) shell.stream.destroy();
    } catch {
      // No spare then: the next session execs its shell as before.
      if (toolbox.spare === spare) toolbox.spare = undefined;
    }
  }

  private lease(toolbox: Toolbox, sessionId: string, shell: RunningToolbox, reused: boolean): ShellLease {
    let released: Promise<void> | undefined;
    const opened = performance.now();
    return {
      shell,
      reused,
      image: toolbox.image,
      release: ({ kill }) => {
        released ??= this.letGo(toolbox, sessionId, kill);
        return released;
      },
      // Docker may start the shell's exec while the toolbox's idle process is still failing: the
      // exec then fails inside its stream (126: cannot run, 127: not found; no code at all when
      // Docker forgot the exec with its container) instead of at its start.
      explainEnd: async (exitCode) => {
        if (reused || performance.now() - opened > STOPPED_AT_START_MS || (exitCode !== 126 && exitCode !== 127 && exitCode !== undefined)) return undefined;
        const detail = await toolbox.engine.inspectContainer(toolbox.containerId).catch(() => undefined);
        return detail !== undefined && !detail.running ? stoppedAtStart(toolbox.image) : undefined;
      },
    };
  }

  /** One shell fewer: the last removes the toolbox; otherwise `kill` ends that shell in it. */
  private async letGo(toolbox: Toolbox, sessionId: string, kill = false): Promise<void> {
    if (!toolbox.shells.delete(sessionId)) return;
    if (toolbox.shells.size === 0) {
      toolbox.closed = true;
      clearTimeout(toolbox.spareTimer);
      toolbox.spareTimer = undefined;
      // Its exec goes with the container; its connection is closed here so nothing waits on it.
      toolbox.spare?.shell?.stream.destroy();
      toolbox.spare = undefined;
      try {
        if (toolbox.containerId !== '') await toolbox.engine.removeContainer(toolbox.containerId);
      } finally {
        // Forgotten even when removal failed: the reaper finds it then, as it finds any orphan.
        this.toolboxes.delete(toolbox);
      }
      return;
    }
    if (kill) {
      await toolbox.engine.exec(toolbox.containerId, ['/bin/sh', '-c', END_SHELL, pidFile(sessionId)], { timeoutMs: KILL_TIMEOUT_MS, maxOutputBytes: 4096 }).catch(() => undefined);
    }
  }
}

/** Said of a toolbox whose idle process could not run, however Docker put it. */
function stoppedAtStart(image: string): string {
  return `The toolbox stopped as soon as it started: its image ${image} needs /bin/sh (the toolbox idles in it while shells run).`;
}

function shellArgv(request: ShellRequest): string[] {
  return ['/bin/sh', '-c', RECORD_PID, pidFile(request.sessionId), ...sessionShell(request.target)];
}

/** The container's environment names the session that created it; each shell names its own. */
function shellEnv(request: ShellRequest): string[] {
  return [`SONDE_SESSION=${request.sessionId}`];
}
