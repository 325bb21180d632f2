/**
 * Lines Sonde itself prints into a terminal (exit, reconnect, resync). They are dim so they read
 * as annotations, and any text that came from the server is stripped of control characters so a
 * crafted exit reason cannot inject escape sequences.
 */

// C0 controls, DEL and C1 controls (C1 includes the 8-bit CSI/OSC introducers).
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

export function terminalNotice(text: string): string {
  const clean = text.replace(CONTROL_CHARACTERS, ' ');
  return `\r\n\x1b[2m[sonde] ${clean}\x1b[0m\r\n`;
}

export const RESYNC_NOTICE = terminalNotice('output was too large to replay; showing recent output');
