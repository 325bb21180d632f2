import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configPath, readConfig, writeConfig } from './cli-config.js';
import { CliError, ExitCode, describeFailure } from './cli-error.js';
import { table, toolboxCell } from './ls-command.js';
import { parseParams } from './run-command.js';
import { parseDuration } from './share-command.js';
import { targetFrom } from './target-options.js';
import { SondeApiError } from '../sonde-api-error.js';

const dig = {
  id: 'dig',
  params: [
    { name: 'host', type: 'host' as const, label: 'Name', required: true },
    { name: 'port', type: 'port' as const, label: 'Port', required: false },
    { name: 'tcp', type: 'flag' as const, label: 'TCP', required: false },
  ],
};

describe('command arguments', () => {
  it('types --param values by the tool parameter specs', () => {
    expect(parseParams(dig, ['host=db', 'port=5353', 'tcp=true'])).toEqual({ host: 'db', port: 5353, tcp: true });
    expect(() => parseParams(dig, ['color=blue'])).toThrow(/no parameter "color"/);
    expect(() => parseParams(dig, ['port=53x'])).toThrow(/whole number/);
    expect(() => parseParams(dig, ['host'])).toThrow(/name=value/);
  });

  it('reads share durations within 1 minute to 7 days', () => {
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('2d')).toBe(172800);
    expect(() => parseDuration('30s')).toThrow(CliError);
    expect(() => parseDuration('8d')).toThrow(/between 1m and 7d/);
  });

  it('takes exactly one target', () => {
    expect(targetFrom('shell', 'web', {})).toEqual({ kind: 'container', container: 'web' });
    expect(targetFrom('shell', 'web', { pid: true, engine: 'edge' })).toEqual({ kind: 'container', container: 'web', engine: 'edge', sharePid: true });
    expect(targetFrom('shell', undefined, { network: 'backend' })).toEqual({ kind: 'network', network: 'backend' });
    expect(targetFrom('shell', undefined, { host: true })).toEqual({ kind: 'host' });
    expect(targetFrom('shell', undefined, { pod: 'shop/web-7d9:app', engine: 'prod' })).toEqual({ kind: 'pod', namespace: 'shop', pod: 'web-7d9', container: 'app', engine: 'prod' });
    expect(targetFrom('shell', undefined, { node: 'worker-1' })).toEqual({ kind: 'node', node: 'worker-1' });
    expect(() => targetFrom('shell', undefined, { pod: 'web' })).toThrow(/NAMESPACE\/POD/);
    expect(() => targetFrom('shell', 'web', { host: true })).toThrow(/exactly one target/);
    expect(() => targetFrom('shell', undefined, { network: 'n', pid: true })).toThrow(/--pid/);
  });

  it('pads table columns but not the last', () => {
    expect(table([['NAME', 'STATE'], ['web-1', 'running']])).toBe('NAME   STATE\nweb-1  running\n');
  });

  it("shows an engine's toolbox image: its state, how far a pull is, nothing before the check", () => {
    expect(toolboxCell(undefined)).toBe('');
    expect(toolboxCell({ image: 'nicolaka/netshoot', state: 'present' })).toBe('present');
    expect(toolboxCell({ image: 'nicolaka/netshoot', state: 'pulling', percent: 37 })).toBe('pulling 37%');
    expect(toolboxCell({ image: 'nicolaka/netshoot', state: 'pulling' })).toBe('pulling');
    expect(toolboxCell({ image: 'nicolaka/netshoot', state: 'failed', error: 'The registry has no such tag.' })).toBe('failed');
  });

  it('maps failures to the documented exit codes', () => {
    expect(describeFailure(new SondeApiError(401, 'UNAUTHORIZED', 'Authentication required.')).exitCode).toBe(ExitCode.Auth);
    expect(describeFailure(new SondeApiError(404, 'TARGET_NOT_FOUND', 'No container web.')).exitCode).toBe(ExitCode.NotFound);
    expect(describeFailure(new SondeApiError(0, 'NETWORK_ERROR', 'Cannot reach the Sonde server.')).exitCode).toBe(ExitCode.Unreachable);
    expect(describeFailure(new SondeApiError(409, 'TARGET_NOT_RUNNING', 'Not running.'))).toEqual({ line: 'Not running. (TARGET_NOT_RUNNING)', exitCode: 1 });
    expect(describeFailure(Object.assign(new TypeError("Unknown option '--x'"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })).exitCode).toBe(ExitCode.Usage);
  });
});

describe('the CLI config file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const home = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sonde-cli-config-'));
    dirs.push(dir);
    return { HOME: dir };
  };

  it('lives under XDG_CONFIG_HOME when it is absolute, else ~/.config', () => {
    expect(configPath({ HOME: '/home/a', XDG_CONFIG_HOME: '/x' })).toBe('/x/sonde/config.json');
    expect(configPath({ HOME: '/home/a', XDG_CONFIG_HOME: 'relative' })).toBe('/home/a/.config/sonde/config.json');
  });

  it('is written 0600 and read back; environment variables win', () => {
    const env = home();
    const file = writeConfig({ url: 'http://127.0.0.1:8080', token: 't0ken' }, env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readConfig(env)).toEqual({ url: 'http://127.0.0.1:8080', token: 't0ken' });
    expect(readConfig({ ...env, SONDE_URL: 'http://other', SONDE_TOKEN: 'x' })).toEqual({ url: 'http://other', token: 'x' });
  });

  it('refuses a file other users can read, a missing one and a malformed one', () => {
    const env = home();
    expect(() => readConfig(env)).toThrow(/Not logged in/);
    const file = configPath(env);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"url":"http://a","token":"b"}', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(() => readConfig(env)).toThrow(/other users can read it \(mode 644\)/);
    chmodSync(file, 0o600);
    writeFileSync(file, '{"url":3}');
    expect(() => readConfig(env)).toThrow(/not a Sonde CLI config/);
  });
});
