/** How a session is named in tabs and how its state reads, from server info and the live socket. */
import type { ResolvedTarget, SessionInfo, TargetRequest } from '@sonde/shared';
import type { TtyState } from '../../terminal/tty-connection';
import type { Tone } from '../../components/Badge';

export interface SessionStatus {
  /** Null when there is nothing worth saying (a live, running session). */
  label: string | null;
  tone: Tone;
}

/** The live socket state wins when this page is attached; otherwise the server's record. */
export function sessionStatus(info: SessionInfo | undefined, live: TtyState | undefined): SessionStatus {
  if (live) {
    switch (live.kind) {
      case 'open':
        return { label: null, tone: 'ok' };
      case 'connecting':
        return { label: 'connecting', tone: 'info' };
      case 'reconnecting':
        return { label: 'reconnecting', tone: 'warn' };
      case 'exited':
        // -1: the session ended without a shell exit status (closed elsewhere, toolbox lost).
        if (live.code < 0) return { label: 'ended', tone: 'muted' };
        return { label: `exited (${live.code})`, tone: live.code === 0 ? 'muted' : 'danger' };
      case 'closed':
        return { label: 'closed', tone: 'muted' };
      case 'error':
        return { label: 'error', tone: 'danger' };
      default: {
        const unexpected: never = live;
        return unexpected;
      }
    }
  }
  if (!info) return { label: 'ended', tone: 'muted' };
  switch (info.state) {
    case 'starting':
      return { label: 'starting', tone: 'info' };
    case 'running':
      return { label: null, tone: 'ok' };
    case 'exited':
      if (info.exitCode !== undefined && info.exitCode < 0) return { label: 'ended', tone: 'muted' };
      return {
        label: info.exitCode === undefined ? 'exited' : `exited (${info.exitCode})`,
        tone: info.exitCode === 0 || info.exitCode === undefined ? 'muted' : 'danger',
      };
    default: {
      const unexpected: never = info.state;
      return unexpected;
    }
  }
}

/**
 * The tabs: every live session the server lists (so a reload can reattach), plus every session
 * this page attached to, even once it ended (its tab shows how, until the user closes it).
 * Ended sessions this page never showed are history the server keeps, not tabs. Oldest first.
 */
export function sessionTabs(
  serverSessions: readonly SessionInfo[] | undefined,
  attached: ReadonlyMap<string, SessionInfo>,
): SessionInfo[] {
  const tabs = new Map<string, SessionInfo>();
  for (const session of serverSessions ?? []) {
    if (session.state !== 'exited' || attached.has(session.id)) tabs.set(session.id, session);
  }
  for (const [id, session] of attached) if (!tabs.has(id)) tabs.set(id, session);
  return [...tabs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/**
 * The request for "another shell" on what a session is on: the same engine, the same container,
 * network or namespace. A task's session asks its manager for the task again (by service and
 * slot), so the new shell lands in the slot's container as it is now, on whichever node runs it.
 */
export function anotherShellTarget(target: ResolvedTarget): TargetRequest {
  switch (target.kind) {
    case 'container': {
      const sharePid = target.sharePid ? { sharePid: true } : {};
      const task = target.task;
      if (task) return { kind: 'task', engine: task.manager, ...(task.slot !== undefined ? { service: task.service, slot: task.slot } : { task: task.id }), ...sharePid };
      return { kind: 'container', engine: target.engine, container: target.containerId, ...sharePid };
    }
    case 'network':
      return { kind: 'network', engine: target.engine, network: target.networkId };
    case 'network-namespace':
      return { kind: 'network-namespace', engine: target.engine, network: target.networkId };
    case 'host':
      return { kind: 'host', engine: target.engine };
    case 'pod':
      // By name, not uid: another shell goes to the pod of that name as it is now.
      return { kind: 'pod', engine: target.engine, namespace: target.namespace, pod: target.pod, container: target.container };
    case 'node':
      return { kind: 'node', engine: target.engine, node: target.node };
    default: {
      const unexpected: never = target;
      return unexpected;
    }
  }
}
