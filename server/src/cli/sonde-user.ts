import { parseArgs } from 'node:util';
import { Value } from 'typebox/value';
import { Password, ROLES, Username, type Role } from '@sonde/shared';
import { ConfigError, parseConfig } from '../config.js';
import { IdentityStore } from '../auth/identity-store.js';
import { hashPassword } from '../auth/passwords.js';
import { AuditLog } from '../audit/audit-log.js';
import { openDatabase } from '../store/database.js';

/**
 * The user bootstrap (`sonde user`, also `npm run user --`): manages users directly in
 * SONDE_DATA_DIR's database, without a running console or a token, so the first admin (and a
 * locked-out one) needs no SONDE_TOKEN login. Runs where the database is: on the console's
 * machine, or `docker compose exec sonde sonde user ...` in its container.
 *
 *   echo 'a long password' | sonde user create alice --role admin
 *
 * Passwords are read from standard input, never from the command line (where `ps` and shell
 * history would show them). Exit codes follow the CLI's: 2 usage, 4 no such user.
 */
const USAGE = `usage: sonde user <command>      (SONDE_DATA_DIR names the database's directory)

  create <username> [--role viewer|operator|admin]   create (default role admin), or reset an
                                                     existing user: password, role, enabled
  list                                               every user with role and state
  disable <username>                                 disable and log out everywhere
  passwd <username>                                  set a new password (logs out browsers)

Passwords are read from standard input (the first line), never from the command line.`;

const EXIT_USAGE = 2;
const EXIT_NOT_FOUND = 4;

class UserCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function usage(message: string): UserCommandError {
  return new UserCommandError(message, EXIT_USAGE);
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!Value.Check(Password, password)) throw usage('the password must be 10 to 256 characters (given on standard input)');
  return password;
}

function checkedUsername(username: string | undefined): string {
  if (!username) throw usage(USAGE);
  if (!Value.Check(Username, username)) throw usage('user names are 1-64 lower-case letters, digits, dot, dash or underscore');
  return username;
}

function dataDirectory(): string {
  try {
    return parseConfig().dataDir;
  } catch (error) {
    if (error instanceof ConfigError) throw usage(`invalid configuration: ${error.message}`);
    throw error;
  }
}

const actor = { id: 'cli', name: 'sonde-user command' };

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { role: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, name, ...extra] = positionals;
  if (extra.length > 0) throw usage(USAGE);
  if (values.role !== undefined && command !== 'create') throw usage('--role applies to create only');
  const role = (values.role ?? 'admin') as Role;
  if (!ROLES.includes(role)) throw usage(USAGE);
  switch (command) {
    case 'create': {
      const username = checkedUsername(name);
      const password = await readPassword();
      return withStore((identities, audit, dataDir) => create(identities, audit, dataDir, username, role, password));
    }
    case 'passwd': {
      const username = checkedUsername(name);
      const password = await readPassword();
      const hash = await hashPassword(password);
      return withStore((identities, audit, dataDir) => {
        const user = existing(identities, username);
        identities.updateUser(user.id, { passwordHash: hash });
        identities.deleteBrowserSessionsOf(`user:${user.id}`);
        audit.record({ actor, action: 'user-updated', detail: { username, password: 'changed' } });
        process.stdout.write(`new password for "${username}" in ${dataDir}; their browsers are logged out\n`);
      });
    }
    case 'disable': {
      const username = checkedUsername(name);
      return withStore((identities, audit, dataDir) => {
        const user = existing(identities, username);
        identities.updateUser(user.id, { disabled: true });
        identities.deleteBrowserSessionsOf(`user:${user.id}`);
        audit.record({ actor, action: 'user-updated', detail: { username, disabled: true } });
        process.stdout.write(`disabled "${username}" in ${dataDir} (\`sonde user create ${username}\` enables them again with a new password)\n`);
      });
    }
    case 'list': {
      if (name !== undefined) throw usage(USAGE);
      return withStore((identities) => {
        const rows = [['USERNAME', 'ROLE', 'STATE', 'CREATED'], ...identities.users().map((u) => [u.username, u.role, u.disabled ? 'disabled' : 'enabled', u.createdAt])];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        process.stdout.write(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
      });
    }
    default:
      throw usage(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
  }
}

async function create(identities: IdentityStore, audit: AuditLog, dataDir: string, username: string, role: Role, password: string): Promise<void> {
  const hash = await hashPassword(password);
  const created = identities.createUser(username, role, hash);
  if (created) {
    audit.record({ actor, action: 'user-created', detail: { username, role } });
    process.stdout.write(`created ${role} "${username}" in ${dataDir}\n`);
    return;
  }
  const user = existing(identities, username);
  identities.updateUser(user.id, { role, disabled: false, passwordHash: hash });
  identities.deleteBrowserSessionsOf(`user:${user.id}`);
  audit.record({ actor, action: 'user-updated', detail: { username, role, disabled: false, password: 'changed' } });
  process.stdout.write(`reset "${username}" (${role}, enabled, new password) in ${dataDir}\n`);
}

function existing(identities: IdentityStore, username: string) {
  const found = identities.credentials(username);
  if (!found) throw new UserCommandError(`there is no user "${username}" (sonde user list)`, EXIT_NOT_FOUND);
  return found.user;
}

async function withStore(work: (identities: IdentityStore, audit: AuditLog, dataDir: string) => void | Promise<void>): Promise<void> {
  const dataDir = dataDirectory();
  const db = openDatabase(dataDir);
  try {
    await work(new IdentityStore(db), new AuditLog(db), dataDir);
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof UserCommandError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`sonde user: ${(error as Error).message}\n`);
      process.exit(error instanceof UserCommandError ? error.exitCode : EXIT_USAGE);
    }
    process.stderr.write(`sonde user: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
