#!/usr/bin/env node
/**
 * `sonde`: the console from a terminal or a script, through @sonde/client. Each command is a
 * module with its own --help; this file dispatches and turns every failure into one line on
 * stderr and a documented exit code (cli-error.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SondeClient } from '../sonde-client.js';
import { captureCommand } from './capture-command.js';
import { readConfig } from './cli-config.js';
import { describeFailure, ExitCode, usage } from './cli-error.js';
import { loginCommand } from './login-command.js';
import { lsCommand } from './ls-command.js';
import { runCommand } from './run-command.js';
import { shareCommand } from './share-command.js';
import { shellCommand } from './shell-command.js';

export const HELP = `usage: sonde <command> [options]      (sonde <command> --help for each)

commands:
  login <url>                     log in; stores the URL and a token (0600)
  ls [containers|networks|engines|sessions|tools]
  shell <container>|--network N|--host    a shell in a toolbox on the target
  run <tool> --target C [--param k=v]     run a tool, print its result card
  capture <target> [-i IF] [-f FILTER] [-c N] > x.pcap
  share <session> [--role viewer] [--expires 1h]
  user create|list|disable|passwd ...     manage users in the console's database
                                          (on the console's machine or container)

The console and token come from \`sonde login\`, or SONDE_URL and SONDE_TOKEN.

exit codes:
  0    success (run: the tool's verdict is ok)
  1    the console refused the request, or the tool's verdict is not ok
  2    usage: unknown command, missing or bad argument
  3    not logged in, token refused (401), or not allowed (403)
  4    not found (container, network, session, tool: 404)
  5    the console could not be reached
  125  shell: the session ended without an exit status
  shell otherwise exits with the remote shell's status`;

/** `connect` reads the login: called after the arguments are checked, so usage errors come first. */
type ClientCommand = (connect: () => SondeClient, args: string[]) => Promise<number>;

const CLIENT_COMMANDS: Record<string, ClientCommand> = {
  ls: lsCommand,
  shell: shellCommand,
  run: runCommand,
  capture: captureCommand,
  share: shareCommand,
};

/** The user bootstrap writes the console's database directly, so it runs the server's own code. */
function userCommand(args: string[]): number {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../server/dist/cli/sonde-user.js');
  if (!existsSync(script)) {
    throw usage('sonde user works where the console is installed (it edits its database): run it there, e.g. `docker compose exec sonde sonde user create alice`.');
  }
  const result = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  return result.status ?? ExitCode.Failed;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (command === 'login') return loginCommand(args);
  if (command === 'user') return userCommand(args);
  const run = CLIENT_COMMANDS[command];
  if (!run) throw usage(`sonde: unknown command "${command}" (see \`sonde --help\`).`);
  return run(() => {
    const config = readConfig();
    return new SondeClient({ baseUrl: config.url, token: config.token });
  }, args);
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    const { line, exitCode } = describeFailure(error);
    process.stderr.write(`${line.startsWith('sonde') ? '' : 'sonde: '}${line}\n`);
    exit(exitCode);
  },
);

/** Exits once stdout has drained (a pipe may still hold the end of a pcap or a table). */
function exit(code: number): void {
  if (process.stdout.writableLength === 0) process.exit(code);
  process.stdout.once('drain', () => process.exit(code));
}
