import { CloseCode, FLOW_ACK_BYTES, MAX_INPUT_FRAME_BYTES } from '@sonde/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TtyConnection, type TtySocket, type TtyState } from './tty-connection.js';
import { ttyUrl, withOffset } from './tty-url.js';

/** Stands in for the browser WebSocket: records what the client sends, lets the test play server. */
class FakeSocket {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  onopen: TtySocket['onopen'] = null;
  onmessage: TtySocket['onmessage'] = null;
  onclose: TtySocket['onclose'] = null;
  onerror: TtySocket['onerror'] = null;
  readonly sent: Array<string | Uint8Array> = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer).slice());
  }

  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }

  // Server side
  open() {
    this.readyState = 1;
    this.onopen?.call(this as never, new Event('open'));
  }
  hello(overrides: { offset?: number; resynced?: boolean; ackBytes?: number } = {}) {
    this.open();
    this.text({
      type: 'hello',
      session: 's1',
      offset: overrides.offset ?? 0,
      resynced: overrides.resynced ?? false,
      flow: { high: 4 << 20, low: 1 << 20, ackBytes: overrides.ackBytes ?? FLOW_ACK_BYTES },
    });
  }
  text(message: unknown) {
    this.onmessage?.call(this as never, { data: JSON.stringify(message) } as MessageEvent);
  }
  output(length: number) {
    this.onmessage?.call(this as never, { data: new ArrayBuffer(length) } as MessageEvent);
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.call(this as never, { code, reason } as CloseEvent);
  }

  controls(): Array<Record<string, unknown>> {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d));
  }
  binaries(): Uint8Array[] {
    return this.sent.filter((d): d is Uint8Array => typeof d !== 'string');
  }
}

interface Harness {
  connection: TtyConnection;
  sockets: FakeSocket[];
  states: TtyState[];
  /** Write callbacks not yet run: the terminal has not processed these bytes. */
  pendingWrites: Array<() => void>;
  socket(): FakeSocket;
}

function connect(
  options: { autoProcess?: boolean; confirmSession?: () => Promise<boolean> } = {},
): Harness {
  const sockets: FakeSocket[] = [];
  const states: TtyState[] = [];
  const pendingWrites: Array<() => void> = [];
  const connection = new TtyConnection({
    url: 'ws://sonde.test/api/sessions/s1/tty',
    random: () => 1,
    ...(options.confirmSession ? { confirmSession: options.confirmSession } : {}),
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket as unknown as TtySocket;
    },
    onOutput: (_bytes, processed) => {
      if (options.autoProcess) processed();
      else pendingWrites.push(processed);
    },
  });
  connection.events.on('state', (state) => states.push(state));
  connection.connect();
  return {
    connection,
    sockets,
    states,
    pendingWrites,
    socket: () => {
      const last = sockets.at(-1);
      if (!last) throw new Error('no socket');
      return last;
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('TtyConnection', () => {
  it('opens an arraybuffer socket without an offset, then reports open on hello', () => {
    const h = connect();
    expect(h.socket().url).toBe('ws://sonde.test/api/sessions/s1/tty');
    expect(h.socket().binaryType).toBe('arraybuffer');
    expect(h.connection.state.kind).toBe('connecting');
    h.socket().hello();
    expect(h.connection.state).toEqual({ kind: 'open', resumed: false });
  });

  it('sends the terminal size after hello and on change', () => {
    const h = connect();
    h.connection.resize(120, 40);
    h.socket().hello();
    h.connection.resize(100, 30);
    h.connection.resize(100, 30);
    expect(h.socket().controls()).toEqual([
      { type: 'resize', cols: 120, rows: 40 },
      { type: 'resize', cols: 100, rows: 30 },
    ]);
  });

  it('acks processed output at ackBytes and when the write queue empties', () => {
    const h = connect();
    h.socket().hello({ ackBytes: 1000 });
    h.socket().output(600);
    h.socket().output(600);
    h.socket().output(100);
    h.pendingWrites.shift()?.();
    expect(h.socket().controls()).toEqual([]);
    h.pendingWrites.shift()?.();
    expect(h.socket().controls()).toEqual([{ type: 'ack', bytes: 1200 }]);
    h.pendingWrites.shift()?.();
    expect(h.socket().controls()).toEqual([
      { type: 'ack', bytes: 1200 },
      { type: 'ack', bytes: 100 },
    ]);
  });

  it('sends input as UTF-8 binary frames, split at the server limit', () => {
    const h = connect();
    h.socket().hello();
    h.connection.sendInput('é\r');
    expect([...(h.socket().binaries()[0] ?? [])]).toEqual([0xc3, 0xa9, 0x0d]);
    h.connection.sendInput('x'.repeat(MAX_INPUT_FRAME_BYTES * 2 + 1));
    expect(h.socket().binaries().slice(1).map((frame) => frame.length)).toEqual([
      MAX_INPUT_FRAME_BYTES,
      MAX_INPUT_FRAME_BYTES,
      1,
    ]);
  });

  it('holds input typed before hello and sends it once connected', () => {
    const h = connect();
    h.connection.sendInput('id\r');
    expect(h.socket().sent).toEqual([]);
    h.socket().hello();
    expect(new TextDecoder().decode(h.socket().binaries()[0])).toBe('id\r');
  });

  it('reconnects after an unexpected close, resuming from the bytes received', () => {
    const h = connect({ autoProcess: true });
    h.socket().hello({ offset: 1000 });
    h.socket().output(234);
    h.socket().drop(1006);
    expect(h.connection.state).toMatchObject({ kind: 'reconnecting', attempt: 1, delayMs: 250 });
    vi.advanceTimersByTime(250);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket().url).toBe('ws://sonde.test/api/sessions/s1/tty?offset=1234');
    h.socket().hello({ offset: 1234 });
    expect(h.connection.state).toEqual({ kind: 'open', resumed: true });
  });

  it('backs off exponentially while the server stays away, and resets after a hello', () => {
    const h = connect();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      h.socket().drop(1006);
      const state = h.connection.state;
      if (state.kind === 'reconnecting') delays.push(state.delayMs);
      vi.advanceTimersByTime(5000);
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    h.socket().hello();
    h.socket().drop(CloseCode.ServerShutdown);
    expect(h.connection.state).toMatchObject({ kind: 'reconnecting', delayMs: 250 });
  });

  it('does not credit writes queued for a dropped socket to the new one', () => {
    const h = connect();
    h.socket().hello({ ackBytes: 10 });
    h.socket().output(50);
    const first = h.socket();
    first.drop(1006);
    vi.advanceTimersByTime(250);
    h.socket().hello({ offset: 50, ackBytes: 10 });
    h.pendingWrites.shift()?.();
    expect(h.socket().controls().filter((c) => c.type === 'ack')).toEqual([]);
    expect(first.controls().filter((c) => c.type === 'ack')).toEqual([]);
  });

  it('announces a resync when the server could not replay everything', () => {
    const h = connect();
    const resynced = vi.fn();
    h.connection.events.on('resynced', resynced);
    h.socket().hello({ offset: 0 });
    h.socket().drop(1006);
    vi.advanceTimersByTime(250);
    h.socket().hello({ offset: 9_000_000, resynced: true });
    expect(resynced).toHaveBeenCalledTimes(1);
    expect(h.connection.receivedOffset).toBe(9_000_000);
  });

  it('treats a second hello on the same socket as a skip-ahead, not a reconnect', () => {
    const h = connect();
    const resynced = vi.fn();
    h.connection.events.on('resynced', resynced);
    h.socket().hello({ offset: 0, ackBytes: 10 });
    h.socket().output(40);
    h.socket().hello({ offset: 5000, resynced: true, ackBytes: 10 });
    expect(resynced).toHaveBeenCalledTimes(1);
    expect(h.states.filter((s) => s.kind === 'open')).toHaveLength(1);
    // The 40 bytes written before the skip belong to the old window: not acked again.
    h.pendingWrites.shift()?.();
    expect(h.socket().controls().filter((c) => c.type === 'ack')).toEqual([]);
    h.socket().output(10);
    h.pendingWrites.shift()?.();
    expect(h.socket().controls().filter((c) => c.type === 'ack')).toEqual([{ type: 'ack', bytes: 10 }]);
    expect(h.connection.receivedOffset).toBe(5010);
  });

  it('stops retrying when a failed handshake turns out to be a deleted session', async () => {
    const confirmSession = vi.fn(async () => false);
    const h = connect({ confirmSession });
    h.socket().drop(1006);
    await vi.waitFor(() => expect(h.connection.state).toEqual({ kind: 'closed', reason: 'session not found' }));
    vi.advanceTimersByTime(10_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('keeps retrying when the session still exists or cannot be checked', async () => {
    const confirmSession = vi.fn(async () => {
      throw new Error('server down');
    });
    const h = connect({ confirmSession });
    h.socket().drop(1006);
    await Promise.resolve();
    vi.advanceTimersByTime(250);
    expect(h.sockets).toHaveLength(2);
    expect(confirmSession).toHaveBeenCalledTimes(1);
    // A socket that did open and then dropped is a network problem, not a missing session.
    h.socket().hello();
    h.socket().drop(1006);
    expect(confirmSession).toHaveBeenCalledTimes(1);
  });

  it('stays exited after the shell exits and the server closes', () => {
    const h = connect();
    h.socket().hello();
    h.socket().text({ type: 'exit', code: 3 });
    h.socket().drop(CloseCode.SessionEnded);
    vi.advanceTimersByTime(10_000);
    expect(h.connection.state).toEqual({ kind: 'exited', code: 3 });
    expect(h.sockets).toHaveLength(1);
  });

  it.each([CloseCode.SessionEnded, CloseCode.SessionNotFound])('gives up on close code %i', (code) => {
    const h = connect();
    h.socket().drop(code);
    vi.advanceTimersByTime(10_000);
    expect(h.connection.state.kind).toBe('closed');
    expect(h.sockets).toHaveLength(1);
  });

  it('reports the server error that preceded a final close', () => {
    const h = connect();
    h.socket().open();
    h.socket().text({ type: 'error', code: 'SESSION_NOT_FOUND', message: 'No such session' });
    h.socket().drop(CloseCode.SessionNotFound);
    expect(h.connection.state).toEqual({ kind: 'error', code: 'SESSION_NOT_FOUND', message: 'No such session' });
  });

  it('ignores malformed control frames', () => {
    const h = connect();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    h.socket().text({ type: 'hello', session: 's1' });
    h.socket().text({ type: 'surprise' });
    expect(h.connection.state.kind).toBe('connecting');
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  it('dispose closes the socket and cancels a pending reconnect, once', () => {
    const h = connect();
    h.socket().hello();
    h.socket().drop(1006);
    h.connection.dispose();
    h.connection.dispose();
    vi.advanceTimersByTime(10_000);
    expect(h.sockets).toHaveLength(1);

    const g = connect();
    g.socket().hello();
    g.connection.dispose();
    expect(g.socket().closedWith).toBe(1000);
    expect(g.socket().onmessage).toBeNull();
  });
});

const alice = { id: 'user:alice', name: 'alice', owner: true, clients: 1 };
const bob = { id: 'share:s1', name: 'bob (link)', owner: false, clients: 1, shareId: 's1' };

function presence(you: string, role: 'driver' | 'viewer', participants = [alice, bob].map((p) => ({ ...p, role: p.id === you ? role : 'driver' }))) {
  return { type: 'presence', you, role, participants };
}

describe('TtyConnection presence and roles', () => {
  it('announces presence and exposes this client role', () => {
    const h = connect();
    const seen = vi.fn();
    h.connection.events.on('presence', seen);
    expect(h.connection.role).toBeNull();
    h.socket().hello();
    h.socket().text(presence('share:s1', 'viewer'));
    expect(seen).toHaveBeenCalledTimes(1);
    expect(h.connection.role).toBe('viewer');
    expect(h.connection.presence?.participants.map((p) => p.name)).toEqual(['alice', 'bob (link)']);
  });

  it('sends no input and no resize while a viewer, and says so', () => {
    const h = connect();
    const refused = vi.fn();
    h.connection.events.on('readOnlyInput', refused);
    h.connection.resize(80, 24);
    h.socket().hello();
    h.socket().text(presence('share:s1', 'viewer'));
    const before = h.socket().sent.length;
    h.connection.sendInput('touch /tmp/viewer-was-here\r');
    h.connection.resize(100, 30);
    expect(h.socket().sent.length).toBe(before);
    expect(refused).toHaveBeenCalledTimes(1);
  });

  it('drops input held from before the presence said viewer, and holds none while away', () => {
    const h = connect();
    h.socket().hello();
    h.socket().text(presence('share:s1', 'viewer'));
    h.socket().drop(1006);
    h.connection.sendInput('typed while away');
    vi.advanceTimersByTime(250);
    h.socket().hello({ offset: 0 });
    expect(h.socket().binaries()).toEqual([]);
  });

  it('given the keyboard, sends its size and then its input', () => {
    const h = connect();
    h.connection.resize(90, 20);
    h.socket().hello();
    h.socket().text(presence('share:s1', 'viewer'));
    h.connection.resize(100, 30);
    h.socket().text(presence('share:s1', 'driver'));
    h.connection.sendInput('echo handed-over\r');
    const controls = h.socket().controls();
    expect(controls.at(-1)).toEqual({ type: 'resize', cols: 100, rows: 30 });
    expect(new TextDecoder().decode(h.socket().binaries()[0])).toBe('echo handed-over\r');
  });

  it('sends set-role only while connected', () => {
    const h = connect();
    expect(h.connection.setRole('share:s1', 'driver')).toBe(false);
    h.socket().hello();
    expect(h.connection.setRole('share:s1', 'driver')).toBe(true);
    expect(h.socket().controls().filter((c) => c.type === 'set-role')).toEqual([
      { type: 'set-role', participant: 'share:s1', role: 'driver' },
    ]);
  });

  it('does not reconnect after 4003 and says the access was revoked, with the server reason', () => {
    const h = connect();
    h.socket().hello();
    h.socket().text({ type: 'error', code: 'ACCESS_REVOKED', message: 'share link revoked' });
    h.socket().drop(CloseCode.AccessRevoked, 'share link revoked');
    vi.advanceTimersByTime(30_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.connection.state).toEqual({
      kind: 'closed',
      reason: 'Your access to this session was revoked (share link revoked).',
      revoked: true,
    });
  });
});

describe('tty URLs', () => {
  it('uses ws: or wss: to match the page', () => {
    expect(ttyUrl('/api/sessions/a/tty', { protocol: 'http:', host: '127.0.0.1:8080' })).toBe(
      'ws://127.0.0.1:8080/api/sessions/a/tty',
    );
    expect(ttyUrl('/api/sessions/a/tty', { protocol: 'https:', host: 'sonde.example' })).toBe(
      'wss://sonde.example/api/sessions/a/tty',
    );
  });

  it('adds the resume offset only when there is one', () => {
    expect(withOffset('ws://h/api/sessions/a/tty', undefined)).toBe('ws://h/api/sessions/a/tty');
    expect(withOffset('ws://h/api/sessions/a/tty', 0)).toBe('ws://h/api/sessions/a/tty?offset=0');
  });
});
