/**
 * Terminal sockets opened before their view exists: a deep link's as the page starts (while the
 * script asks who is logged in and lists the sessions), a new session's as soon as the server
 * answered its POST (while the page switches to it). The handshake and the server's replay travel
 * meanwhile. The view's TtyConnection then takes the socket, with everything that arrived on it
 * replayed in order, or opens its own when none is waiting. A socket nobody takes is closed after
 * CLAIM_MS; one that closed before it was taken is never handed out.
 */
import { ttyUrl, type TtySocket } from '@sonde/client';

export const CLAIM_MS = 10_000;

const CONNECTING = 0;
const OPEN = 1;

/** The part of a browser WebSocket an early socket holds. */
export type RawSocket = Pick<WebSocket, 'binaryType' | 'readyState' | 'send' | 'close' | 'onopen' | 'onmessage' | 'onclose' | 'onerror'>;

type Queued = { type: 'open'; event: Event } | { type: 'message'; event: MessageEvent } | { type: 'close'; event: CloseEvent } | { type: 'error'; event: Event };

/** A socket whose events wait, in order, until its taker has set its handlers. */
class HeldSocket implements TtySocket {
  onopen: TtySocket['onopen'] = null;
  onmessage: TtySocket['onmessage'] = null;
  onclose: TtySocket['onclose'] = null;
  onerror: TtySocket['onerror'] = null;
  private queue: Queued[] = [];
  private holding = true;

  constructor(private readonly socket: RawSocket) {
    socket.binaryType = 'arraybuffer';
    socket.onopen = (event) => this.arrive({ type: 'open', event });
    socket.onmessage = (event) => this.arrive({ type: 'message', event });
    socket.onclose = (event) => this.arrive({ type: 'close', event });
    socket.onerror = (event) => this.arrive({ type: 'error', event });
  }

  get binaryType(): BinaryType {
    return this.socket.binaryType;
  }

  set binaryType(value: BinaryType) {
    this.socket.binaryType = value;
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** Taken: what arrived so far goes to the handlers once the taker has set them (after this turn). */
  release(): void {
    queueMicrotask(() => {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.dispatch(next);
      this.holding = false;
    });
  }

  private arrive(event: Queued): void {
    if (this.holding) this.queue.push(event);
    else this.dispatch(event);
  }

  private dispatch(queued: Queued): void {
    const self = this.socket as WebSocket;
    switch (queued.type) {
      case 'open':
        this.onopen?.call(self, queued.event);
        return;
      case 'message':
        this.onmessage?.call(self, queued.event);
        return;
      case 'close':
        this.onclose?.call(self, queued.event);
        return;
      case 'error':
        this.onerror?.call(self, queued.event);
        return;
    }
  }
}

const waiting = new Map<string, { socket: HeldSocket; timer: ReturnType<typeof setTimeout> }>();

/** Opens the terminal socket for `url` now, unless one is already waiting. */
export function openEarlySocket(url: string, create: (url: string) => RawSocket = (u) => new WebSocket(u)): void {
  if (waiting.has(url)) return;
  const socket = new HeldSocket(create(url));
  const timer = setTimeout(() => {
    if (waiting.get(url)?.socket !== socket) return;
    waiting.delete(url);
    socket.close(1000, 'not claimed');
  }, CLAIM_MS);
  waiting.set(url, { socket, timer });
}

/** The socket waiting for `url`, still connecting or open; undefined when there is none. */
export function takeEarlySocket(url: string): TtySocket | undefined {
  const entry = waiting.get(url);
  if (!entry) return undefined;
  waiting.delete(url);
  clearTimeout(entry.timer);
  if (entry.socket.readyState !== CONNECTING && entry.socket.readyState !== OPEN) return undefined;
  entry.socket.release();
  return entry.socket;
}

/** The terminal socket's URL for a session (the path `SessionInfo.ttyPath` gives), on this page's server. */
export function sessionSocketUrl(sessionId: string, page: { protocol: string; host: string }): string {
  return ttyUrl(`/api/sessions/${encodeURIComponent(sessionId)}/tty`, page);
}
