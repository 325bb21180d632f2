import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchOptions } from './terminal-binding';

interface TerminalSearchProps {
  onFindNext(query: string, options: SearchOptions): boolean;
  onFindPrevious(query: string, options: SearchOptions): boolean;
  onClose(): void;
}

/** The find box over a terminal: Enter = next, Shift+Enter = previous, Escape = close. */
export function TerminalSearch({ onFindNext, onFindPrevious, onClose }: TerminalSearchProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [found, setFound] = useState<boolean | null>(null);

  useEffect(() => {
    inputRef.current?.focus();
    inputRef.current?.select();
  }, []);

  const find = (direction: 'next' | 'previous', text = query, sensitive = caseSensitive, incremental = false) => {
    if (!text) {
      setFound(null);
      return;
    }
    const options = { caseSensitive: sensitive, incremental };
    setFound(direction === 'next' ? onFindNext(text, options) : onFindPrevious(text, options));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      find(event.shiftKey ? 'previous' : 'next');
    }
  };

  return (
    <div className="terminal-search" role="search" data-testid="terminal-search">
      <input
        ref={inputRef}
        type="search"
        className="terminal-search-input"
        placeholder="Find in terminal"
        aria-label="Find in terminal"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          find('next', event.target.value, caseSensitive, true);
        }}
        onKeyDown={onKeyDown}
      />
      <span className="terminal-search-status" aria-live="polite">
        {found === false ? 'No matches' : ''}
      </span>
      <button
        type="button"
        className={`icon-button${caseSensitive ? ' is-on' : ''}`}
        aria-pressed={caseSensitive}
        title="Match case"
        onClick={() => {
          setCaseSensitive(!caseSensitive);
          find('next', query, !caseSensitive);
        }}
      >
        Aa
      </button>
      <button type="button" className="icon-button" title="Previous match (Shift+Enter)" aria-label="Previous match" onClick={() => find('previous')}>
        ↑
      </button>
      <button type="button" className="icon-button" title="Next match (Enter)" aria-label="Next match" onClick={() => find('next')}>
        ↓
      </button>
      <button type="button" className="icon-button" title="Close (Escape)" aria-label="Close find" onClick={onClose}>
        ✕
      </button>
    </div>
  );
}
