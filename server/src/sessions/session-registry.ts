import { ErrorCode, type SessionChangeEvent, type TargetRequest } from '@sonde/shared';
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../http/api-error.js';
import type { TerminalMeter } from '../plugins/metrics-plugin.js';
import { ShellToolboxes } from '../toolboxes/shell-toolboxes.js';
import type { ToolboxSettings } from '../toolboxes/toolbox-spec.js';
import { WorkloadRegistry, type TargetCheck, type WorkloadRegistryOptions } from '../toolboxes/workload-registry.js';
import { Session } from './session.js';
import type { InteractivePriority } from './interactive-priority.js';

export interface SessionRegistryOptions extends Pick<WorkloadRegistryOptions<Session>, 'engines' | 'admission' | 'isConsole' | 'log'> {
  toolbox: ToolboxSettings;
  /** A further session of the same principal and target opens its shell in that toolbox (SONDE_TOOLBOX_REUSE). */
  reuseToolboxes: boolean;
  detachedGraceMs: number;
  idleTimeoutMs: number;
  maxSessions: number;
  replayBytes: number;
  /** How long an ended session stays visible (with its exit code) before it is forgotten. */
  endedRetentionMs: number;
  /** Counts the terminals' traffic and times each start (the metrics). */
  meter?: TerminalMeter & { started(targetKind: string, seconds: number): void };
  /** Keystrokes before other terminals' bulk output, shared with the tool runs. */
  priority?: InteractivePriority;
}

/**
 * Shell sessions: what is specific to them is the interactive toolbox and the Session that
 * serves it; admission, targets, retention, engine events and shutdown are the workload
 * registry's. Sessions are keyed by an unguessable id and labelled on the engine with it.
 */
export class SessionRegistry extends WorkloadRegistry<Session> {
  /** The toolboxes the shells run in; it joins the reaper as an owner of its own. */
  readonly toolboxes: ShellToolboxes;

  constructor(private readonly settings: SessionRegistryOptions) {
    super({
      kind: 'session',
      engines: settings.engines,
      admission: settings.admission,
      ...(settings.isConsole ? { isConsole: settings.isConsole } : {}),
      maxLive: settings.maxSessions,
      tooMany: (max) => new ApiError(429, ErrorCode.TooManySessions, `This console already runs ${max} sessions (SONDE_MAX_SESSIONS); close some first.`),
      endedRetentionMs: settings.endedRetentionMs,
      log: settings.log,
    });
    this.toolboxes = new ShellToolboxes({ settings: settings.toolbox, reuse: settings.reuseToolboxes, spares: settings.reuseToolboxes });
    this.onStarted((session) => settings.log.info({ session: session.id, target: session.target, toolbox: session.toolboxId }, 'session started'));
    this.onEnded((session) => settings.log.info({ session: session.id, reason: session.endReason, exitCode: session.exitCode }, 'session ended'));
  }

  /** Opens a shell in the target's namespaces: in a toolbox of this principal's there, or a new one. */
  async start(request: TargetRequest, principal: Principal, check: TargetCheck): Promise<Session> {
    const { replayBytes, detachedGraceMs, idleTimeoutMs, meter, priority } = this.settings;
    const size = { cols: 80, rows: 24 };
    const began = performance.now();
    const session = await this.create({
      principal,
      target: request,
      check,
      toolboxes: 1,
      start: async ({ id, target, engine, scope, ended }) => {
        const lease = await this.toolboxes.open({ sessionId: id, owner: principal, target, engine, size });
        return new Session({
          id,
          owner: { id: principal.id, name: principal.name },
          target,
          scope,
          image: lease.image,
          toolbox: lease.shell,
          replayBytes,
          detachedGraceMs,
          idleTimeoutMs,
          release: (options) => lease.release(options),
          explainEnd: (exitCode) => lease.explainEnd(exitCode),
          onEnded: ended,
          ...(meter ? { meter } : {}),
          ...(priority ? { priority } : {}),
        });
      },
    });
    meter?.started(session.target.kind, (performance.now() - began) / 1000);
    return session;
  }

  /** A person closes a session: the audit trail names them as who ended it. */
  async endBy(id: string, by: { id: string; name: string }): Promise<boolean> {
    const session = this.get(id);
    if (session?.running && !session.endedBy) session.endedBy = { id: by.id, name: by.name };
    return this.end(id, 'deleted');
  }

  /** Live views (the events stream) learn of sessions starting and ending here. */
  onChange(listener: (change: SessionChangeEvent) => void): () => void {
    const offStarted = this.onStarted((s) => listener({ id: s.id, state: 'running' }));
    const offEnded = this.onEnded((s) => listener({ id: s.id, state: 'exited' }));
    return () => {
      offStarted();
      offEnded();
    };
  }
}
