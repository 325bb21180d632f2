/**
 * The on-screen key row of a touch device: the keys a phone keyboard lacks, as the bytes a real
 * keyboard would send (xterm's own encoding), so they go through the terminal's input path.
 */
export type TouchKey = 'esc' | 'tab' | 'up' | 'down' | 'left' | 'right' | 'ctrl-c';

export const TOUCH_KEYS: readonly { key: TouchKey; label: string; title: string }[] = [
  { key: 'esc', label: 'Esc', title: 'Escape' },
  { key: 'tab', label: 'Tab', title: 'Tab (completion)' },
  { key: 'left', label: '←', title: 'Left arrow' },
  { key: 'up', label: '↑', title: 'Up arrow (history)' },
  { key: 'down', label: '↓', title: 'Down arrow' },
  { key: 'right', label: '→', title: 'Right arrow' },
  { key: 'ctrl-c', label: 'Ctrl-C', title: 'Interrupt (Ctrl+C)' },
];

const ARROW_FINAL: Record<'up' | 'down' | 'right' | 'left', string> = { up: 'A', down: 'B', right: 'C', left: 'D' };

/** `applicationCursor`: DECCKM is on (less, vim), where arrows are sent as SS3, not CSI. */
export function touchKeyBytes(key: TouchKey, applicationCursor: boolean): string {
  switch (key) {
    case 'esc':
      return '\u001b';
    case 'tab':
      return '\t';
    case 'ctrl-c':
      return '\u0003';
    default:
      return `\u001b${applicationCursor ? 'O' : '['}${ARROW_FINAL[key]}`;
  }
}

/**
 * With the Ctrl latch on, the next typed character becomes its control code (Ctrl+A → 0x01,
 * Ctrl+[ → ESC, Ctrl+? → DEL), as a keyboard's Ctrl would; anything else passes unchanged.
 */
export function withControl(data: string): string {
  if (data.length !== 1) return data;
  if (data === '?') return '\u007f';
  const code = data.toUpperCase().charCodeAt(0);
  // '@' (0x40) to '_' (0x5f): A-Z and @ [ \ ] ^ _.
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code & 0x1f);
  if (data === ' ') return '\u0000';
  return data;
}
