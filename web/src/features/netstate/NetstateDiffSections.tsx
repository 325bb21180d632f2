import type { NetstateSectionChange } from '@sonde/shared';
import { diffLineKind } from './netstate-labels';

/**
 * Each changed section (iptables, nft, tc…) with its counts and its diff lines coloured by
 * kind: the same view for an open session's changes so far and for a change left behind.
 */
export function NetstateDiffSections({ sections, testId }: { sections: readonly (NetstateSectionChange & { diff: string })[]; testId: string }) {
  return sections.map((section) => (
    <div key={section.section} className="netstate-section" data-testid={testId} data-section={section.section}>
      <h3 className="netstate-section-title mono">
        {section.section} <span className="muted">+{section.added} −{section.removed}</span>
      </h3>
      <pre className="netstate-diff-lines mono">
        {section.diff.split('\n').map((line, index) => (
          <span key={index} className={`netstate-line netstate-line-${diffLineKind(line)}`}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
    </div>
  ));
}
