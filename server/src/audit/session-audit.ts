import { describeTarget } from '@sonde/shared';
import type { Session } from '../sessions/session.js';
import { SYSTEM_ACTOR, type AuditLog } from './audit-log.js';

/**
 * Follows one session into the audit trail: opened, who joined and left, who got the keyboard,
 * viewers who tried to type, and how it ended.
 */
export function auditSession(audit: AuditLog, session: Session): void {
  const target = describeTarget(session.target);
  const base = { sessionId: session.id, target };
  audit.record({ ...base, actor: session.owner, action: 'session-opened', detail: { target: session.target } });
  session.observe({
    joined: (participant, role) =>
      audit.record({ ...base, actor: participant, action: 'session-joined', detail: { role, ...(participant.shareId ? { share: participant.shareId } : {}) } }),
    left: (participant) => audit.record({ ...base, actor: participant, action: 'session-left' }),
    roleChanged: (participant, role, by) => audit.record({ ...base, actor: by, action: 'keyboard-given', detail: { participant: participant.id, name: participant.name, role } }),
    viewerInputDropped: (participant, count) => audit.record({ ...base, actor: participant, action: 'viewer-input-dropped', detail: { frames: count } }),
    ended: (s) =>
      audit.record({
        ...base,
        actor: s.endedBy ?? SYSTEM_ACTOR,
        action: 'session-ended',
        detail: { reason: s.endReason, ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}) },
      }),
  });
}
