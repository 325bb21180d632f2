/** Scales and paths for the small inline SVG charts (no chart library). */

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

export interface PlotArea {
  width: number;
  height: number;
  /** Inner padding: room for labels. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Maps data points into the plot area (y grows upward in the data, downward in SVG). */
export function project(points: readonly Point[], area: PlotArea, xMax: number, yMax: number, xMin = 0): Point[] {
  const w = area.width - area.left - area.right;
  const h = area.height - area.top - area.bottom;
  const span = xMax - xMin || 1;
  return points.map((p) => ({
    x: round(area.left + ((p.x - xMin) / span) * w),
    y: round(area.top + h - (Math.min(p.y, yMax) / (yMax || 1)) * h),
  }));
}

/** An SVG path through the points ("M x y L x y …"); empty for no points. */
export function linePath(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
}

const round = (n: number) => Math.round(n * 10) / 10;
