/** `sonde share <session>`: a share link for a session, printed once (the server keeps only a hash). */
import { MAX_SHARE_SECONDS } from '@sonde/shared';
import { parseArgs } from 'node:util';
import type { SondeClient } from '../sonde-client.js';
import { ExitCode, usage } from './cli-error.js';

export const SHARE_HELP = `usage: sonde share <session> [--role viewer|driver] [--expires DURATION] [--json]

Creates a share link for one of your sessions (\`sonde ls sessions\`) and prints its URL.
  --role      viewer (watch, the default) or driver (may type)
  --expires   how long the link works: 90s, 30m, 1h, 2d (default 1h, at most 7d)
  --json      the link as JSON (id, url, token, role, expiresAt)`;

export async function shareCommand(connect: () => SondeClient, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${SHARE_HELP}\n`);
    return ExitCode.Ok;
  }
  const [sessionId, ...extra] = positionals;
  if (!sessionId || extra.length > 0) throw usage('sonde share: name one session id (see `sonde ls sessions`).');
  const role = values.role ?? 'viewer';
  if (role !== 'viewer' && role !== 'driver') throw usage(`sonde share: --role is viewer or driver, got "${role}".`);
  const expiresInSeconds = parseDuration(values.expires ?? '1h');
  const client = connect();
  const share = await client.createShare(sessionId, { role, expiresInSeconds });
  if (values.json) process.stdout.write(`${JSON.stringify(share, null, 2)}\n`);
  else process.stdout.write(`${share.url}\n`);
  return ExitCode.Ok;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `30m`, `1h`, `2d` (or plain seconds) → seconds, within what the server accepts. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNITS[match[2] || 's'] ?? 1) : NaN;
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_SHARE_SECONDS) {
    throw usage(`sonde share: --expires must be a duration between 1m and 7d such as 30m, 1h or 2d, got "${text}".`);
  }
  return seconds;
}
