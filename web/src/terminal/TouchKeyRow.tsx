import { useEffect, useState, type ReactNode } from 'react';
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
 * One key of the row. It does not take focus on press (preventDefault on pointerdown), so the
 * on-screen keyboard stays up and the terminal keeps focus.
 */
function TouchKeyButton({ name, title, pressed, onPress, children }: { name: string; title: string; pressed?: boolean; onPress(): void; children: ReactNode }) {
  return (
    <button
      type="button"
      className="touch-key"
      data-testid="touch-key"
      data-key={name}
      title={title}
      aria-label={title}
      aria-pressed={pressed}
      onPointerDown={(event) => event.preventDefault()}
      onClick={onPress}
    >
      {children}
    </button>
  );
}

/** The keys a phone keyboard lacks, under the terminal: a Ctrl latch, then TOUCH_KEYS. */
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
      <TouchKeyButton name="ctrl" title="Ctrl for the next key" pressed={ctrl} onPress={toggleCtrl}>
        Ctrl
      </TouchKeyButton>
      {TOUCH_KEYS.map(({ key, label, title }) => (
        <TouchKeyButton
          key={key}
          name={key}
          title={title}
          onPress={() => {
            binding.pressKey(key);
            binding.focus();
          }}
        >
          {label}
        </TouchKeyButton>
      ))}
    </div>
  );
}
