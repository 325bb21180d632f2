import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunningToolbox } from '../engine/types.js';
import { InteractivePriority } from './interactive-priority.js';
import { TerminalStream, YIELD_AFTER_BYTES } from './terminal-stream.js';

describe('InteractivePriority', () => {
  const at = { now: 0 };
  const priority = () => new InteractivePriority({ bytesPerSecond: 1_000_000, burstBytes: 10_000, typingMs: 250, now: () => at.now });
  const a = {};
  const b = {};

  it('slows no terminal while none is typed into', () => {
    at.now = 0;
    const p = priority();
    expect(p.relayed(b, 5_000_000)).toBe(0);
    expect(p.relayed(b, 5_000_000)).toBe(0);
  });

  it("holds another terminal's output to the rate after its burst, and never the one typed into", () => {
    at.now = 1000;
    const p = priority();
    p.input(a);
    expect(p.relayed(a, 1_000_000)).toBe(0);
    expect(p.relayed(b, 10_000)).toBe(0);
    // 20 kB more at 1 MB/s: 20 ms to pay back.
    expect(p.relayed(b, 20_000)).toBeCloseTo(20, 6);
    at.now += 20;
    expect(p.relayed(b, 1_000)).toBeCloseTo(1, 6);
  });

  it('lets go once the typing stopped for its window, or its terminal ended', () => {
    at.now = 5000;
    const p = priority();
    p.input(a);
    expect(p.relayed(b, 50_000)).toBeGreaterThan(0);
    at.now += 251;
    expect(p.relayed(b, 50_000)).toBe(0);
    p.input(a);
    p.forget(a);
    expect(p.relayed(b, 50_000)).toBe(0);
  });
});

function fakeToolbox(): { toolbox: RunningToolbox; stream: Duplex } {
  const stream = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  return { stream, toolbox: { id: 't', stream, resize: async () => undefined, exitCode: async () => 0 } };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TerminalStream and the priority', () => {
  it('a flooding terminal waits while another is typed into, loses nothing, and its own typist is never held', async () => {
    const priority = new InteractivePriority({ bytesPerSecond: 1_000_000, burstBytes: 16 * 1024 });
    const typed = fakeToolbox();
    const flooding = fakeToolbox();
    const typedStream = new TerminalStream({ id: 'a', toolbox: typed.toolbox, replayBytes: 1 << 20, onEnd: () => undefined, priority });
    const floodStream = new TerminalStream({ id: 'b', toolbox: flooding.toolbox, replayBytes: 1 << 20, onEnd: () => undefined, priority });
    typedStream.write(Buffer.from('l'));
    const chunk = Buffer.alloc(16 * 1024, 'x');
    for (let i = 0; i < 8; i++) flooding.stream.push(chunk);
    await settle(0);
    // Past its burst it stopped reading: 128 KiB at 1 MB/s is about 130 ms of waiting in all.
    expect(flooding.stream.isPaused()).toBe(true);
    expect(floodStream.log.end).toBeLessThan(8 * chunk.length);
    // The typed terminal's own output is not held.
    typed.stream.push(Buffer.alloc(64 * 1024 - 1, 'y'));
    await settle(0);
    expect(typedStream.log.end).toBe(64 * 1024 - 1);
    await expect.poll(() => floodStream.log.end, { timeout: 2000, interval: 10 }).toBe(8 * chunk.length);
    expect(Buffer.concat([floodStream.log.read(0, 1 << 20)]).every((byte) => byte === 0x78)).toBe(true);
    typedStream.finish({ exitCode: 0, message: '', closeCode: 1000 });
    floodStream.finish({ exitCode: 0, message: '', closeCode: 1000 });
  });

  it('without typing, a terminal that relayed a read burst waits one turn of the event loop, then goes on', async () => {
    const { toolbox, stream } = fakeToolbox();
    const terminal = new TerminalStream({ id: 'c', toolbox, replayBytes: 1 << 20, onEnd: () => undefined, priority: new InteractivePriority() });
    stream.push(Buffer.alloc(YIELD_AFTER_BYTES, 'z'));
    stream.push(Buffer.alloc(100, 'z'));
    await new Promise((r) => process.nextTick(r));
    expect(terminal.log.end).toBe(YIELD_AFTER_BYTES);
    await new Promise((r) => setImmediate(r));
    await settle(0);
    expect(terminal.log.end).toBe(YIELD_AFTER_BYTES + 100);
    terminal.finish({ exitCode: 0, message: '', closeCode: 1000 });
  });
});
