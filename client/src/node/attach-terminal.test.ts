import { PassThrough } from 'node:stream';
import { FLOW_ACK_BYTES } from '@sonde/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SondeClient } from '../sonde-client.js';
import { attachTerminal, type TerminalEnd } from './attach-terminal.js';

/**
 * Stands in for the `ws` socket attachTerminal opens: records the bytes typed, lets the test play
 * server (hello, drop, exit). Only what these tests need; tty-connection.test.ts has the full one.
 */
const sockets = vi.hoisted(() => {
  class FakeWs {
    binaryType = 'blob';
    readyState = 0;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    readonly typed: number[][] = [];
    constructor(readonly url: string) {
      created.push(this);
    }
    send(data: unknown) {
      if (typeof data !== 'string') this.typed.push([...new Uint8Array(data as ArrayBuffer)]);
    }
    close() {
      this.readyState = 3;
    }
    hello() {
      this.readyState = 1;
      this.onopen?.({});
      this.text({ type: 'hello', session: 's1', offset: 0, resynced: false, flow: { high: 4 << 20, low: 1 << 20, ackBytes: ackBytes() } });
    }
    text(message: unknown) {
      this.onmessage?.({ data: JSON.stringify(message) });
    }
    drop() {
      this.readyState = 3;
      this.onclose?.({ code: 1006, reason: '' });
    }
  }
  const created: FakeWs[] = [];
  let flowAck = 0;
  const ackBytes = () => flowAck;
  return { FakeWs, created, setAckBytes: (bytes: number) => (flowAck = bytes) };
});
vi.mock('ws', () => ({ default: sockets.FakeWs }));

const client = new SondeClient({ baseUrl: 'http://sonde.test', token: 't' });

function attach(): { input: PassThrough; ended: Promise<TerminalEnd>; socket: () => InstanceType<typeof sockets.FakeWs> } {
  const input = new PassThrough();
  const ended = attachTerminal(client, '/api/sessions/s1/tty', { input, output: new PassThrough() });
  return {
    input,
    ended,
    socket: () => {
      const last = sockets.created.at(-1);
      if (!last) throw new Error('no socket');
      return last;
    },
  };
}

/** Lets stream events ('data', 'end') run under fake timers. */
const streamEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

beforeEach(() => {
  sockets.created.length = 0;
  sockets.setAckBytes(FLOW_ACK_BYTES);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => vi.useRealTimers());

describe('attachTerminal at the end of its input', () => {
  it('ends an unfinished last line, types Ctrl-D, and again each second until the shell exits', async () => {
    const h = attach();
    h.socket().hello();
    h.input.end('sleep 2; echo done');
    await streamEvents();
    expect(h.socket().typed).toEqual([[...Buffer.from('sleep 2; echo done')], [10], [4]]);

    vi.advanceTimersByTime(2_000);
    expect(h.socket().typed.slice(3)).toEqual([[4], [4]]);

    h.socket().text({ type: 'exit', code: 0 });
    await expect(h.ended).resolves.toEqual({ kind: 'exited', code: 0 });
    vi.advanceTimersByTime(5_000);
    expect(h.socket().typed).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('types no newline after a finished line, and just Ctrl-D for empty input', async () => {
    const finished = attach();
    finished.socket().hello();
    finished.input.end('exit 3\n');
    await streamEvents();
    expect(finished.socket().typed).toEqual([[...Buffer.from('exit 3\n')], [4]]);

    const empty = attach();
    empty.socket().hello();
    empty.input.end();
    await streamEvents();
    expect(empty.socket().typed).toEqual([[4]]);
  });

  it('does not queue repeated Ctrl-Ds while reconnecting', async () => {
    const h = attach();
    h.socket().hello();
    h.input.end('true\n');
    await streamEvents();
    const first = h.socket();
    first.drop();
    vi.advanceTimersByTime(10_000);
    // The reconnect's socket is open again: one Ctrl-D a second from then on, none queued meanwhile.
    const second = h.socket();
    expect(second).not.toBe(first);
    second.hello();
    expect(second.typed).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(second.typed).toEqual([[4]]);
  });
});
