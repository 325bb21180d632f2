import WebSocket from 'ws';
import { decodeServerControl, encodeControl, type ServerControl } from '@sonde/shared';

/**
 * A terminal client that speaks the protocol like the browser does: acks what it processed,
 * collects output, and waits for text to appear.
 */
export class TerminalClient {
  readonly controls: ServerControl[] = [];
  private chunks: Buffer[] = [];
  private received = 0;
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.chunks.push(data);
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

  static connect(url: string, headers: Record<string, string>): Promise<TerminalClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const client = new TerminalClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get bytesReceived(): number {
    return this.received;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
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
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text();
      if (test(text)) return text;
      if (this.closed && !test(text)) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${String(predicate)}; got:\n${text.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${String(predicate)}; got:\n${text.slice(-2000)}`);
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
    await this.waitFor(() => this.closed !== undefined, timeoutMs).catch(() => undefined);
    if (!this.closed) throw new Error('socket did not close');
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}
