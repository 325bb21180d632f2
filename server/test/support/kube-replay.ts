import { execFileSync } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A Kubernetes API server that knows only what a recording says: it answers the recorded
 * exchanges and fails the test on anything else. No API server can run on the machines Sonde is
 * built on, so the Kubernetes engine is tested by pointing @kubernetes/client-node itself at this
 * (through a kubeconfig the test writes) and replaying exchanges shaped as the Kubernetes API
 * reference says (server/test/fixtures/kubernetes/README.md names the section of each).
 *
 * A recording is a list of exchanges. Each matches one request exactly: method, path, query
 * (every parameter, no more), the bearer token, the content type and JSON body when given. Three
 * kinds of answers: a plain response (status and JSON body); a watch (a 200 stream of JSON
 * events, one per line, then held open or ended); a websocket (exec, attach) whose subprotocol
 * must be one the client offered, with a script of channel frames to send and to expect
 * (channel 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close). An exchange is used
 * `times` times (default once), or any number of times with `repeat`; a request that matches
 * none, a script step that is not met, and an exchange never used are all failures (see
 * `problems()` and `unused()`).
 *
 * Values that change from run to run (a session id in a pod's name) are matched with
 * `{"$regex": "…", "$as": "name"}`; what matched is then `${name}` in later requests and
 * responses (a created pod's name in its watch and its attach path). `{"$type": "number"}`
 * matches any number (a terminal's width, which a browser's layout decides).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReplayRequest {
  method: string;
  /** The path, or `{"$regex"}` for one with a generated name in it. */
  path: Json;
  query?: Record<string, Json>;
  body?: Json;
  contentType?: string;
}

export type ScriptStep =
  | { send: { channel: number; text?: string; base64?: string; json?: Json } }
  | { expect: { channel: number; text?: string; json?: Json; bytes?: number[] } }
  /**
   * From this step on, JSON frames of this shape on this channel are taken whenever they come,
   * and never given to a later `expect` there: a browser's resizes (channel 4), whose number and
   * sizes follow its layout. `atLeast` of them must have come by the script's end.
   */
  | { allow: { channel: number; json: Json; atLeast?: number } }
  | { close: true }
  | { wait: number };

export interface Exchange {
  /** What this exchange is, and which API reference section its shape follows. */
  note: string;
  request: ReplayRequest;
  times?: number;
  /** Asked any number of times, at least once (the health probe's GET /version). */
  repeat?: boolean;
  response?: { status: number; body: Json };
  watch?: { events: { type: string; object: Json }[]; then: 'hold' | 'end' };
  websocket?: { protocol: string; script: ScriptStep[] };
}

export interface Recording {
  description: string;
  token: string;
  exchanges: Exchange[];
}

interface Slot {
  exchange: Exchange;
  left: number;
}

export interface ReplayServer {
  url: string;
  /** A kubeconfig file pointing at this server with the recording's token (context `replay`). */
  kubeconfig: string;
  /** Requests no exchange matched, script steps not met, frames nobody expected. */
  problems(): string[];
  /** Exchanges the client never made (notes), `times` counted. */
  unused(): string[];
  /** Resolves when every websocket script has run to its end. */
  scriptsDone(): Promise<void>;
  close(): Promise<void>;
}

export function loadRecording(name: string): Recording {
  return JSON.parse(readFileSync(new URL(`../fixtures/kubernetes/${name}.json`, import.meta.url), 'utf8')) as Recording;
}

/** Substitutes `${name}` in every string of a template with what was captured. */
function fill(value: Json, vars: Map<string, string>): Json {
  if (typeof value === 'string') return value.replace(/\$\{(\w+)\}/g, (whole, name: string) => vars.get(name) ?? whole);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}

/** Whether `actual` matches `expected` exactly, where `{"$regex"}` objects match strings (and capture). */
function matches(expected: Json | undefined, actual: unknown, vars: Map<string, string>, captured: Map<string, string>): boolean {
  if (expected && typeof expected === 'object' && !Array.isArray(expected) && typeof expected.$regex === 'string') {
    if (typeof actual !== 'string' || !new RegExp(expected.$regex).test(actual)) return false;
    if (typeof expected.$as === 'string') {
      const known = vars.get(expected.$as) ?? captured.get(expected.$as);
      if (known !== undefined && known !== actual) return false;
      captured.set(expected.$as, actual);
    }
    return true;
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected) && typeof expected.$type === 'string') {
    return typeof actual === expected.$type && (typeof actual !== 'number' || Number.isFinite(actual));
  }
  if (typeof expected === 'string') return actual === fill(expected, vars);
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matches(e, actual[i], vars, captured));
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    const actualKeys = Object.keys(actual);
    return keys.length === actualKeys.length && keys.every((k) => matches(expected[k], (actual as Record<string, unknown>)[k], vars, captured));
  }
  return isDeepStrictEqual(expected, actual);
}

/** A query string as the recording writes it: one value, or a list when a parameter repeats. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    query[key] = all.length === 1 ? all[0]! : all;
  }
  return query;
}

function frame(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), data]);
}

export async function startReplay(recording: Recording): Promise<ReplayServer> {
  const slots: Slot[] = recording.exchanges.map((exchange) => ({ exchange, left: exchange.repeat ? Infinity : (exchange.times ?? 1) }));
  const used = new Set<Slot>();
  const problems: string[] = [];
  const vars = new Map<string, string>();
  const held = new Set<ServerResponse>();
  const scripts: Promise<void>[] = [];
  const sockets = new Set<WebSocket>();

  function take(request: ReplayRequest & { token: string | undefined; websocket: boolean }): Slot | undefined {
    if (request.token !== `Bearer ${recording.token}`) {
      problems.push(`${request.method} ${request.path}: no bearer token of the kubeconfig`);
      return undefined;
    }
    for (const slot of slots) {
      if (slot.left === 0) continue;
      const e = slot.exchange.request;
      const captured = new Map<string, string>();
      if (e.method !== request.method || Boolean(slot.exchange.websocket) !== request.websocket) continue;
      if (!matches(e.path, request.path, vars, captured)) continue;
      if (!matches((e.query ?? {}) as Json, request.query ?? {}, vars, captured)) continue;
      if (e.contentType !== undefined && e.contentType !== request.contentType) continue;
      if ((e.body !== undefined || request.body !== undefined) && !matches(e.body, request.body, vars, captured)) continue;
      slot.left--;
      used.add(slot);
      for (const [k, v] of captured) vars.set(k, v);
      return slot;
    }
    problems.push(`not in the recording: ${request.method} ${request.path} ${JSON.stringify(request.query ?? {})}${request.body !== undefined ? ` ${JSON.stringify(request.body)}` : ''}`);
    return undefined;
  }

  async function readBody(req: IncomingMessage): Promise<Json | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as Json;
    } catch {
      return text;
    }
  }

  // HTTPS, as every API server is (client-node refuses plain HTTP unless TLS checks are off):
  // a self-signed certificate made here with openssl, trusted as the kubeconfig's CA.
  const dir = mkdtempSync(path.join(tmpdir(), 'sonde-k8s-replay-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore', timeout: 30_000 });
  const cert = readFileSync(certFile);
  const server: Server = createServer({ key: readFileSync(keyFile), cert }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://replay');
      const body = await readBody(req);
      const slot = take({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: queryOf(url),
        ...(body !== undefined ? { body } : {}),
        contentType: req.headers['content-type']?.split(';')[0],
        token: req.headers.authorization,
        websocket: false,
      });
      if (!slot) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not in the recording', reason: 'InternalError', code: 500 }));
        return;
      }
      const { response, watch } = slot.exchange;
      if (response) {
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fill(response.body, vars)));
        return;
      }
      if (watch) {
        res.writeHead(200, { 'content-type': 'application/json' });
        // A watch with no events yet still answers: the client waits for the headers.
        res.flushHeaders();
        for (const event of watch.events) res.write(`${JSON.stringify(fill(event as unknown as Json, vars))}\n`);
        if (watch.then === 'end') res.end();
        else {
          held.add(res);
          res.on('close', () => held.delete(res));
        }
        return;
      }
      problems.push(`${slot.exchange.note}: a websocket exchange was asked for without an upgrade`);
      res.writeHead(400).end();
    })();
  });

  const wss = new WebSocketServer({
    noServer: true,
    // The subprotocol the recording's server chose; it must be one the client offered.
    handleProtocols: (offered, req) => (req as IncomingMessage & { replayProtocol?: string }).replayProtocol ?? false,
  });

  server.on('upgrade', (req: IncomingMessage & { replayProtocol?: string }, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://replay');
    const slot = take({ method: 'GET', path: url.pathname, query: queryOf(url), token: req.headers.authorization, websocket: true });
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const script = slot?.exchange.websocket;
    if (!slot || !script) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    if (!offered.includes(script.protocol)) {
      problems.push(`${slot.exchange.note}: the client did not offer ${script.protocol} (it offered ${offered.join(', ')})`);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    req.replayProtocol = script.protocol;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      scripts.push(runScript(ws, slot.exchange.note, script.script));
    });
  });

  /** Runs one websocket script: sends frames, waits for expected ones, fails on the unexpected. */
  async function runScript(ws: WebSocket, note: string, script: ScriptStep[]): Promise<void> {
    const received = new Map<number, Buffer[]>();
    const allowed: { channel: number; json: Json; atLeast: number; seen: number }[] = [];
    let closed = false;
    let wake: (() => void) | undefined;
    const parsed = (data: Buffer): unknown => {
      try {
        return JSON.parse(data.toString('utf8'));
      } catch {
        return undefined;
      }
    };
    ws.on('message', (data: Buffer) => {
      const channel = data[0]!;
      const allow = allowed.find((a) => a.channel === channel && matches(a.json, parsed(data.subarray(1)), vars, new Map()));
      if (allow) allow.seen++;
      else received.set(channel, [...(received.get(channel) ?? []), data.subarray(1)]);
      wake?.();
    });
    ws.on('close', () => {
      closed = true;
      wake?.();
    });
    const next = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    for (const step of script) {
      if ('wait' in step) {
        await new Promise((r) => setTimeout(r, step.wait));
      } else if ('allow' in step) {
        allowed.push({ channel: step.allow.channel, json: step.allow.json, atLeast: step.allow.atLeast ?? 0, seen: 0 });
      } else if ('send' in step) {
        const s = fill(step.send as unknown as Json, vars) as { channel: number; text?: string; base64?: string; json?: Json };
        const data = s.json !== undefined ? Buffer.from(JSON.stringify(s.json)) : s.base64 !== undefined ? Buffer.from(s.base64, 'base64') : Buffer.from(s.text ?? '');
        if (closed) {
          problems.push(`${note}: the client closed the websocket before the recording's frame on channel ${s.channel}`);
          return;
        }
        ws.send(frame(s.channel, data));
      } else if ('close' in step) {
        ws.close(1000);
        break;
      } else {
        const e = step.expect;
        const deadline = Date.now() + 10_000;
        for (;;) {
          const frames = received.get(e.channel) ?? [];
          if (e.text !== undefined) {
            // Keystrokes may come in any number of frames: wait until they add up to the text.
            const text = Buffer.concat(frames).toString('utf8');
            const at = text.indexOf(e.text);
            if (at >= 0) {
              const rest = Buffer.from(text.slice(at + e.text.length));
              if (at > 0) problems.push(`${note}: on channel ${e.channel} the client sent ${JSON.stringify(text.slice(0, at))} before ${JSON.stringify(e.text)}`);
              received.set(e.channel, rest.length > 0 ? [rest] : []);
              break;
            }
          } else if (frames.length > 0) {
            const first = frames.shift()!;
            const ok = e.json !== undefined ? matches(e.json, JSON.parse(first.toString('utf8')), vars, new Map()) : isDeepStrictEqual([...first], e.bytes ?? []);
            if (!ok) problems.push(`${note}: on channel ${e.channel} expected ${JSON.stringify(e.json ?? e.bytes)}, got ${JSON.stringify(first.toString('utf8'))}`);
            break;
          }
          if (closed || Date.now() > deadline || !(await next(Math.max(1, deadline - Date.now())))) {
            if (closed || Date.now() > deadline) {
              problems.push(`${note}: the client never sent ${JSON.stringify(e.text ?? e.json ?? e.bytes)} on channel ${e.channel}${closed ? ' (it closed the websocket)' : ''}`);
              return;
            }
          }
        }
      }
    }
    // Whatever the client sent that the script did not expect is a call the recording does not have.
    if (!closed) await next(200);
    for (const a of allowed) {
      if (a.seen < a.atLeast) problems.push(`${note}: the client sent ${a.seen} frames of ${JSON.stringify(a.json)} on channel ${a.channel}, fewer than the ${a.atLeast} the recording expects`);
    }
    for (const [channel, frames] of received) {
      const rest = Buffer.concat(frames);
      if (rest.length > 0) problems.push(`${note}: the client sent ${JSON.stringify(rest.toString('utf8'))} on channel ${channel}, which the recording does not expect`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'replay', cluster: { server: url, 'certificate-authority-data': cert.toString('base64') } }],
      users: [{ name: 'sonde', user: { token: recording.token } }],
      contexts: [{ name: 'replay', context: { cluster: 'replay', user: 'sonde', namespace: 'sonde' } }],
      'current-context': 'replay',
    }),
  );
  return {
    url,
    kubeconfig,
    problems: () => [...problems],
    unused: () => slots.filter((s) => (s.exchange.repeat ? !used.has(s) : s.left > 0)).map((s) => `${s.exchange.note} (${s.exchange.repeat ? 'never asked' : `${s.left} left`})`),
    scriptsDone: async () => {
      await Promise.all(scripts);
    },
    close: async () => {
      for (const res of held) res.end();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
