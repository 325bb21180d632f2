import { Duplex, PassThrough, Writable } from 'node:stream';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';
// Not re-exported by the package index; the package has no exports map, so its module path is its API.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';

/**
 * Adapters between the Kubernetes exec/attach websocket (as @kubernetes/client-node speaks it:
 * one channel byte before every frame, 0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255
 * close) and the streams the rest of Sonde reads: a TTY duplex with resizes, demultiplexed
 * stdout and stderr, an exit code from the status channel.
 */

/** The websocket a client-node Exec or Attach returns (isomorphic-ws over ws). */
export interface ChannelSocket {
  readonly protocol: string;
  readonly readyState: number;
  close(): void;
  pause?(): void;
  resume?(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A WebSocketHandler whose "close stream" frames (channel 255, from a v5 server) end this
 * connection's own streams: client-node's default handler would end process.stdout.
 */
export function channelHandler(config: KubeConfig, streams: { stdin: PassThrough; stdout: Writable; stderr: Writable }): WebSocketHandler {
  return new WebSocketHandler(config, undefined, streams);
}

/**
 * The output side of a TTY: client-node treats a stream with `columns`, `rows` and a `resize`
 * event as a terminal, and sends its size on the resize channel (4) at the start and on every
 * `resize`, as `{"height":…,"width":…}` (the kubelet decodes it into its TerminalSize, whose
 * JSON field names Go matches without regard to case).
 */
export class TerminalOutput extends Writable {
  columns: number;
  rows: number;

  constructor(
    private readonly sink: (chunk: Buffer) => boolean,
    size: { cols: number; rows: number },
  ) {
    super();
    this.columns = size.cols;
    this.rows = size.rows;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.sink(chunk);
    done();
  }

  resize(cols: number, rows: number): void {
    if (cols === this.columns && rows === this.rows) return;
    this.columns = cols;
    this.rows = rows;
    this.emit('resize');
  }
}

/**
 * The exit code a status frame (channel 3) carries: `Success` is 0; a `NonZeroExitCode`
 * failure carries the code as the message of its `ExitCode` cause (the kubelet's
 * remotecommand). Undefined when the status says something else (the process could not start).
 */
export function exitCodeOf(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message && /^\d+$/.test(cause.message)) return Number(cause.message);
  return undefined;
}

/**
 * A TTY both ways as one duplex: what is written goes to the process's stdin; its output is read.
 * Back-pressure: when the reader falls behind, the websocket is paused (ws stops reading the
 * socket) until it reads again. Destroying the duplex closes the websocket.
 */
export class TerminalDuplex extends Duplex {
  readonly stdin = new PassThrough();
  readonly output: TerminalOutput;
  private socket: ChannelSocket | undefined;

  constructor(size: { cols: number; rows: number }) {
    super();
    this.output = new TerminalOutput((chunk) => {
      const more = this.push(chunk);
      if (!more) this.socket?.pause?.();
      return more;
    }, size);
    this.output.once('finish', () => this.push(null));
  }

  /** Binds the open websocket: its close ends the output. */
  bind(socket: ChannelSocket): void {
    this.socket = socket;
    socket.on('close', () => {
      if (!this.output.writableEnded) this.output.end();
    });
    socket.on('error', () => {
      if (!this.output.writableEnded) this.output.end();
    });
  }

  override _read(): void {
    this.socket?.resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.stdin.write(chunk);
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.stdin.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket?.close();
    done(error);
  }
}
