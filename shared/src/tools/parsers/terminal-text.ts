/**
 * Runs write to a pseudo-terminal, so their output arrives with CRLF line ends, maybe colour
 * codes, and carriage-return progress lines. Parsers read plain lines; this makes them.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST) and two-character escapes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

export function plainText(output: string): string {
  return output
    .replace(ANSI, '')
    .split('\n')
    .map((line) => {
      // HTTP headers through a pty end in CR CR LF.
      const trimmed = line.replace(/\r+$/, '');
      // A bare CR rewrites the line: what follows the last one is what a terminal shows.
      const cr = trimmed.lastIndexOf('\r');
      return cr >= 0 ? trimmed.slice(cr + 1) : trimmed;
    })
    .join('\n');
}

export function plainLines(output: string): string[] {
  return plainText(output).split('\n');
}

/** A decimal number from tool output, or undefined when the text is not one. */
export function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+(?:\.\d*)?$/.test(text)) return undefined;
  return Number(text);
}
