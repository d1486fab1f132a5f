/**
 * Shrinks a series for display without losing peaks: the time axis is cut into buckets of consecutive rows and
 * each bucket becomes two rows (its first and last time) carrying, per metric, the bucket's minimum and maximum
 * in the order they occurred. A loss spike of one sample therefore survives any zoom level.
 */

import type { Series } from './types';

export function downsample<M extends string>(series: Series<M>, maxPoints: number): Series<M> {
  const n = series.t.length;
  if (n <= maxPoints || maxPoints < 2) return series;
  const buckets = Math.floor(maxPoints / 2);
  const metrics = Object.keys(series.values) as M[];
  const t: number[] = [];
  const values: Partial<Record<M, (number | null)[]>> = {};
  for (const m of metrics) values[m] = [];

  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * n) / buckets);
    const to = Math.floor(((b + 1) * n) / buckets); // exclusive
    if (to <= from) continue;
    t.push(series.t[from], series.t[to - 1]);
    for (const m of metrics) {
      const col = series.values[m] as (number | null)[];
      let min: number | null = null;
      let max: number | null = null;
      let minAt = -1;
      let maxAt = -1;
      for (let i = from; i < to; i++) {
        const v = col[i];
        if (v === null) continue;
        if (min === null || v < min) {
          min = v;
          minAt = i;
        }
        if (max === null || v > max) {
          max = v;
          maxAt = i;
        }
      }
      const out = values[m] as (number | null)[];
      if (minAt <= maxAt) out.push(min, max);
      else out.push(max, min);
    }
  }
  return { t, values };
}

/** The rows with from ≤ t ≤ to (t is sorted, so two binary searches). */
export function sliceSeries<M extends string>(series: Series<M>, from: number, to: number): Series<M> {
  const start = firstIndex(series.t, (t) => t >= from);
  const end = firstIndex(series.t, (t) => t > to);
  const values: Partial<Record<M, (number | null)[]>> = {};
  for (const m of Object.keys(series.values) as M[]) values[m] = (series.values[m] as (number | null)[]).slice(start, end);
  return { t: series.t.slice(start, end), values };
}

/** First index where `pass` holds, for a predicate that is false then true along the sorted array. */
function firstIndex(a: number[], pass: (t: number) => boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pass(a[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
