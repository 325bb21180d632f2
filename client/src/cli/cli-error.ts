/**
 * What the CLI exits with (documented in client/README.md and `sonde --help`). Scripts branch
 * on these, so they are part of the CLI's interface: never renumber one.
 */
import { isSondeApiError } from '../sonde-api-error.js';

export const ExitCode = {
  Ok: 0,
  /** The server refused the request, or a tool's verdict was not ok. */
  Failed: 1,
  /** Unknown command, missing or bad argument: nothing was sent. */
  Usage: 2,
  /** Not logged in, a token the console refused (401), or not allowed (403). */
  Auth: 3,
  /** The container, network, session, tool or engine does not exist (404). */
  NotFound: 4,
  /** The console could not be reached. */
  Unreachable: 5,
  /** `sonde shell`: the session ended without a shell exit status (ended from outside, connection refused). */
  NoExitStatus: 125,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failed,
  ) {
    super(message);
  }
}

export function usage(message: string): CliError {
  return new CliError(message, ExitCode.Usage);
}

/** Maps any failure to its one line and exit code; a stack trace is never what a user gets. */
export function describeFailure(error: unknown): { line: string; exitCode: number } {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (isSondeApiError(error)) {
    const exitCode =
      error.status === 0 ? ExitCode.Unreachable : error.status === 401 || error.status === 403 ? ExitCode.Auth : error.status === 404 ? ExitCode.NotFound : ExitCode.Failed;
    const hint = error.status === 401 ? ' Run `sonde login <url>` again.' : '';
    return { line: `${error.message} (${error.code})${hint}`, exitCode };
  }
  // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes: bad flags are usage errors.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return { line: `${(error as Error).message.split('\n')[0]}`, exitCode: ExitCode.Usage };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { line: `unexpected error: ${message}`, exitCode: ExitCode.Failed };
}
