/**
 * Words and choices for the "changes left behind" warning, kept out of the components so they
 * are tested without a DOM.
 */
import type { NetstateChange, NetstateRevert, NetstateSectionChange } from '@sonde/shared';

/** `iptables +1 −0 · tc +1 −1`: which parts changed, by lines added and removed. */
export function sectionSummary(sections: readonly NetstateSectionChange[]): string {
  return sections.map((s) => `${s.section} +${s.added} −${s.removed}`).join(' · ');
}

/** Host changes stay in the overview for this long: they cannot be reverted from here, only read. */
export const HOST_CHANGE_VISIBLE_MS = 24 * 60 * 60 * 1000;

export interface OutstandingFilter {
  /** Only this container's changes (its page). */
  containerId?: string;
  /** Containers that still exist: a removed container took its namespace, and the change, with it. */
  existingContainerIds?: ReadonlySet<string>;
  /** Shown whatever their state (reverted here a moment ago: the result stays on screen). */
  keep?: ReadonlySet<string>;
  now: number;
}

/** The changes worth a warning: not reverted (or reverted without matching), in a namespace that still exists. */
export function outstandingChanges(changes: readonly NetstateChange[], filter: OutstandingFilter): NetstateChange[] {
  return changes.filter((change) => {
    if (filter.keep?.has(change.id)) return true;
    if (change.reverted?.matches) return false;
    const target = change.target;
    if (filter.containerId !== undefined) return target.kind === 'container' && target.containerId === filter.containerId;
    if (target.kind === 'container') return !filter.existingContainerIds || filter.existingContainerIds.has(target.containerId);
    return filter.now - Date.parse(change.detectedAt) < HOST_CHANGE_VISIBLE_MS;
  });
}

export interface RevertOutcome {
  tone: 'ok' | 'warn';
  text: string;
}

export function revertOutcome(revert: NetstateRevert): RevertOutcome {
  if (revert.matches) return { tone: 'ok', text: `Reverted by ${revert.by.name}: the namespace matches the snapshot again.` };
  return { tone: 'warn', text: `Partly reverted by ${revert.by.name}; still different: ${sectionSummary(revert.remaining)}.` };
}

/** How a diff line is shown: added, removed, context or a gap. */
export function diffLineKind(line: string): 'added' | 'removed' | 'gap' | 'same' {
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  if (line.startsWith('@@')) return 'gap';
  return 'same';
}
