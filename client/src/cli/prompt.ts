/** Reading a secret or an answer from the user, or one line from a script's stdin. */
import { createInterface } from 'node:readline';

/** The first line of stdin (a token or password piped in by a script). */
export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0]?.trim() ?? '';
}

/** Asks on stderr (stdout may be a pipe); `hidden` echoes nothing (a password, a token). */
export function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
  if (hidden) {
    // readline echoes through _writeToOutput; replacing it is the documented-by-usage way to mute it.
    const muted = rl as unknown as { _writeToOutput: (text: string) => void };
    let asked = false;
    muted._writeToOutput = (text: string) => {
      if (!asked) {
        asked = true;
        process.stderr.write(text);
      }
    };
  }
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer.trim());
    });
  });
}
