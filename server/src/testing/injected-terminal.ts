import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';
import { decodeServerControl, encodeControl, type ClientControl, type ServerControl } from '@sonde/shared';

/**
 * How long a wait may take. Everything answering is in memory and takes milliseconds; the margin
 * is for a 2-core machine running other suites at the same time.
 */
export const WAIT_MS = 5000;

/**
 * A terminal client on `app.injectWS` (no port, no network): speaks the protocol like the
 * browser (acks what it received), collects output and control messages, and waits for them.
 */
export class InjectedTerminal {
  readonly controls: ServerControl[] = [];
  closed: { code: number; reason: string } | undefined;
  private output = '';
  private readonly decoder = new StringDecoder('utf8');
  private waiters: (() => void)[] = [];
  private socket!: WebSocket;

  private constructor() {}

  /**
   * Opens `path` with these headers (a Host the console answers to is added). Rejects with
   * "Unexpected server response: <status>" when the upgrade is refused.
   */
  static async open(app: FastifyInstance, path: string, headers: Record<string, string>): Promise<InjectedTerminal> {
    const terminal = new InjectedTerminal();
    // Listeners go on before the upgrade completes: the hello frame follows it at once.
    await app.injectWS(path, { headers: { host: 'localhost', ...headers } }, { onInit: (ws) => terminal.listen(ws) });
    return terminal;
  }

  private listen(ws: WebSocket): void {
    this.socket = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.output += this.decoder.write(data);
        ws.send(encodeControl({ type: 'ack', bytes: data.length }));
      } else {
        const decoded = decodeServerControl(data.toString('utf8'));
        if (decoded.ok) this.controls.push(decoded.message);
      }
      this.notify();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** The output so far, as text. */
  text(): string {
    return this.output;
  }

  /** Types `text` (a binary frame, as keystrokes travel). */
  send(text: string): void {
    this.socket.send(Buffer.from(text), { binary: true });
  }

  control(message: ClientControl): void {
    this.socket.send(encodeControl(message));
  }

  controlsOf<T extends ServerControl['type']>(type: T): Extract<ServerControl, { type: T }>[] {
    return this.controls.filter((c): c is Extract<ServerControl, { type: T }> => c.type === type);
  }

  /** Resolves with the output once it matches `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = WAIT_MS): Promise<string> {
    await this.waitUntil(() => pattern.test(this.output), `output matching ${pattern}`, timeoutMs, true);
    return this.output;
  }

  /** Resolves with the first control message of `type` (that satisfies `where`). */
  async waitControl<T extends ServerControl['type']>(type: T, where: (message: Extract<ServerControl, { type: T }>) => boolean = () => true, timeoutMs = WAIT_MS): Promise<Extract<ServerControl, { type: T }>> {
    const find = () => this.controlsOf(type).find(where);
    await this.waitUntil(() => find() !== undefined, `a ${type} message`, timeoutMs, false);
    return find()!;
  }

  async waitClosed(timeoutMs = WAIT_MS): Promise<{ code: number; reason: string }> {
    await this.waitUntil(() => this.closed !== undefined, 'the socket to close', timeoutMs, false);
    return this.closed!;
  }

  close(): void {
    this.socket.close();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async waitUntil(condition: () => boolean, what: string, timeoutMs: number, failOnClose: boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (condition()) return;
      const state = `controls ${JSON.stringify(this.controls)}, output ${JSON.stringify(this.output.slice(-500))}`;
      if (failOnClose && this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}; ${state}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; ${state}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
