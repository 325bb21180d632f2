import type { ReactNode } from 'react';

interface ActionButtonProps {
  children: ReactNode;
  onClick(): void;
  /** When set the button is disabled and the reason is shown beside it (and as a tooltip). */
  blockedReason?: string | null;
  busy?: boolean;
  variant?: 'primary' | 'secondary';
  testId?: string;
}

/** A button that says why it is disabled instead of just greying out. */
export function ActionButton({ children, onClick, blockedReason, busy, variant = 'primary', testId }: ActionButtonProps) {
  const disabled = Boolean(blockedReason) || Boolean(busy);
  return (
    <div className="action">
      <button
        type="button"
        className={`button button-${variant}`}
        disabled={disabled}
        aria-busy={busy || undefined}
        title={blockedReason ?? undefined}
        data-testid={testId}
        onClick={onClick}
      >
        {children}
      </button>
      {blockedReason && <span className="action-reason">{blockedReason}</span>}
    </div>
  );
}
