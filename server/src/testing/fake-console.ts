import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Role } from '@sonde/shared';
import { buildApp } from '../app.js';
import { parseConfig, type Config } from '../config.js';
import { FakeEngine } from '../engine/fake-engine.js';
import { InjectedTerminal, WAIT_MS } from './injected-terminal.js';

/**
 * The real application (every plugin, route and socket) on the in-memory fake engine, for the
 * unit tier's route and WebSocket tests: requests go through `app.inject`, terminals through
 * `app.injectWS`, so nothing listens on a port and nothing reaches Docker. The real-engine
 * twin is server/test/support/test-console.ts.
 */

export type Headers = Record<string, string>;

/** Where the configured engines point for these consoles: nowhere, so an engine built from the config could not reach Docker either. */
export const NO_DOCKER = 'unix:///nonexistent/the-unit-tier-uses-the-fake-engine.sock';

export interface Reply {
  status: number;
  /** Parsed JSON when the reply is JSON, else the text; `any` like inject's json(), read field by field in assertions. */
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface FakeConsole {
  app: FastifyInstance;
  /** The first engine (the one a console of one engine uses when a request names none). */
  engine: FakeEngine;
  /** Every engine, in the configured order. */
  engines: FakeEngine[];
  config: Config;
  /** The bootstrap token's header: an admin. */
  admin: Headers;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, headers: Headers, payload?: object): Promise<Reply>;
  /** A new API token of `role`: its id, principal id and header. */
  token(role: Role): Promise<{ id: string; principal: string; headers: Headers }>;
  /** Opens a terminal WebSocket (rejects with the status when the upgrade is refused). */
  terminal(path: string, headers: Headers): Promise<InjectedTerminal>;
  close(): Promise<void>;
}

/**
 * Per-test timeout for files built on a fake console (describe options): a test takes well under
 * a second alone, more while other suites share the 2 cores.
 */
export const ROUTE_TEST_TIMEOUT = { timeout: 20_000 };

/**
 * Timeout of the hooks that start and close a fake console (beforeAll/afterAll): vitest's default
 * 10 s is short for building the whole app while other suites load the 2 cores.
 */
export const HOOK_TIMEOUT_MS = 30_000;

/** expect.poll options with the same margin as the terminal's waits. */
export const POLL = { timeout: WAIT_MS, interval: 10 };

export interface FakeConsoleOptions {
  /** SONDE_* variables on top of the defaults (a fresh data directory, token and instance). */
  env?: Record<string, string>;
  engine?: FakeEngine;
  /** A console of several engines (distinct names); default one FakeEngine named `local`. */
  engines?: FakeEngine[];
  /** Gets the lines meant for the operator's terminal (a toolbox image pull's progress). */
  print?: (line: string) => void;
}

/**
 * Counts every socket connection this process starts (the wrapper calls through). A console on
 * the fake engine has nothing to connect to, so close() fails if the count moved during its life:
 * whatever reached for Docker (or anything else) is caught in every test file that uses one. The
 * counter lives on the prototype it patches, so a module evaluated again in the same process
 * reads the count its wrapper keeps.
 */
const COUNTER = Symbol.for('sonde.unit-tier.connections');
function connectionCounter(): { count: number } {
  const proto = net.Socket.prototype as net.Socket & { [COUNTER]?: { count: number } };
  const existing = proto[COUNTER];
  if (existing) return existing;
  const counter = { count: 0 };
  const connect = proto.connect as (...args: unknown[]) => net.Socket;
  proto.connect = function (this: net.Socket, ...args: unknown[]) {
    counter.count++;
    return connect.apply(this, args);
  } as typeof proto.connect;
  proto[COUNTER] = counter;
  return counter;
}

export async function startFakeConsole(options: FakeConsoleOptions = {}): Promise<FakeConsole> {
  const connections = connectionCounter();
  const connectionsBefore = connections.count;
  const engines = options.engines ?? [options.engine ?? new FakeEngine()];
  if (engines.length === 0) throw new Error('a fake console needs an engine');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sonde-fake-'));
  const token = randomBytes(18).toString('base64url');
  // Never process.env: what this machine's environment says about Docker does not reach these tests.
  const config = parseConfig({
    SONDE_DATA_DIR: dataDir,
    SONDE_TOKEN: token,
    SONDE_INSTANCE: `fake-${randomBytes(4).toString('hex')}`,
    SONDE_LOG_LEVEL: 'silent',
    // One toolbox per session: these tests follow one session's toolbox (reuse has its own tests).
    SONDE_TOOLBOX_REUSE: '0',
    // The configuration names the fakes, so whatever reads it (a stored target's default engine) agrees with them.
    SONDE_ENGINES: JSON.stringify(engines.map((e) => ({ name: e.name, host: NO_DOCKER }))),
    ...options.env,
  });
  // consoleContainer {}: the console runs in no container (whatever /proc says about the test runner).
  const app = await buildApp({ config, engines, logger: false, consoleContainer: {}, ...(options.print ? { print: options.print } : {}) });
  await app.ready();
  const admin = { authorization: `Bearer ${token}` };

  const call: FakeConsole['call'] = async (method, url, headers, payload) => {
    const r = await app.inject({ method, url, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload } : {}) });
    const json = String(r.headers['content-type'] ?? '').startsWith('application/json');
    return { status: r.statusCode, body: json ? r.json() : r.body, headers: r.headers };
  };

  return {
    app,
    engine: engines[0]!,
    engines,
    config,
    admin,
    call,
    token: async (role) => {
      const r = await call('POST', '/api/tokens', admin, { name: `${role}-${randomBytes(3).toString('hex')}`, role });
      if (r.status !== 201) throw new Error(`could not create a ${role} token: ${r.status} ${JSON.stringify(r.body)}`);
      return { id: r.body.id, principal: `token:${r.body.id}`, headers: { authorization: `Bearer ${r.body.token}` } };
    },
    terminal: (terminalPath, headers) => InjectedTerminal.open(app, terminalPath, headers),
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
      const opened = connections.count - connectionsBefore;
      if (opened > 0) throw new Error(`${opened} socket connection(s) were opened while a console on the fake engine ran: the unit tier must not reach Docker or the network`);
    },
  };
}

/** A reply body checked against its shared schema (what every client relies on), and typed by it. */
export function checked<T extends TSchema>(schema: T, body: unknown): Static<T> {
  if (!Value.Check(schema, body)) {
    const errors = Value.Errors(schema, body).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`the reply does not match its schema (${errors.join('; ')}): ${JSON.stringify(body).slice(0, 500)}`);
  }
  return body;
}

/** Polls `condition` (engine state, a registry) until it holds; for effects that follow an event asynchronously. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
