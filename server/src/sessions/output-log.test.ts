import { describe, expect, it } from 'vitest';
import { OutputLog } from './output-log.js';

describe('OutputLog', () => {
  it('reads any range by absolute offset and coalesces chunks', () => {
    const log = new OutputLog(1024);
    log.append(Buffer.from('hello '));
    log.append(Buffer.from('world'));
    expect(log.read(0, 100).toString()).toBe('hello world');
    expect(log.read(3, 5).toString()).toBe('lo wo');
    expect(log.read(11, 5).length).toBe(0);
    expect(log.end).toBe(11);
  });

  it('drops the oldest bytes beyond its capacity but keeps offsets absolute', () => {
    const log = new OutputLog(10);
    for (let i = 0; i < 10; i++) log.append(Buffer.from(`${i}${i}${i}${i}`));
    expect(log.end).toBe(40);
    expect(log.start).toBeGreaterThan(0);
    expect(log.bytesHeld).toBeLessThanOrEqual(10 + 4);
    expect(log.read(36, 10).toString()).toBe('9999');
    expect(() => log.read(0, 1)).toThrow(RangeError);
  });

  it('keepLast drops whole old chunks down to about the bytes asked for', () => {
    const log = new OutputLog(1024);
    for (let i = 0; i < 10; i++) log.append(Buffer.from(`${i}${i}${i}${i}`));
    log.keepLast(6);
    expect(log.end).toBe(40);
    expect(log.start).toBe(32);
    expect(log.read(32, 100).toString()).toBe('88889999');
  });

  it('reads exactly what a plain copy holds, over many small chunks, drops and compactions', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const log = new OutputLog(5000);
    let all = Buffer.alloc(0);
    for (let i = 0; i < 20_000; i++) {
      const chunk = Buffer.from(Array.from({ length: 1 + random(40) }, () => random(256)));
      log.append(chunk);
      all = Buffer.concat([all, chunk]);
      if (i % 97 === 0) {
        expect(log.end).toBe(all.length);
        expect(log.bytesHeld).toBeLessThanOrEqual(5000 + 40);
        for (let r = 0; r < 5; r++) {
          const offset = log.start + random(log.end - log.start + 1);
          const max = 1 + random(3000);
          expect(log.read(offset, max).equals(all.subarray(offset, Math.min(all.length, offset + max)))).toBe(true);
        }
      }
    }
    log.keepLast(100);
    expect(log.read(log.start, Infinity).equals(all.subarray(log.start))).toBe(true);
    expect(log.read(log.end, 10).length).toBe(0);
  });

  it('an empty log reads as nothing', () => {
    const log = new OutputLog(100);
    expect(log.read(0, 10).length).toBe(0);
    expect(() => log.read(1, 10)).toThrow(RangeError);
  });
});
