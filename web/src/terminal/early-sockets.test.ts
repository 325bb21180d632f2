import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLAIM_MS, openEarlySocket, sessionSocketUrl, takeEarlySocket, type RawSocket } from './early-sockets';

/** A socket this test drives: it "receives" with fire(). */
function fakeSocket() {
  const sent: unknown[] = [];
  const closes: [number | undefined, string | undefined][] = [];
  const socket = {
    binaryType: 'blob' as BinaryType,
    readyState: 0,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send: (data: unknown) => sent.push(data),
    close: (code?: number, reason?: string) => {
      closes.push([code, reason]);
      socket.readyState = 3;
    },
  } as unknown as RawSocket & { readyState: number };
  const fire = {
    open: () => {
      socket.readyState = 1;
      socket.onopen?.call(socket as WebSocket, new Event('open'));
    },
    message: (data: unknown) => socket.onmessage?.call(socket as WebSocket, { data } as MessageEvent),
    close: (code: number) => {
      socket.readyState = 3;
      socket.onclose?.call(socket as WebSocket, { code, reason: '' } as CloseEvent);
    },
  };
  return { socket, fire, sent, closes };
}

const page = { protocol: 'http:', host: 'sonde.example:8080' };

afterEach(() => vi.useRealTimers());

describe('early terminal sockets', () => {
  it('hands the taker everything that arrived before it, in order, then what comes after', async () => {
    const fake = fakeSocket();
    const url = sessionSocketUrl('a'.repeat(32), page);
    expect(url).toBe(`ws://sonde.example:8080/api/sessions/${'a'.repeat(32)}/tty`);
    openEarlySocket(url, () => fake.socket);
    expect(fake.socket.binaryType).toBe('arraybuffer');
    fake.fire.open();
    fake.fire.message('{"type":"hello"}');
    fake.fire.message(new ArrayBuffer(3));

    const taken = takeEarlySocket(url)!;
    expect(taken).toBeDefined();
    const seen: string[] = [];
    taken.onopen = () => seen.push('open');
    taken.onmessage = (event) => seen.push(typeof event.data === 'string' ? event.data : `bytes ${(event.data as ArrayBuffer).byteLength}`);
    taken.onclose = (event) => seen.push(`close ${event.code}`);
    // Nothing is replayed before the taker's handlers are all set (the rest of its turn).
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual(['open', '{"type":"hello"}', 'bytes 3']);
    fake.fire.message('{"type":"presence"}');
    taken.send('{"type":"ack","bytes":3}');
    fake.fire.close(4000);
    expect(seen).toEqual(['open', '{"type":"hello"}', 'bytes 3', '{"type":"presence"}', 'close 4000']);
    expect(fake.sent).toEqual(['{"type":"ack","bytes":3}']);
    // Taken once: the next view (a reconnect) opens its own.
    expect(takeEarlySocket(url)).toBeUndefined();
  });

  it('never hands out a socket that closed before it was taken (a link that is not the user’s)', () => {
    const fake = fakeSocket();
    const url = sessionSocketUrl('b'.repeat(32), page);
    openEarlySocket(url, () => fake.socket);
    fake.fire.close(1006);
    expect(takeEarlySocket(url)).toBeUndefined();
  });

  it('closes a socket nobody took after CLAIM_MS, and opens one socket per URL', () => {
    vi.useFakeTimers();
    const first = fakeSocket();
    const second = fakeSocket();
    const url = sessionSocketUrl('c'.repeat(32), page);
    openEarlySocket(url, () => first.socket);
    const again = vi.fn(() => second.socket);
    openEarlySocket(url, again);
    expect(again).not.toHaveBeenCalled();
    vi.advanceTimersByTime(CLAIM_MS);
    expect(first.closes).toEqual([[1000, 'not claimed']]);
    expect(takeEarlySocket(url)).toBeUndefined();
  });
});
