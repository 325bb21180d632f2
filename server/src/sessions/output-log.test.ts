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
    const log = new OutputLog(1 << 20);
    for (let i = 0; i < 10; i++) log.append(Buffer.alloc(2048, `${i}`));
    log.keepLast(3000);
    expect(log.end).toBe(20480);
    expect(log.start).toBe(16384);
    expect(log.read(16384, Infinity).toString()).toBe('8'.repeat(2048) + '9'.repeat(2048));
  });

  it('copies small chunks into blocks it fills, so a printer of short lines holds few objects', () => {
    const log = new OutputLog(4 * 1024 * 1024);
    let all = '';
    for (let i = 0; i < 10_000; i++) {
      const line = `line ${i} of a slow printer\r\n`;
      log.append(Buffer.from(line));
      all += line;
    }
    expect(log.read(log.start, Infinity).toString()).toBe(all);
    // About 330 KB in blocks of up to 16 KiB: tens of chunks held, not ten thousand.
    const held = (log as unknown as { chunks: Buffer[] }).chunks.length;
    expect(held).toBeLessThan(40);
    // A view handed out before more was copied into its block still reads the same.
    const view = log.read(log.end - 10, 10);
    log.append(Buffer.from('more'));
    expect(view.toString()).toBe(all.slice(-10));
    expect(log.read(log.end - 14, 14).toString()).toBe(all.slice(-10) + 'more');
  });

  it('reads exactly what a plain copy holds, over many small chunks, drops and compactions', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const log = new OutputLog(5000);
    // Everything appended, joined only when checked (joining at every append is quadratic).
    const appended: Buffer[] = [];
    let all = Buffer.alloc(0);
    for (let i = 0; i < 20_000; i++) {
      // Mostly small chunks (copied into blocks), now and then one large enough to be held as it is.
      const chunk = Buffer.from(Array.from({ length: random(50) === 0 ? 1024 + random(2000) : 1 + random(40) }, () => random(256)));
      log.append(chunk);
      appended.push(chunk);
      if (i % 97 === 0) {
        all = Buffer.concat(appended);
        expect(log.end).toBe(all.length);
        // The capacity plus at most one chunk: a large one, or a block (an eighth of the capacity).
        expect(log.bytesHeld).toBeLessThanOrEqual(5000 + 3024);
        for (let r = 0; r < 5; r++) {
          const offset = log.start + random(log.end - log.start + 1);
          const max = 1 + random(3000);
          expect(log.read(offset, max).equals(all.subarray(offset, Math.min(all.length, offset + max)))).toBe(true);
        }
      }
    }
    all = Buffer.concat(appended);
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
