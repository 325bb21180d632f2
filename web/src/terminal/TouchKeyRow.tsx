import { useEffect, useState } from 'react';
import type { TerminalBinding } from './terminal-binding';
import { TOUCH_KEYS } from './touch-keys';

const COARSE = '(pointer: coarse)';

/** True on a touch-first device (phone, tablet), following changes (a keyboard docked). */
export function useCoarsePointer(): boolean {
  const [coarse, setCoarse] = useState(() => window.matchMedia(COARSE).matches);
  useEffect(() => {
    const query = window.matchMedia(COARSE);
    const onChange = () => setCoarse(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return coarse;
}

/**
 * The keys a phone keyboard lacks, under the terminal. Buttons do not take focus on press
 * (preventDefault on pointerdown), so the on-screen keyboard stays up and the terminal keeps focus.
 */
export function TouchKeyRow({ binding }: { binding: TerminalBinding }) {
  const [ctrl, setCtrl] = useState(false);
  useEffect(() => () => binding.latchControl(false), [binding]);
  const toggleCtrl = () => {
    const next = !ctrl;
    setCtrl(next);
    binding.latchControl(next, () => setCtrl(false));
    binding.focus();
  };
  return (
    <div className="touch-keys" data-testid="touch-keys" role="toolbar" aria-label="Terminal keys">
      <button
        type="button"
        className="touch-key"
        data-testid="touch-key"
        data-key="ctrl"
        aria-pressed={ctrl}
        title="Ctrl for the next key"
        onPointerDown={(event) => event.preventDefault()}
        onClick={toggleCtrl}
      >
        Ctrl
      </button>
      {TOUCH_KEYS.map(({ key, label, title }) => (
        <button
          key={key}
          type="button"
          className="touch-key"
          data-testid="touch-key"
          data-key={key}
          title={title}
          aria-label={title}
          onPointerDown={(event) => event.preventDefault()}
          onClick={() => {
            binding.pressKey(key);
            binding.focus();
          }}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
