/**
 * A terminal session attached to Node streams (a CLI's stdin and stdout): the same
 * TtyConnection the browser uses (docs/protocol.md: acks, resize, reconnect with ?offset=),
 * over the `ws` package, which can send the bearer token on the upgrade.
 */
import type { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import type { SondeClient } from '../sonde-client.js';
import { TtyConnection, type TtySocket, type TtyState } from '../terminal/tty-connection.js';

export interface AttachTerminalOptions {
  /**
   * Keystrokes; its end (a script's stdin running out) ends an unfinished last line and types
   * Ctrl-D, again each second until the terminal ends, so the shell exits.
   */
  input: Readable;
  /** Shell output. A write's callback is the acknowledgement: a slow reader slows the shell. */
  output: Writable;
  /**
   * Subscribes to size changes and answers the current size, or null when there is none
   * (output not a terminal). The returned function unsubscribes.
   */
  onResize?: (resize: (cols: number, rows: number) => void) => () => void;
  /** Server notices and reconnect messages, one line each (control characters removed). */
  onNotice?: (line: string) => void;
  /** Runs are read-only: send no input. */
  readOnly?: boolean;
}

/** How an attached terminal ended. */
export type TerminalEnd =
  /** The shell (or tool) exited; `code` is its status, -1 when it was ended from outside. */
  | { kind: 'exited'; code: number; reason?: string }
  /** The server closed it for good (not found, access revoked, refused). */
  | { kind: 'closed'; reason: string; code?: string };

const CTRL_D = new Uint8Array([4]);
const NEWLINE = new Uint8Array([10]);
/**
 * How often the end of input is typed again until the shell is gone. A Ctrl-D that reaches the
 * remote TTY while it is in canonical mode (the shell not started yet, or running a command) is
 * queued as an end-of-file mark, which the line discipline turns into a NUL byte once readline
 * switches the TTY to raw mode: bash never sees it and the session never ends. Typed again, it
 * lands at a prompt.
 *
 * Why repeating cannot harm: input has ended, so nothing the user typed can follow it; once the
 * shell exits the connection is exited and disposed (sendBytes sends nothing) and the timer is
 * cleared. A program the script left reading the terminal (cat, a REPL) gets end-of-file too and
 * ends, then the shell gets the next one: the same as `sh < script`, where every read after the
 * end of a pipe is end-of-file. The repeat types only while the connection is open, so a
 * reconnect does not queue a burst of them.
 */
const EOF_REPEAT_MS = 1000;

/** Strips control characters from server text before it reaches the user's terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}

/** A `ws` socket that authenticates with the client's token and speaks the browser's socket API. */
export function nodeSocketFactory(client: SondeClient): (url: string) => TtySocket {
  // ws implements the browser's onopen/onmessage/onclose/binaryType surface (text frames arrive
  // as strings, binary ones as ArrayBuffer with binaryType 'arraybuffer'); its types differ.
  return (url) => new WebSocket(url, { headers: client.upgradeHeaders() }) as unknown as TtySocket;
}

/**
 * Attaches `input`/`output` to a session's (or run's) terminal until it ends. Resolves with how
 * it ended; never rejects for remote reasons.
 */
export function attachTerminal(client: SondeClient, ttyPath: string, options: AttachTerminalOptions): Promise<TerminalEnd> {
  const { input, output } = options;
  const notice = options.onNotice ?? (() => undefined);
  const connection = new TtyConnection({
    url: client.webSocketUrl(ttyPath),
    createSocket: nodeSocketFactory(client),
    onOutput(bytes, processed) {
      output.write(bytes, () => processed());
    },
  });
  return new Promise<TerminalEnd>((resolve) => {
    const teardown: Array<() => void> = [];
    const finish = (end: TerminalEnd) => {
      for (const undo of teardown.splice(0).reverse()) undo();
      connection.dispose();
      // Resolve once what was written reached the stream, so a caller's exit loses nothing.
      output.write('', () => resolve(end));
    };
    teardown.push(connection.events.on('state', (state: TtyState) => {
      switch (state.kind) {
        case 'exited':
          finish(state.reason === undefined ? { kind: 'exited', code: state.code } : { kind: 'exited', code: state.code, reason: state.reason });
          return;
        case 'closed':
          finish({ kind: 'closed', reason: state.reason });
          return;
        case 'error':
          finish({ kind: 'closed', reason: state.message, code: state.code });
          return;
        case 'reconnecting':
          notice(`connection lost (${printable(state.reason)}); reconnecting in ${Math.round(state.delayMs)} ms`);
          return;
        case 'open':
          if (state.resumed) notice('reconnected');
          return;
        case 'connecting':
          return;
        default: {
          const unexpected: never = state;
          return unexpected;
        }
      }
    }).dispose);
    teardown.push(connection.events.on('notice', (message) => notice(printable(message.message))).dispose);
    teardown.push(connection.events.on('resynced', () => notice('some output was skipped (too far behind)')).dispose);

    if (options.onResize) {
      const unsubscribe = options.onResize((cols, rows) => connection.resize(cols, rows));
      teardown.push(unsubscribe);
    }
    if (!options.readOnly) {
      let lastByte: number | undefined;
      let typingEof: NodeJS.Timeout | undefined;
      const onData = (chunk: Buffer | string) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (bytes.length > 0) lastByte = bytes[bytes.length - 1];
        connection.sendBytes(new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as Uint8Array<ArrayBuffer>);
      };
      const onEnd = () => {
        // A script's last line runs without its newline too (as `sh < script` does); on a
        // non-empty line readline takes Ctrl-D for delete-char, not for the end.
        if (lastByte !== undefined && lastByte !== 10 && lastByte !== 13) connection.sendBytes(NEWLINE);
        connection.sendBytes(CTRL_D);
        typingEof = setInterval(() => {
          if (connection.state.kind === 'open') connection.sendBytes(CTRL_D);
        }, EOF_REPEAT_MS);
      };
      input.on('data', onData);
      input.on('end', onEnd);
      teardown.push(() => {
        clearInterval(typingEof);
        input.off('data', onData);
        input.off('end', onEnd);
        input.pause();
      });
    }
    connection.connect();
  });
}
