import { useEffect, useRef, useState } from 'react';
import { isTypingTarget, shortcutFor, SHORTCUTS, TERMINAL_ESCAPE, type ShortcutAction } from './shortcuts';

/** The first element of `selectors` that is shown (offsetParent: not inside a hidden tab or a closed drawer). */
function visible(selectors: string): HTMLElement | undefined {
  return [...document.querySelectorAll<HTMLElement>(selectors)].find((element) => element.offsetParent !== null);
}

/**
 * Acts on what is on screen, as a click would: the shortcuts need no state of their own, and
 * one does nothing where its button is not offered (no "n" for a viewer, no "w" on a page).
 */
function perform(action: ShortcutAction, showHelp: () => void): boolean {
  switch (action) {
    case 'filter': {
      const toggle = visible('[data-testid="menu-toggle"]');
      if (toggle && toggle.getAttribute('aria-expanded') !== 'true') toggle.click();
      const filter = document.querySelector<HTMLInputElement>('[data-testid="filter"]');
      filter?.focus();
      filter?.select();
      return Boolean(filter);
    }
    case 'new-shell': {
      const button = visible('[data-testid="session-another"], [data-testid="shell-net"]');
      if (!button || (button instanceof HTMLButtonElement && button.disabled)) return false;
      button.click();
      return true;
    }
    case 'next-tab':
    case 'previous-tab': {
      const tabs = [...document.querySelectorAll<HTMLAnchorElement>('.tab-strip a.tab, .tab-strip a.tab-link')];
      if (tabs.length < 2) return false;
      const current = tabs.findIndex((tab) => tab.getAttribute('aria-current') === 'page');
      const step = action === 'next-tab' ? 1 : -1;
      tabs[(current + step + tabs.length) % tabs.length]?.click();
      return true;
    }
    case 'close-tab': {
      const close = document.querySelector<HTMLButtonElement>('.tab-strip .tab.is-active .tab-close');
      if (!close || close.disabled) return false;
      close.click();
      return true;
    }
    case 'help':
      showHelp();
      return true;
    default: {
      const unexpected: never = action;
      return unexpected;
    }
  }
}

/** Listens for the app-wide shortcuts (app/shortcuts.ts) and shows the `?` overlay. */
export function ShortcutsHost() {
  const [open, setOpen] = useState(false);
  const dialogRef = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.repeat || isTypingTarget(event.target)) return;
      if (document.querySelector('dialog[open]:not(.shortcuts-dialog)')) return;
      const action = shortcutFor(event);
      if (action && perform(action, () => setOpen(true))) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={dialogRef} className="dialog shortcuts-dialog" data-testid="shortcuts-overlay" aria-labelledby="shortcuts-title" onClose={() => setOpen(false)}>
      <div className="dialog-header">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={() => setOpen(false)}>
          ✕
        </button>
      </div>
      <table className="data-table shortcuts-table">
        <tbody>
          {SHORTCUTS.map((shortcut) => (
            <tr key={shortcut.action} data-testid="shortcut-row" data-action={shortcut.action}>
              <td>
                <kbd>{shortcut.keys}</kbd>
              </td>
              <td>{shortcut.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Off while you type in a terminal or a field, so they never reach a shell. In a terminal, <kbd>{TERMINAL_ESCAPE}</kbd> leaves it;
        the shortcuts then work. Also in a terminal: <kbd>Ctrl+Shift+F</kbd> find, <kbd>Ctrl+Shift+C</kbd> / <kbd>Ctrl+Shift+V</kbd> copy and paste.
      </p>
    </dialog>
  );
}
