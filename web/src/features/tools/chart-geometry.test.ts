import { describe, expect, it } from 'vitest';
import { linePath, niceMax, project } from './chart-geometry';

describe('chart geometry', () => {
  it('rounds axis maxima up to 1, 2 or 5 × 10^n', () => {
    expect(niceMax(0.129)).toBe(0.2);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(5.38e9)).toBe(1e10);
    expect(niceMax(100)).toBe(100);
    expect(niceMax(0)).toBe(1);
  });

  it('projects data into the plot area, y up', () => {
    const area = { width: 110, height: 60, left: 10, right: 0, top: 0, bottom: 10 };
    expect(project([{ x: 0, y: 0 }, { x: 10, y: 5 }], area, 10, 10)).toEqual([
      { x: 10, y: 50 },
      { x: 110, y: 25 },
    ]);
    expect(linePath([{ x: 1, y: 2 }, { x: 3, y: 4 }])).toBe('M1 2 L3 4');
    expect(linePath([])).toBe('');
  });
});
