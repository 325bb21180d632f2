/**
 * What a paste may send to the shell. In bracketed paste mode the shell treats everything
 * between ESC[200~ and ESC[201~ as text, so the pasted text must not be able to close that
 * bracket itself: a clipboard holding `ESC[201~rm -rf ~\r` would otherwise run as if typed.
 */

// C0 controls except tab, line feed and carriage return (pasted line breaks stay text inside
// the bracket), DEL, and C1 controls (U+009B is an 8-bit CSI to programs that decode it).
const PASTE_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/**
 * The text to paste. With bracketed paste on, control characters are removed, ESC first among
 * them. Without it there is no bracket to escape and the paste is typed as is, as in any
 * terminal (the program asked for keystrokes).
 */
export function pasteText(text: string, bracketedPasteMode: boolean): string {
  return bracketedPasteMode ? text.replace(PASTE_CONTROLS, '') : text;
}
