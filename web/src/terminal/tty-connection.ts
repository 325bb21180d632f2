/**
 * One browser-side terminal connection: a WebSocket to /api/sessions/:id/tty that carries
 * output to the terminal with acknowledgements, input and resizes to the server, and resumes
 * from the last received byte after a drop. Framework-free: no React, no xterm.
 */
import {
  CloseCode,
  FLOW_ACK_BYTES,
  clampSize,
  decodeServerControl,
  encodeControl,
  type ErrorMessage,
  type HelloMessage,
  type NoticeMessage,
  type ParticipantRole,
  type PresenceMessage,
} from '@sonde/shared';
import type { Disposable } from '../lifecycle/disposable';
import { Emitter } from '../lifecycle/emitter';
import { AckLedger, splitInput } from './flow-control';
import { reconnectDelay } from './reconnect-backoff';
import { withOffset } from './tty-url';

export type TtyState =
  | { kind: 'connecting' }
  /** `resumed`: this is a reconnect that continued an earlier stream. */
  | { kind: 'open'; resumed: boolean }
  | { kind: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  | { kind: 'exited'; code: number; reason?: string }
  /** `revoked`: closed with 4003, the credential lost this session (logout, disabled, share revoked). */
  | { kind: 'closed'; reason: string; revoked?: boolean }
  | { kind: 'error'; code: string; message: string };

export type TtyStateKind = TtyState['kind'];

export type TtyEvents = {
  state: TtyState;
  hello: HelloMessage;
  /** The server could not replay everything this client missed; the screen continues from recent output. */
  resynced: HelloMessage;
  /** A line from the server for every participant (e.g. the idle warning). */
  notice: NoticeMessage;
  /** Who is attached and this client's role; sent on attach and on every change. */
  presence: PresenceMessage;
  /** Input or a resize was dropped because this client only watches (see `role`). */
  readOnlyInput: undefined;
};

/** The part of the browser WebSocket this class uses (a fake implements it in tests). */
export type TtySocket = Pick<
  WebSocket,
  'binaryType' | 'readyState' | 'send' | 'close' | 'onopen' | 'onmessage' | 'onclose' | 'onerror'
>;

export interface TtyConnectionOptions {
  /** ws: or wss: URL of the session's terminal socket, without query string. */
  url: string;
  /**
   * Hands output bytes to the terminal. `processed` must be called once the terminal has parsed
   * them (xterm's write callback): acks are what let the server keep reading the shell.
   */
  onOutput(bytes: Uint8Array<ArrayBuffer>, processed: () => void): void;
  /**
   * Asked when a connection attempt failed before the socket opened. The server refuses an
   * unknown session with HTTP 404 before the upgrade, which a browser reports as a bare close
   * 1006, the same as "server unreachable". Resolve false if the session is known to be gone;
   * without this, the connection keeps retrying.
   */
  confirmSession?: () => Promise<boolean>;
  createSocket?: (url: string) => TtySocket;
  random?: () => number;
}

const SOCKET_OPEN = 1;

/** Input typed while (re)connecting is held until the server says hello, up to this much. */
const MAX_PENDING_INPUT_BYTES = 1024 * 1024;

/**
 * Close codes after which reconnecting cannot help: the session is gone, or the server refused
 * us (origin or authentication). 4001 ServerShutdown is deliberately absent: the server may be
 * restarting and sessions may come back.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.SessionEnded,
  CloseCode.SessionNotFound,
  CloseCode.PolicyViolation,
  CloseCode.AccessRevoked,
]);

const REVOKED_DEFAULT_REASON = 'logged out, account disabled, or share link revoked or expired';

function describeClose(code: number, reason: string): string {
  if (reason) return reason;
  switch (code) {
    case CloseCode.SessionEnded:
      return 'session ended';
    case CloseCode.SessionNotFound:
      return 'session not found';
    case CloseCode.PolicyViolation:
      return 'connection refused by the server';
    case CloseCode.ServerShutdown:
      return 'server shutting down';
    case CloseCode.AccessRevoked:
      return REVOKED_DEFAULT_REASON;
    default:
      return `connection lost (${code})`;
  }
}

export class TtyConnection implements Disposable {
  readonly events = new Emitter<TtyEvents>();

  private readonly encoder = new TextEncoder();
  private readonly createSocket: (url: string) => TtySocket;
  private readonly random: () => number;

  private socket: TtySocket | null = null;
  /** Ack accounting of the current socket; replaced on every hello, dropped on close. */
  private ledger: AckLedger | null = null;
  /** Absolute output offset of the next byte we expect; undefined until the first hello. */
  private position: number | undefined;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private currentState: TtyState = { kind: 'connecting' };
  private size: { cols: number; rows: number } | null = null;
  private pendingInput: Uint8Array<ArrayBuffer>[] = [];
  private pendingInputBytes = 0;
  private lastError: ErrorMessage | null = null;
  /** The latest presence; kept across reconnects so a viewer stays read-only while away. */
  private lastPresence: PresenceMessage | null = null;
  /** Whether the current socket completed its handshake / received its first hello. */
  private socketOpened = false;
  private helloReceived = false;
  private started = false;
  private exited = false;
  private disposed = false;

  constructor(private readonly options: TtyConnectionOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.random = options.random ?? Math.random;
  }

  get state(): TtyState {
    return this.currentState;
  }

  /** Total output bytes received so far (the offset a reconnect resumes from). */
  get receivedOffset(): number | undefined {
    return this.position;
  }

  get url(): string {
    return this.options.url;
  }

  /** The latest presence from the server; null until the first one. */
  get presence(): PresenceMessage | null {
    return this.lastPresence;
  }

  /** This client's role; null while unknown (a server without presence treats everyone as a driver). */
  get role(): ParticipantRole | null {
    return this.lastPresence?.role ?? null;
  }

  connect(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.openSocket();
  }

  /**
   * Owner or admin: make a participant a driver (may type and resize) or a viewer. The server
   * answers with a new presence, or an error if we may not. False when not connected.
   */
  setRole(participant: string, role: ParticipantRole): boolean {
    if (!this.isLive() || !this.socket) return false;
    this.socket.send(encodeControl({ type: 'set-role', participant, role }));
    return true;
  }

  /** Keystrokes and pastes, as text from the terminal. */
  sendInput(text: string): void {
    if (text.length > 0) this.sendBytes(this.encoder.encode(text));
  }

  sendBytes(bytes: Uint8Array<ArrayBuffer>): void {
    if (this.disposed || this.exited || bytes.length === 0) return;
    // The server drops a viewer's keystrokes and disconnects after too many: never send them.
    if (this.isViewer()) {
      this.events.emit('readOnlyInput', undefined);
      return;
    }
    if (this.isLive()) {
      for (const frame of splitInput(bytes)) this.socket?.send(frame);
      return;
    }
    if (this.pendingInputBytes + bytes.length > MAX_PENDING_INPUT_BYTES) {
      console.warn('[sonde] terminal not connected; input dropped');
      return;
    }
    this.pendingInput.push(bytes);
    this.pendingInputBytes += bytes.length;
  }

  resize(cols: number, rows: number): void {
    const size = clampSize(cols, rows);
    if (this.size && this.size.cols === size.cols && this.size.rows === size.rows) return;
    this.size = size;
    // A viewer's window size is its own; kept so it applies if the keyboard comes to us.
    if (this.isLive() && !this.isViewer()) this.sendSize();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    this.socket = null;
    this.ledger = null;
    this.pendingInput = [];
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(CloseCode.Normal, 'closed by client');
    }
    this.events.dispose();
  }

  private isLive(): boolean {
    return this.currentState.kind === 'open' && this.socket?.readyState === SOCKET_OPEN;
  }

  private isViewer(): boolean {
    return this.lastPresence?.role === 'viewer';
  }

  private openSocket(): void {
    const socket = this.createSocket(withOffset(this.options.url, this.position));
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.ledger = null;
    this.lastError = null;
    this.socketOpened = false;
    this.helloReceived = false;
    // Handlers check identity: a socket we already replaced must not touch the state.
    socket.onopen = () => {
      if (this.socket === socket) this.socketOpened = true;
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.onMessage(socket, event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.ledger = null;
      this.onClose(event.code, event.reason);
    };
    // An error is always followed by close, which decides what to do.
    socket.onerror = null;
  }

  private onMessage(socket: TtySocket, data: unknown): void {
    if (typeof data === 'string') {
      this.onControl(data);
    } else if (data instanceof ArrayBuffer) {
      this.onOutput(socket, new Uint8Array(data));
    }
  }

  private onOutput(socket: TtySocket, bytes: Uint8Array<ArrayBuffer>): void {
    // The protocol sends hello first; a ledger created here only covers a misbehaving server.
    const ledger = (this.ledger ??= new AckLedger(FLOW_ACK_BYTES));
    this.position = (this.position ?? 0) + bytes.length;
    ledger.written(bytes.length);
    this.options.onOutput(bytes, () => this.onProcessed(socket, ledger, bytes.length));
  }

  private onProcessed(socket: TtySocket, ledger: AckLedger, bytes: number): void {
    // Writes queued for an earlier socket finish after a reconnect: they must not be credited
    // to the new connection, whose window starts empty.
    if (this.disposed || ledger !== this.ledger) return;
    const ack = ledger.processed(bytes);
    if (ack > 0 && socket.readyState === SOCKET_OPEN) socket.send(encodeControl({ type: 'ack', bytes: ack }));
  }

  private onControl(text: string): void {
    const decoded = decodeServerControl(text);
    if (!decoded.ok) {
      console.warn(`[sonde] ignored terminal control frame: ${decoded.reason}`);
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'hello':
        this.onHello(message);
        return;
      case 'exit':
        this.exited = true;
        this.pendingInput = [];
        this.setState(
          message.reason === undefined
            ? { kind: 'exited', code: message.code }
            : { kind: 'exited', code: message.code, reason: message.reason },
        );
        return;
      case 'error':
        // The close that follows decides between retrying and giving up.
        this.lastError = message;
        return;
      case 'notice':
        this.events.emit('notice', message);
        return;
      case 'presence':
        this.onPresence(message);
        return;
      default: {
        const unexpected: never = message;
        return unexpected;
      }
    }
  }

  private onHello(hello: HelloMessage): void {
    const resumed = this.position !== undefined;
    // The offset names the first byte of the binary frames that follow: anything between our
    // position and it was not replayable (hello.resynced says so). A fresh ledger because the
    // server restarts its window at every hello.
    this.position = hello.offset;
    this.ledger = new AckLedger(hello.flow.ackBytes > 0 ? hello.flow.ackBytes : FLOW_ACK_BYTES);
    if (this.helloReceived) {
      // A second hello on the same socket: we fell behind the server's replay buffer and it
      // skipped ahead. Still connected; only the screen is incomplete.
      if (hello.resynced) this.events.emit('resynced', hello);
      return;
    }
    this.helloReceived = true;
    this.attempt = 0;
    this.setState({ kind: 'open', resumed });
    this.events.emit('hello', hello);
    if (hello.resynced) this.events.emit('resynced', hello);
    this.sendSize();
    this.flushPendingInput();
  }

  private onPresence(presence: PresenceMessage): void {
    const wasViewer = this.isViewer();
    this.lastPresence = presence;
    if (presence.role === 'viewer') {
      // Held keystrokes were typed before we knew; they must not reach the shell now.
      this.pendingInput = [];
      this.pendingInputBytes = 0;
    } else if (wasViewer) {
      // Handed the keyboard: the shell takes this window's size from now on.
      this.sendSize();
    }
    this.events.emit('presence', presence);
  }

  private onClose(code: number, reason: string): void {
    if (this.disposed || this.exited) return;
    if (code === CloseCode.AccessRevoked) {
      this.pendingInput = [];
      const why = (this.lastError?.message || describeClose(code, reason)).replace(/\.+$/, '');
      this.setState({ kind: 'closed', reason: `Your access to this session was revoked (${why}).`, revoked: true });
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.pendingInput = [];
      this.setState(
        this.lastError
          ? { kind: 'error', code: this.lastError.code, message: this.lastError.message }
          : { kind: 'closed', reason: describeClose(code, reason) },
      );
      return;
    }
    const delayMs = reconnectDelay(this.attempt, this.random);
    this.attempt += 1;
    this.setState({ kind: 'reconnecting', attempt: this.attempt, delayMs, reason: describeClose(code, reason) });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.disposed) this.openSocket();
    }, delayMs);
    if (!this.socketOpened && this.options.confirmSession) void this.checkSessionStillExists(this.options.confirmSession);
  }

  private async checkSessionStillExists(confirmSession: () => Promise<boolean>): Promise<void> {
    let exists: boolean;
    try {
      exists = await confirmSession();
    } catch {
      return; // Unknown (server unreachable): keep retrying.
    }
    if (exists || this.disposed || this.exited || this.currentState.kind !== 'reconnecting') return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close(CloseCode.Normal, 'session gone');
    }
    this.pendingInput = [];
    this.setState({ kind: 'closed', reason: 'session not found' });
  }

  private sendSize(): void {
    if (!this.size || this.socket?.readyState !== SOCKET_OPEN || this.isViewer()) return;
    this.socket.send(encodeControl({ type: 'resize', cols: this.size.cols, rows: this.size.rows }));
  }

  private flushPendingInput(): void {
    const pending = this.pendingInput;
    this.pendingInput = [];
    this.pendingInputBytes = 0;
    for (const bytes of pending) this.sendBytes(bytes);
  }

  private setState(state: TtyState): void {
    this.currentState = state;
    this.events.emit('state', state);
  }
}
