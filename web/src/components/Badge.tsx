import type { ReactNode } from 'react';

export type Tone = 'ok' | 'warn' | 'danger' | 'muted' | 'info';

interface BadgeProps {
  tone: Tone;
  children: ReactNode;
  title?: string;
}

/** A compact state label (container state, session state, driver). */
export function Badge({ tone, children, title }: BadgeProps) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A coloured dot for dense lists where a full badge would not fit. */
export function StatusDot({ tone, label }: { tone: Tone; label: string }) {
  return <span className={`status-dot status-dot-${tone}`} role="img" aria-label={label} title={label} />;
}
