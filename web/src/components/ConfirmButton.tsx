import { useState } from 'react';

interface ConfirmButtonProps {
  label: string;
  /** What to ask first; null acts at once (nothing to confirm). */
  question: string | null;
  confirmLabel: string;
  onConfirm(): void;
  busy?: boolean;
  className?: string;
  title?: string;
  testId?: string;
}

/**
 * A destructive action that asks in place (no modal) when `question` says there is a reason to:
 * the question, then the confirming button and Cancel.
 */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, busy, className = 'button button-secondary button-small', title, testId }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  if (asking && question) {
    return (
      <span className="confirm-inline" role="alertdialog" aria-label={question} data-testid={testId ? `${testId}-confirm` : undefined}>
        <span className="confirm-question">{question}</span>
        <button
          type="button"
          className="button button-danger button-small"
          data-testid={testId ? `${testId}-yes` : undefined}
          disabled={busy}
          onClick={() => {
            setAsking(false);
            onConfirm();
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" className="button button-secondary button-small" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <button type="button" className={className} disabled={busy} title={title} data-testid={testId} onClick={() => (question ? setAsking(true) : onConfirm())}>
      {label}
    </button>
  );
}
