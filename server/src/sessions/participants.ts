import { CloseCode, ErrorCode, type Participant, type ParticipantRole } from '@sonde/shared';
import type { Attachment, ParticipantIdentity, TerminalStream } from './terminal-stream.js';

/** A viewer who keeps typing after being told it does nothing is disconnected (1008) after this many frames. */
export const VIEWER_INPUT_LIMIT = 20;

/** What the audit trail and the recorder hear about people in a session. */
export interface ParticipantEvents {
  joined(participant: ParticipantIdentity, role: ParticipantRole): void;
  left(participant: ParticipantIdentity): void;
  roleChanged(participant: { id: string; name: string }, role: ParticipantRole, by: ParticipantIdentity): void;
  viewerInputDropped(participant: ParticipantIdentity, count: number): void;
}

/**
 * Who is in a session and who may type: roles per participant (kept after they leave, so a
 * reconnect gets the same role back), presence (one entry per person however many tabs), the
 * keyboard handed over by the owner, and viewers' input dropped, counted and, if it goes on,
 * disconnected. Every attached client hears who joined, left or got the keyboard.
 */
export class Participants {
  private readonly roles = new Map<string, ParticipantRole>();
  private readonly warned = new WeakSet<Attachment>();

  constructor(
    private readonly owner: { id: string; name: string },
    private readonly stream: TerminalStream,
    private readonly events: ParticipantEvents,
    /** Whether the session still runs (no notices about an ended one). */
    private readonly running: () => boolean,
  ) {
    this.roles.set(owner.id, 'driver');
  }

  roleOf(participantId: string): ParticipantRole {
    return this.roles.get(participantId) ?? 'viewer';
  }

  isDriver(attachment: Attachment): boolean {
    return this.roleOf(attachment.participant.id) === 'driver';
  }

  /** Everyone attached now, one entry per person however many tabs they have. */
  list(): Participant[] {
    const byId = new Map<string, Participant>();
    for (const a of this.stream.clients) {
      const p = a.participant;
      const entry = byId.get(p.id);
      if (entry) {
        entry.clients++;
        continue;
      }
      byId.set(p.id, {
        id: p.id,
        name: p.name,
        role: this.roleOf(p.id),
        owner: p.id === this.owner.id,
        clients: 1,
        ...(p.shareId ? { shareId: p.shareId } : {}),
      });
    }
    return [...byId.values()];
  }

  private isPresent(participantId: string, except?: Attachment): boolean {
    for (const a of this.stream.clients) if (a !== except && a.participant.id === participantId) return true;
    return false;
  }

  private broadcastPresence(): void {
    const participants = this.list();
    for (const a of this.stream.clients) {
      a.channel.sendControl({ type: 'presence', you: a.participant.id, role: this.roleOf(a.participant.id), participants });
    }
  }

  /** A client attached (already counted among the clients): the others hear who arrived, everyone the presence. */
  arrived(attachment: Attachment, initialRole: ParticipantRole): void {
    const participant = attachment.participant;
    const firstTab = !this.isPresent(participant.id, attachment);
    if (!this.roles.has(participant.id)) this.roles.set(participant.id, initialRole);
    if (!this.running()) return;
    if (firstTab) {
      const role = this.roleOf(participant.id);
      for (const a of this.stream.clients) {
        if (a.participant.id !== participant.id) a.channel.sendControl({ type: 'notice', level: 'info', message: `${participant.name} joined (${role === 'driver' ? 'can type' : 'watching'}).` });
      }
      this.events.joined(participant, role);
    }
    this.broadcastPresence();
  }

  /** A client left: when it was the person's last, everyone hears they left. */
  departed(attachment: Attachment): void {
    if (!this.running()) return;
    if (!this.isPresent(attachment.participant.id)) {
      this.stream.broadcast({ type: 'notice', level: 'info', message: `${attachment.participant.name} left.` });
      this.events.left(attachment.participant);
    }
    this.broadcastPresence();
  }

  /** Owner (or admin) only: hand the keyboard to someone, or take it back. */
  setRole(by: Attachment, participantId: string, role: ParticipantRole): void {
    if (!by.participant.canManage) {
      by.violations.viewerControl++;
      by.channel.sendControl({ type: 'error', code: ErrorCode.Forbidden, message: 'Only the session owner can hand the keyboard over.' });
      return;
    }
    if (!this.running()) return;
    const who = [...this.stream.clients].find((a) => a.participant.id === participantId)?.participant;
    const known = who ?? (participantId === this.owner.id ? { ...this.owner } : undefined);
    if (!known || this.roleOf(participantId) === role) return;
    this.roles.set(participantId, role);
    this.stream.broadcast({ type: 'notice', level: 'info', message: role === 'driver' ? `${known.name} can type now.` : `${known.name} is watching now (read-only).` });
    this.broadcastPresence();
    this.events.roleChanged({ id: participantId, name: known.name }, role, by.participant);
  }

  /** A viewer typed: dropped and counted; told once; after too many, disconnected with 1008. */
  viewerTyped(attachment: Attachment): void {
    attachment.violations.viewerInput++;
    const count = attachment.violations.viewerInput;
    if (!this.warned.has(attachment)) {
      this.warned.add(attachment);
      attachment.channel.sendControl({ type: 'notice', level: 'warning', message: 'You are watching: what you type is not sent. Ask the owner for the keyboard.' });
      this.events.viewerInputDropped(attachment.participant, count);
    }
    if (count >= VIEWER_INPUT_LIMIT) {
      this.events.viewerInputDropped(attachment.participant, count);
      attachment.close(CloseCode.PolicyViolation, 'viewers cannot type');
    }
  }
}
