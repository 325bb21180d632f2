import { useRef, useState } from 'react';

interface CopyFieldProps {
  value: string;
  label: string;
  testId: string;
  copyTestId?: string;
}

/**
 * A read-only field with a Copy button, for secrets shown once (share URLs, API tokens). The
 * clipboard API needs a secure context; over plain HTTP the selected text is copied the old way.
 */
export function CopyField({ value, label, testId, copyTestId }: CopyFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  const copy = () => {
    input.current?.select();
    const done = (ok: boolean) => setCopied(ok ? 'yes' : 'failed');
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(
        () => done(true),
        () => done(document.execCommand('copy')),
      );
    } else {
      done(document.execCommand('copy'));
    }
  };

  return (
    <div className="copy-field">
      <input
        ref={input}
        type="text"
        readOnly
        className="mono"
        aria-label={label}
        data-testid={testId}
        value={value}
        spellCheck={false}
        onFocus={(event) => event.target.select()}
      />
      <button type="button" className="button button-secondary" data-testid={copyTestId} onClick={copy}>
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {copied === 'failed' && <span className="muted">Select the text and copy it by hand.</span>}
    </div>
  );
}
