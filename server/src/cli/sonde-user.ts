import { Value } from 'typebox/value';
import { Password, ROLES, Username, type Role } from '@sonde/shared';
import { ConfigError, parseConfig } from '../config.js';
import { IdentityStore } from '../auth/identity-store.js';
import { hashPassword } from '../auth/passwords.js';
import { AuditLog } from '../audit/audit-log.js';
import { openDatabase } from '../store/database.js';

/**
 * The bootstrap command: creates (or resets) a user in SONDE_DATA_DIR's database without a
 * running console, so the first admin does not need the SONDE_TOKEN login.
 *
 *   echo 'a long password' | npm run user -- create alice --role admin
 *
 * The password is read from standard input, never from the command line (where `ps` and shell
 * history would show it).
 */
const USAGE = 'usage: sonde-user create <username> [--role viewer|operator|admin]  (password on standard input)';

function fail(message: string): never {
  process.stderr.write(`sonde-user: ${message}\n`);
  process.exit(2);
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function main(argv: string[]): Promise<void> {
  const [command, username, ...rest] = argv;
  if (command !== 'create' || !username) fail(USAGE);
  let role: Role = 'admin';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--role' && ROLES.includes(rest[i + 1] as Role)) role = rest[++i] as Role;
    else fail(USAGE);
  }
  if (!Value.Check(Username, username)) fail('user names are 1-64 lower-case letters, digits, dot, dash or underscore');
  const password = await readPassword();
  if (!Value.Check(Password, password)) fail('the password must be 10 to 256 characters (given on standard input)');

  let dataDir: string;
  try {
    dataDir = parseConfig().dataDir;
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  const db = openDatabase(dataDir);
  try {
    const identities = new IdentityStore(db);
    const audit = new AuditLog(db);
    const hash = await hashPassword(password);
    const actor = { id: 'cli', name: 'sonde-user command' };
    const created = identities.createUser(username, role, hash);
    if (created) {
      audit.record({ actor, action: 'user-created', detail: { username, role } });
      process.stdout.write(`created ${role} "${username}" in ${dataDir}\n`);
    } else {
      const existing = identities.credentials(username)!.user;
      identities.updateUser(existing.id, { role, disabled: false, passwordHash: hash });
      identities.deleteBrowserSessionsOf(`user:${existing.id}`);
      audit.record({ actor, action: 'user-updated', detail: { username, role, disabled: false, password: 'changed' } });
      process.stdout.write(`reset "${username}" (${role}, enabled, new password) in ${dataDir}\n`);
    }
  } finally {
    db.close();
  }
}

void main(process.argv.slice(2));
