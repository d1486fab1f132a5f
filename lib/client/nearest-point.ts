/** Looking up a chart's sample at a hovered instant (pure; points are [epoch ms, value], sorted by time). */

/** Index of the point nearest to `t` in time-sorted points, or -1 when none lies within `tolerance` ms (pure). */
export function nearestPoint(points: [number, number][], t: number, tolerance: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] < t) lo = mid + 1;
    else hi = mid;
  }
  let best = lo;
  if (lo > 0 && Math.abs(points[lo - 1][0] - t) <= Math.abs(points[lo][0] - t)) best = lo - 1;
  return Math.abs(points[best][0] - t) <= tolerance ? best : -1;
}

/** How far from a sample a hovered instant may be and still show it: two sample spacings, at least 2 s. */
export function hoverTolerance(points: [number, number][]): number {
  if (points.length < 2) return 2000;
  const spacing = (points[points.length - 1][0] - points[0][0]) / (points.length - 1);
  return Math.max(2 * spacing, 2000);
}
