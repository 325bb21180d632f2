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
});
