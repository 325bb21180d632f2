export interface BannerMessage {
  id: number;
  title: string;
  message: string;
  code?: string;
}

interface ErrorBannerProps {
  messages: readonly BannerMessage[];
  onDismiss(id: number): void;
}

/** Errors the user must see (a failed action), newest last, each dismissible. */
export function ErrorBanner({ messages, onDismiss }: ErrorBannerProps) {
  if (messages.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {messages.map((entry) => (
        <div className="error-banner-item" key={entry.id}>
          <span className="error-banner-title">{entry.title}</span>
          <span className="error-banner-message">{entry.message}</span>
          {entry.code && <code className="error-banner-code">{entry.code}</code>}
          <button
            type="button"
            className="icon-button error-banner-dismiss"
            aria-label="Dismiss"
            title="Dismiss"
            onClick={() => onDismiss(entry.id)}
          >
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
