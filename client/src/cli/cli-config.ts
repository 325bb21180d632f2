/**
 * Where `sonde login` keeps the console's URL and token: $XDG_CONFIG_HOME/sonde/config.json
 * (~/.config/sonde/config.json), mode 0600. A file other users could read is refused rather
 * than used: its token opens root shells. SONDE_URL and SONDE_TOKEN, when both set, win
 * (scripts and CI need no file).
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { CliError, ExitCode } from './cli-error.js';

export const CliConfig = Type.Object({
  url: Type.String({ minLength: 1 }),
  token: Type.String({ minLength: 1 }),
  /** Who the token belongs to, for `sonde login`'s and `--help`'s messages. */
  name: Type.Optional(Type.String()),
});
export type CliConfig = Static<typeof CliConfig>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'sonde', 'config.json');
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  if (env.SONDE_URL && env.SONDE_TOKEN) return { url: env.SONDE_URL, token: env.SONDE_TOKEN };
  const file = configPath(env);
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new CliError('Not logged in: run `sonde login <url>` first (or set SONDE_URL and SONDE_TOKEN).', ExitCode.Auth);
  }
  if ((mode & 0o077) !== 0) {
    throw new CliError(`Refusing to read ${file}: other users can read it (mode ${(mode & 0o777).toString(8)}). Run \`chmod 600 ${file}\`.`, ExitCode.Auth);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Value.Check(CliConfig, parsed)) throw new CliError(`${file} is not a Sonde CLI config: run \`sonde login <url>\` again.`, ExitCode.Auth);
  return parsed;
}

/** Written to a 0600 temporary file first and renamed: the token is never readable by others, even briefly. */
export function writeConfig(config: CliConfig, env: NodeJS.ProcessEnv = process.env): string {
  const file = configPath(env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}
