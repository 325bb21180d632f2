/**
 * `sonde login <url>`: checks a token (or a user's password) against the console and stores
 * the URL and a token in the CLI config. A password is never stored: it buys a browser login,
 * which mints a named API token (admins only: the API lets only admins make tokens).
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { isSondeApiError } from '../sonde-api-error.js';
import { SondeClient } from '../sonde-client.js';
import { CliError, ExitCode, usage } from './cli-error.js';
import { writeConfig } from './cli-config.js';
import { ask, readStdinLine } from './prompt.js';

export const LOGIN_HELP = `usage: sonde login <url> [--token-stdin | --user NAME]

Logs in to the console at <url> and stores the URL and a token in
$XDG_CONFIG_HOME/sonde/config.json (~/.config/sonde/config.json), mode 0600.

  --token-stdin   read an API token from standard input (scripts)
  --user NAME     log in as a user; the password is read from standard input when it is
                  not a terminal. An admin's password login mints an API token named
                  "sonde-cli <host>"; others ask an admin for a token.
Without either, asks for a user name (empty: paste a token instead).`;

export async function loginCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'token-stdin': { type: 'boolean' }, user: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${LOGIN_HELP}\n`);
    return ExitCode.Ok;
  }
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0) throw usage('sonde login: give the console URL once, e.g. `sonde login http://127.0.0.1:8080`.');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw usage(`sonde login: "${url}" is not a URL (http://host:port).`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw usage('sonde login: the URL must start with http:// or https://.');
  const baseUrl = parsedUrl.origin;

  let user = values.user;
  let token: string | undefined;
  if (values['token-stdin']) {
    if (user !== undefined) throw usage('sonde login: --token-stdin and --user exclude each other.');
    token = await readStdinLine();
  } else if (user === undefined) {
    if (!process.stdin.isTTY) throw usage('sonde login: standard input is not a terminal; use --token-stdin or --user NAME.');
    user = await ask('User name (leave empty to paste an API token): ');
    if (user === '') token = await ask('Token: ', true);
  }
  if (token !== undefined) {
    if (!token) throw usage('sonde login: the token is empty.');
    const me = await new SondeClient({ baseUrl, token }).me();
    if (!me) throw new CliError(`${baseUrl} refused this token.`, ExitCode.Auth);
    const file = writeConfig({ url: baseUrl, token, name: me.name });
    process.stdout.write(`Logged in to ${baseUrl} as ${me.name} (${me.role}); saved in ${file}\n`);
    return ExitCode.Ok;
  }
  const username = user ?? '';
  const password = process.stdin.isTTY ? await ask('Password: ', true) : await readStdinLine();
  const minted = await mintWithPassword(baseUrl, username, password);
  const file = writeConfig({ url: baseUrl, token: minted.token, name: username });
  process.stdout.write(`Logged in to ${baseUrl} as ${username}; API token "${minted.name}" saved in ${file}\n`);
  return ExitCode.Ok;
}

async function mintWithPassword(baseUrl: string, username: string, password: string): Promise<{ token: string; name: string }> {
  let cookie = '';
  // The login answers with the browser cookie; Node's fetch does not keep cookies, so this
  // client carries it by hand for the one request that mints the token.
  const client = new SondeClient({
    baseUrl,
    fetch: async (url, init) => {
      const headers = new Headers(init.headers);
      if (cookie) headers.set('Cookie', cookie);
      const response = await fetch(url, { ...init, headers });
      const set = response.headers.getSetCookie().find((line) => line.startsWith('sonde_auth='));
      if (set) cookie = set.split(';')[0] ?? '';
      return response;
    },
  });
  try {
    await client.login({ username, password });
  } catch (error) {
    if (isSondeApiError(error, 401)) throw new CliError('Wrong user name or password.', ExitCode.Auth);
    throw error;
  }
  const me = await client.me();
  // Token names allow letters, digits, space, '.', '_' and '-' only.
  const name = `sonde-cli ${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64);
  try {
    if (!me) throw new CliError('The console did not keep the login.', ExitCode.Auth);
    const created = await client.createApiToken({ name, role: me.role });
    return { token: created.token, name };
  } catch (error) {
    if (isSondeApiError(error, 403)) {
      throw new CliError(`Only admins can mint API tokens and ${username} is ${me?.role ?? 'not one'}: ask an admin for a token, then run \`sonde login ${baseUrl} --token-stdin\`.`, ExitCode.Auth);
    }
    throw error;
  } finally {
    await client.logout().catch(() => undefined);
  }
}
