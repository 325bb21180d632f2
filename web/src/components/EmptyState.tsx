import type { ReactNode } from 'react';

/** A centred message for pages with nothing (yet) to show. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      {children && <div className="empty-state-body">{children}</div>}
    </div>
  );
}
