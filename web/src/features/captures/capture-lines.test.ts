import { describe, expect, it } from 'vitest';
import type { PacketLine } from '@sonde/shared';
import { MAX_VISIBLE_LINES, appendLines } from './capture-lines';

const line = (number: number): PacketLine => ({ number, time: 0, src: 'a', dst: 'b', protocol: 'ICMP', info: '', length: 98 });

describe('capture lines', () => {
  it('keeps the last lines only and ignores replayed ones', () => {
    const first = appendLines([], [1, 2, 3].map(line));
    expect(appendLines(first, [2, 3, 4].map(line)).map((l) => l.number)).toEqual([1, 2, 3, 4]);
    const many = appendLines([], Array.from({ length: 1200 }, (_, i) => line(i + 1)));
    expect(many).toHaveLength(MAX_VISIBLE_LINES);
    expect(many[0]?.number).toBe(701);
  });
});
