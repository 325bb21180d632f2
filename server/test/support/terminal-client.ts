import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';
import { decodeServerControl, encodeControl, type ServerControl, type SessionInfo, type TargetRequest } from '@sonde/shared';
import type { Caller } from './api-client.js';

/**
 * A terminal client that speaks the protocol like the browser does: acks what it processed,
 * collects output, and waits for text to appear.
 */
export interface TerminalClientOptions {
  /**
   * Keep only about this many recent output bytes (for floods); `text()` and `waitFor` then
   * see only the tail, and `run()` must not be used. Default: keep everything.
   */
  keepBytes?: number;
  /** WebSocket subprotocols to offer (an embed page offers `sonde` and `sonde.embed.<token>`). */
  protocols?: string[];
}

export class TerminalClient {
  readonly controls: ServerControl[] = [];
  private chunks: Buffer[] = [];
  /** `chunks` decoded, one string each; `cached` is their concatenation until a trim. */
  private pieces: string[] = [];
  private cached: string | undefined = '';
  private readonly decoder = new StringDecoder('utf8');
  private kept = 0;
  private received = 0;
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly keepBytes = Infinity,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const piece = this.decoder.write(data);
        this.chunks.push(data);
        this.pieces.push(piece);
        if (this.cached !== undefined) this.cached += piece;
        this.kept += data.length;
        while (this.kept - this.chunks[0]!.length >= this.keepBytes) {
          this.kept -= this.chunks.shift()!.length;
          this.pieces.shift();
          this.cached = undefined;
        }
        this.received += data.length;
        this.ws.send(encodeControl({ type: 'ack', bytes: data.length }));
      } else {
        const decoded = decodeServerControl(data.toString());
        if (decoded.ok) this.controls.push(decoded.message);
      }
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  static connect(url: string, headers: Record<string, string>, options: TerminalClientOptions = {}): Promise<TerminalClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? [], { headers });
      const client = new TerminalClient(ws, options.keepBytes);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** The subprotocol the server selected ('' when none was offered). */
  get protocol(): string {
    return this.ws.protocol;
  }

  get bytesReceived(): number {
    return this.received;
  }

  text(): string {
    this.cached ??= this.pieces.join('');
    return this.cached;
  }

  /** The received output bytes still kept (all of them unless `keepBytes` was given). */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  send(text: string): void {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  sendRaw(data: string | Buffer, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  resize(cols: number, rows: number): void {
    this.ws.send(encodeControl({ type: 'resize', cols, rows }));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `predicate` holds on the output so far; rejects after `timeoutMs` showing what arrived. */
  async waitFor(predicate: RegExp | ((text: string) => boolean), timeoutMs = 15_000): Promise<string> {
    const test = typeof predicate === 'function' ? predicate : (t: string) => predicate.test(t);
    await this.waitUntil(() => test(this.text()), String(predicate), timeoutMs);
    return this.text();
  }

  /** Resolves once `bytes` output bytes have arrived in total (cheap while a flood runs). */
  async waitForBytes(bytes: number, timeoutMs = 15_000): Promise<void> {
    await this.waitUntil(() => this.received >= bytes, `${bytes} bytes`, timeoutMs);
  }

  private async waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (condition()) return;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}; got:\n${this.text().slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got:\n${this.text().slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Runs a command and returns its output between two markers, so prompts and echo don't matter. */
  async run(command: string, timeoutMs = 15_000): Promise<string> {
    const tag = Math.random().toString(36).slice(2, 8);
    const start = this.text().length;
    // The markers are built by printf so the echoed command line cannot match them.
    this.send(`printf '\\n%s\\n' BEGIN${tag}; ${command}; printf '%s\\n' END${tag}\r`);
    const done = new RegExp(`\\nBEGIN${tag}\\r?\\n([\\s\\S]*?)END${tag}`);
    const text = await this.waitFor((t) => done.test(t.slice(start)), timeoutMs);
    return done.exec(text.slice(start))![1]!;
  }

  async waitClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!this.closed) throw new Error('socket did not close');
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }

  /** Drops the connection without a close handshake, as a crashed client or a dead network would. */
  kill(): void {
    this.ws.terminate();
  }

  /** Control messages of one type received so far. */
  controlsOf<T extends ServerControl['type']>(type: T): Extract<ServerControl, { type: T }>[] {
    return this.controls.filter((c): c is Extract<ServerControl, { type: T }> => c.type === type);
  }
}

/** A console to open terminals on (TestConsole, SondeProcess): its sockets' URL, and its bootstrap admin. */
export interface ConsoleEndpoint extends Caller {
  wsUrl: string;
}

/**
 * Opens a session through the API client (as the console's bootstrap admin, or `as` another
 * caller) and attaches a terminal to it with that caller's credentials.
 */
export async function openTerminal(
  sonde: ConsoleEndpoint,
  target: TargetRequest,
  options: TerminalClientOptions & { as?: Caller } = {},
): Promise<{ info: SessionInfo; term: TerminalClient }> {
  const { as: caller = sonde, ...terminal } = options;
  const info = await caller.client.createSession(target);
  const term = await TerminalClient.connect(`${sonde.wsUrl}${info.ttyPath}`, caller.auth, terminal);
  return { info, term };
}
