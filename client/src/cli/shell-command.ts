/**
 * `sonde shell`: a session's shell on this terminal. On a TTY the terminal goes raw (Ctrl-C and
 * every other key go to the remote shell) and follows window resizes; with stdin not a TTY the
 * input is a script, whose end ends the shell. Exits with the remote shell's status.
 */
import { parseArgs } from 'node:util';
import type { SondeClient } from '../sonde-client.js';
import { attachTerminal } from '../node/attach-terminal.js';
import { ExitCode, usage } from './cli-error.js';
import { TARGET_HELP, TARGET_OPTIONS, targetFrom } from './target-options.js';

export const SHELL_HELP = `usage: sonde shell <container> | --network N | --host | --pod NS/POD | --node N [--engine E] [--pid]

Opens a shell in a toolbox joined to the target and attaches this terminal to it. Exits
with the remote shell's exit status (125 when the session ended without one).
With standard input not a terminal, its lines are typed into the shell and its end
ends the shell:   echo 'dig +short web' | sonde shell web

${TARGET_HELP}`;

export async function shellCommand(connect: () => SondeClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...TARGET_OPTIONS, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${SHELL_HELP}\n`);
    return ExitCode.Ok;
  }
  if (positionals.length > 1) throw usage('sonde shell: one target only.');
  const target = targetFrom('shell', positionals[0], values);
  const client = connect();
  const session = await client.createSession(target);

  const stdin = process.stdin;
  const stdout = process.stdout;
  const raw = stdin.isTTY === true;
  const restore = () => {
    if (raw && stdin.isTTY) stdin.setRawMode(false);
  };
  // Every way out restores the terminal: normal end, an exception, or a signal from outside.
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    void client.endSession(session.id).catch(() => undefined).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('exit', restore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  // Without a TTY, Ctrl-C is a signal to us; in raw mode it is a byte for the remote shell.
  if (!raw) process.once('SIGINT', onSignal);
  if (raw) stdin.setRawMode(true);
  try {
    const end = await attachTerminal(client, session.ttyPath, {
      input: stdin,
      output: stdout,
      onResize: stdout.isTTY
        ? (resize) => {
            const apply = () => resize(stdout.columns, stdout.rows);
            apply();
            stdout.on('resize', apply);
            return () => stdout.off('resize', apply);
          }
        : undefined,
      onNotice: (line) => process.stderr.write(`${raw ? '\r\n' : ''}[sonde] ${line}${raw ? '\r\n' : '\n'}`),
    });
    restore();
    if (end.kind === 'exited' && end.code >= 0) return end.code & 0xff;
    process.stderr.write(`sonde shell: ${end.kind === 'exited' ? (end.reason ?? 'the session was ended') : end.reason}\n`);
    return ExitCode.NoExitStatus;
  } finally {
    restore();
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('SIGINT', onSignal);
  }
}
