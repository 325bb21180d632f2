import type { Evidence } from '@sonde/shared';

/**
 * One command the doctor or the matrix ran in a namespace, as both read it: what ran (for
 * people), what it printed, how it ended. Evidence is what a finding shows of it.
 */
export interface ProbeOutput {
  /** The argv as a person would type it (display only: it never reaches a shell). */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  elapsedMs: number;
}

/** Most of a command's output a finding carries; the rest is cut with a note. */
export const EVIDENCE_CHARS = 4000;

/** Quotes an argv element only when a person copying it into a shell would need it. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function evidence(output: ProbeOutput, only?: string): Evidence {
  let text = only ?? [output.stdout.trimEnd(), output.stderr.trimEnd()].filter(Boolean).join('\n');
  if (output.timedOut) text = `${text}\n(killed after ${Math.round(output.elapsedMs / 1000)} s)`.trim();
  if (text.length > EVIDENCE_CHARS) text = `${text.slice(0, EVIDENCE_CHARS)}\n… (${text.length - EVIDENCE_CHARS} more characters)`;
  return { command: output.command, output: text };
}

/**
 * The command the toolbox image lacks, when that is why it failed: `timeout` (which every exec
 * runs under) then says "failed to run command 'fping': No such file or directory" and exits 127.
 */
export function missingCommand(output: ProbeOutput): string | undefined {
  if (output.exitCode !== 127) return undefined;
  return /failed to run command [‘'`]([^’'`]+)[’'`]: No such file or directory/.exec(output.stderr)?.[1];
}
