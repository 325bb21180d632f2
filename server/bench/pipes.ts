import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { FLOW_ACK_BYTES, decodeServerControl, encodeControl, type ServerControl } from '@sonde/shared';
import { nowMs } from './stats.js';

/**
 * One terminal as the benchmark drives it, whatever carries it: the raw Docker stream read
 * with dockerode, or a Sonde session's WebSocket read by an acking client.
 */
export interface TerminalPipe {
  readonly label: string;
  /** Output bytes delivered (for an emulated browser: rendered) so far. */
  readonly received: number;
  write(data: string | Buffer): void;
  /** Called with each chunk when it is delivered; returns the unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  close(): Promise<void>;
}

abstract class BasePipe implements TerminalPipe {
  received = 0;
  private readonly listeners = new Set<(chunk: Buffer) => void>();
  constructor(readonly label: string) {}
  abstract write(data: string | Buffer): void;
  abstract close(): Promise<void>;

  onData(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected deliver(chunk: Buffer): void {
    this.received += chunk.length;
    for (const l of this.listeners) l(chunk);
  }
}

/** The Docker attach stream itself, read as fast as it comes: the baseline. */
export class RawPipe extends BasePipe {
  constructor(
    label: string,
    private readonly stream: Duplex,
  ) {
    super(label);
    stream.on('data', (chunk: Buffer) => this.deliver(chunk));
    stream.on('error', () => undefined);
  }

  write(data: string | Buffer): void {
    this.stream.write(data);
  }

  async close(): Promise<void> {
    this.stream.destroy();
  }
}

export type AckMode = { kind: 'immediate' } | { kind: 'render'; bytesPerSecond: number };

/**
 * A Sonde terminal client. `immediate` acks each frame on arrival (an infinitely fast xterm);
 * `render` emulates a browser that renders at a fixed rate and acks what it rendered, in steps
 * of the server's ackBytes or whenever its queue drains (what the web client does).
 */
export class SondePipe extends BasePipe {
  readonly controls: ServerControl[] = [];
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private unacked = 0;
  private renderTimer: NodeJS.Timeout | undefined;
  private lastRender = 0;
  closed: { code: number } | undefined;

  private constructor(
    label: string,
    private readonly ws: WebSocket,
    private readonly mode: AckMode,
  ) {
    super(label);
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const decoded = decodeServerControl(data.toString());
        if (decoded.ok) this.controls.push(decoded.message);
        return;
      }
      if (this.mode.kind === 'immediate') {
        this.deliver(data);
        ws.send(encodeControl({ type: 'ack', bytes: data.length }));
        return;
      }
      this.queue.push(data);
      this.queued += data.length;
      this.startRendering();
    });
    ws.on('close', (code) => {
      this.closed = { code };
      if (this.renderTimer) clearInterval(this.renderTimer);
    });
  }

  static connect(label: string, url: string, headers: Record<string, string>, mode: AckMode = { kind: 'immediate' }): Promise<SondePipe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      const pipe = new SondePipe(label, ws, mode);
      ws.once('open', () => resolve(pipe));
      ws.once('error', reject);
    });
  }

  /** Bytes received but not yet "rendered". */
  get backlog(): number {
    return this.queued;
  }

  private startRendering(): void {
    if (this.renderTimer || this.mode.kind !== 'render') return;
    const rate = this.mode.bytesPerSecond;
    this.lastRender = nowMs();
    this.renderTimer = setInterval(() => {
      const now = nowMs();
      let budget = Math.floor(((now - this.lastRender) / 1000) * rate);
      this.lastRender = now;
      while (budget > 0 && this.queue.length > 0) {
        const head = this.queue[0]!;
        const piece = head.length <= budget ? head : head.subarray(0, budget);
        if (piece === head) this.queue.shift();
        else this.queue[0] = head.subarray(budget);
        budget -= piece.length;
        this.queued -= piece.length;
        this.unacked += piece.length;
        this.deliver(piece);
      }
      if (this.unacked > 0 && (this.unacked >= FLOW_ACK_BYTES || this.queue.length === 0)) {
        this.ws.send(encodeControl({ type: 'ack', bytes: this.unacked }));
        this.unacked = 0;
      }
      if (this.queue.length === 0 && this.renderTimer) {
        clearInterval(this.renderTimer);
        this.renderTimer = undefined;
      }
    }, 4);
  }

  write(data: string | Buffer): void {
    this.ws.send(typeof data === 'string' ? Buffer.from(data) : data, { binary: true });
  }

  resize(cols: number, rows: number): void {
    this.ws.send(encodeControl({ type: 'resize', cols, rows }));
  }

  async close(): Promise<void> {
    if (this.renderTimer) clearInterval(this.renderTimer);
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }
}

/**
 * Resolves with the time (ms, hrtime) at which `marker` was delivered. Scans each chunk plus
 * the tail of the previous one, so markers split across frames are found.
 */
export function waitForMarker(pipe: TerminalPipe, marker: string, timeoutMs = 60_000): Promise<number> {
  const needle = Buffer.from(marker);
  let carry = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${pipe.label}: no "${marker}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = pipe.onData((chunk) => {
      const view = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      if (view.includes(needle)) {
        clearTimeout(timer);
        off();
        resolve(nowMs());
        return;
      }
      carry = Buffer.from(view.subarray(Math.max(0, view.length - needle.length + 1)));
    });
  });
}

/** A marker the shell prints but its echoed command line does not contain. */
export function marker(tag: string): { command: string; text: string } {
  return { command: `printf '%s%s\\n' MK ${tag}`, text: `MK${tag}` };
}

/** Resolves at the pipe's first output byte (a shell's prompt). */
export function firstData(pipe: TerminalPipe, timeoutMs = 30_000): Promise<void> {
  if (pipe.received > 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pipe.label}: no output in ${timeoutMs} ms`)), timeoutMs);
    const off = pipe.onData(() => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
