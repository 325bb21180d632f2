import { MAX_INPUT_FRAME_BYTES } from '@sonde/shared';
import { describe, expect, it } from 'vitest';
import { AckLedger, binaryStringToBytes, splitInput } from './flow-control.js';

describe('AckLedger', () => {
  it('acks once ackBytes have been processed while more output is still queued', () => {
    const ledger = new AckLedger(100);
    ledger.written(60);
    ledger.written(60);
    ledger.written(60);
    expect(ledger.processed(60)).toBe(0);
    expect(ledger.processed(60)).toBe(120);
    expect(ledger.pending).toBe(60);
  });

  it('acks the remainder when the write queue drains, so the server never waits on it', () => {
    const ledger = new AckLedger(128 * 1024);
    ledger.written(10);
    ledger.written(5);
    expect(ledger.processed(10)).toBe(0);
    expect(ledger.processed(5)).toBe(15);
    expect(ledger.pending).toBe(0);
  });

  it('acknowledges every processed byte exactly once', () => {
    const ledger = new AckLedger(1000);
    const chunks = [300, 700, 1, 999, 2500, 13, 4];
    for (const chunk of chunks) ledger.written(chunk);
    const acked = chunks.reduce((sum, chunk) => sum + ledger.processed(chunk), 0);
    expect(acked).toBe(chunks.reduce((a, b) => a + b, 0));
  });

  it('rejects a non-positive ack threshold', () => {
    expect(() => new AckLedger(0)).toThrow(RangeError);
  });
});

describe('splitInput', () => {
  it('keeps small input in one frame', () => {
    const frames = splitInput(new TextEncoder().encode('ls -la\r'));
    expect(frames).toHaveLength(1);
    expect(new TextDecoder().decode(frames[0])).toBe('ls -la\r');
  });

  it('cuts a 10 MB paste into frames no larger than the server accepts', () => {
    const paste = new Uint8Array(10 * 1024 * 1024 + 5).fill(0x61);
    const frames = splitInput(paste);
    expect(frames.every((frame) => frame.length <= MAX_INPUT_FRAME_BYTES)).toBe(true);
    expect(frames).toHaveLength(Math.ceil(paste.length / MAX_INPUT_FRAME_BYTES));
    expect(frames.reduce((sum, frame) => sum + frame.length, 0)).toBe(paste.length);
    expect(frames.at(-1)?.length).toBe(5);
  });

  it('returns no frames for empty input', () => {
    expect(splitInput(new Uint8Array(0))).toEqual([]);
  });
});

describe('binaryStringToBytes', () => {
  it('maps each char to one byte without UTF-8 encoding', () => {
    expect([...binaryStringToBytes('\x1b[M\xff\x80')]).toEqual([0x1b, 0x5b, 0x4d, 0xff, 0x80]);
  });
});
