/**
 * App-wide keyboard shortcuts. Single keys, so they never fight a shell's Ctrl/Alt chords: they
 * are off while focus is in the terminal or a text field. From a terminal, Ctrl+Shift+K (the
 * documented escape, terminal-binding.ts) moves focus out to the tab strip, where they work.
 */
export type ShortcutAction = 'filter' | 'new-shell' | 'next-tab' | 'previous-tab' | 'close-tab' | 'help';

export const SHORTCUTS: readonly { keys: string; action: ShortcutAction; description: string }[] = [
  { keys: '/', action: 'filter', description: 'Filter containers and networks' },
  { keys: 'n', action: 'new-shell', description: 'New shell on the current target (container page or terminal tab)' },
  { keys: ']', action: 'next-tab', description: 'Next tab' },
  { keys: '[', action: 'previous-tab', description: 'Previous tab' },
  { keys: 'w', action: 'close-tab', description: 'Close the current terminal tab' },
  { keys: '?', action: 'help', description: 'Show these shortcuts' },
];

/** Ctrl+Shift+K inside a terminal: leave it, so the shortcuts above apply. */
export const TERMINAL_ESCAPE = 'Ctrl+Shift+K';

export function shortcutFor(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  return SHORTCUTS.find((shortcut) => shortcut.keys === event.key)?.action ?? null;
}

/** Typing in a terminal, a field, or an editable element: a key there is text, not a shortcut. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest('.xterm')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(target.type);
  return target instanceof HTMLElement && target.isContentEditable;
}
