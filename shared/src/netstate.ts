import Type, { type Static } from 'typebox';
import { ResolvedTarget } from './sessions.js';

/**
 * Wire shapes of /api/netstate (docs/api.md, "Changes left behind"): firewall and traffic
 * control changes a session left in a target's network namespace, which outlives the toolbox.
 */

/** What a snapshot covers; each is one command's output in the target's namespace. */
export const NETSTATE_SECTIONS = ['iptables', 'ip6tables', 'iptables-legacy', 'ip6tables-legacy', 'nft', 'tc'] as const;
export const NetstateSection = Type.Enum(NETSTATE_SECTIONS);
export type NetstateSection = (typeof NETSTATE_SECTIONS)[number];

/** One section that differs, by lines of its normalised form. */
export const NetstateSectionChange = Type.Object({
  section: NetstateSection,
  added: Type.Integer({ minimum: 0 }),
  removed: Type.Integer({ minimum: 0 }),
});
export type NetstateSectionChange = Static<typeof NetstateSectionChange>;

/** One command a revert ran in the target's namespace (its input was the snapshot, on stdin). */
export const NetstateRevertStep = Type.Object({
  section: NetstateSection,
  /** For people: the command and what it was fed, e.g. `iptables-restore < snapshot`. */
  command: Type.String(),
  ok: Type.Boolean(),
  /** What the command printed (trimmed), usually empty on success. */
  output: Type.String(),
});
export type NetstateRevertStep = Static<typeof NetstateRevertStep>;

export const NetstateRevert = Type.Object({
  at: Type.String(),
  by: Type.Object({ id: Type.String(), name: Type.String() }),
  /** A fresh snapshot taken after the revert equals the session's starting snapshot. */
  matches: Type.Boolean(),
  /** Sections that still differ after the revert (empty when `matches`). */
  remaining: Type.Array(NetstateSectionChange),
  steps: Type.Array(NetstateRevertStep),
  /** Parts Sonde could not express as commands (e.g. tc classes and filters), in words. */
  notes: Type.Array(Type.String()),
});
export type NetstateRevert = Static<typeof NetstateRevert>;

export const NetstateChange = Type.Object({
  id: Type.String(),
  /** The session that was open when the change happened (the one that ended with it). */
  sessionId: Type.String(),
  target: ResolvedTarget,
  /** `container web-1`, `host`. */
  targetLabel: Type.String(),
  sessionStartedAt: Type.String(),
  detectedAt: Type.String(),
  sessionOwner: Type.Object({ id: Type.String(), name: Type.String() }),
  /** Other sessions on the same target that were open at the same time (they may have made the change). */
  concurrentSessions: Type.Array(Type.String()),
  sections: Type.Array(NetstateSectionChange),
  /** Whether POST /api/netstate/:id/revert is offered; the host's namespace never is. */
  revertible: Type.Boolean(),
  /** The latest revert, when one was attempted. */
  reverted: Type.Optional(NetstateRevert),
});
export type NetstateChange = Static<typeof NetstateChange>;
export const NetstateChangeList = Type.Array(NetstateChange);
export type NetstateChangeList = Static<typeof NetstateChangeList>;

export const NetstateSectionDetail = Type.Object({
  section: NetstateSection,
  added: Type.Integer({ minimum: 0 }),
  removed: Type.Integer({ minimum: 0 }),
  /** The command output when the session started and when it ended, as printed. */
  before: Type.String(),
  after: Type.String(),
  /**
   * The difference of the normalised outputs (comments, counters and timestamps removed), one
   * line each, starting with `+ ` (added), `- ` (removed), `  ` (context) or `@@` (a gap).
   */
  diff: Type.String(),
});
export type NetstateSectionDetail = Static<typeof NetstateSectionDetail>;

export const NetstateChangeDetail = Type.Object({
  change: NetstateChange,
  sections: Type.Array(NetstateSectionDetail),
});
export type NetstateChangeDetail = Static<typeof NetstateChangeDetail>;

export const NetstateParams = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
export type NetstateParams = Static<typeof NetstateParams>;

/**
 * What an open session has changed so far in its target's namespace (its starting snapshot
 * against one taken now): `POST /api/sessions/:id/netstate-check`, and the `netstate-pending`
 * event. Empty `sections`: nothing differs (any more). Not stored: the record is made when the
 * session ends.
 */
export const NetstatePending = Type.Object({
  sessionId: Type.String(),
  checkedAt: Type.String(),
  sections: Type.Array(
    Type.Object({
      section: NetstateSection,
      added: Type.Integer({ minimum: 0 }),
      removed: Type.Integer({ minimum: 0 }),
      /** As NetstateSectionDetail.diff. */
      diff: Type.String(),
    }),
  ),
});
export type NetstatePending = Static<typeof NetstatePending>;
