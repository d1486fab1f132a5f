/** Summary statistics over series columns. */

import type { MetricSummary, Series } from './types';

/** avg/p50/p95/min/max over the non-null values, or null when there are none. */
export function summarize(values: readonly (number | null)[] | undefined): MetricSummary | null {
  if (values === undefined) return null;
  const n = values.length;
  let count = 0;
  for (let i = 0; i < n; i++) if (values[i] !== null) count++;
  if (count === 0) return null;
  const data = new Float64Array(count);
  let k = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) continue;
    data[k++] = v;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Quickselect instead of a full sort: O(n) per percentile; this runs for every column of every track.
  const p50 = percentile(data, 0.5);
  const p95 = percentile(data, 0.95);
  return { avg: sum / count, p50, p95, min, max, count };
}

/**
 * The q-quantile with linear interpolation between closest ranks (the common "R-7" definition).
 * Reorders `data` in place (partially sorts it).
 */
export function percentile(data: Float64Array, q: number): number {
  const n = data.length;
  if (n === 1) return data[0];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const a = select(data, lo);
  if (lo + 1 >= n || pos === lo) return a;
  // After selecting rank lo, everything right of it is ≥ it: rank lo+1 is their minimum.
  let b = Number.POSITIVE_INFINITY;
  for (let i = lo + 1; i < n; i++) if (data[i] < b) b = data[i];
  return a + (b - a) * (pos - lo);
}

/** Hoare quickselect: puts the k-th smallest at index k, smaller left, larger right; returns it. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >>> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k];
}

/** Summaries of every column of a series (columns without values are left out). */
export function summarizeSeries<M extends string>(series: Series<M>): Partial<Record<M, MetricSummary>> {
  const out: Partial<Record<M, MetricSummary>> = {};
  for (const metric in series.values) {
    const s = summarize(series.values[metric]);
    if (s !== null) out[metric] = s;
  }
  return out;
}

/** Mean of a column's non-null values at times within [from, to] (inclusive), or null. */
export function meanBetween(series: Series, metric: string, from: number, to: number): number | null {
  return mean(series, metric, from, to, true);
}

/**
 * Mean over the intervals inside (from, to]: a rate at t[i] describes (t[i-1], t[i]], so the sample at
 * exactly `from` belongs to the time before the window and is left out.
 */
export function meanOverIntervals(series: Series, metric: string, from: number, to: number): number | null {
  return mean(series, metric, from, to, false);
}

function mean(series: Series, metric: string, from: number, to: number, includeFrom: boolean): number | null {
  const col = series.values[metric];
  if (col === undefined) return null;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < series.t.length; i++) {
    const t = series.t[i];
    if (t > to || t < from || (t === from && !includeFrom)) continue;
    const v = col[i];
    if (v === null) continue;
    sum += v;
    n++;
  }
  return n === 0 ? null : sum / n;
}
