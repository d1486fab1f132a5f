import { describe, expect, test } from 'vitest';
import { meanBetween, percentile, summarize } from './summary';

/** Reference: full sort, R-7 interpolation. */
function sortedPercentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

describe('summaries', () => {
  test('summarize skips nulls and gives avg/p50/p95/min/max', () => {
    expect(summarize([null, 1, 2, 3, 4, null, 5])).toEqual({ avg: 3, p50: 3, p95: 4.8, min: 1, max: 5, count: 5 });
    expect(summarize([null, null])).toBeNull();
    expect(summarize([7])).toEqual({ avg: 7, p50: 7, p95: 7, min: 7, max: 7, count: 1 });
  });

  test('quickselect percentiles equal the sort-based definition (random data with duplicates)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(random() * 500);
      const values = Array.from({ length: n }, () => Math.floor(random() * 50));
      for (const q of [0, 0.5, 0.95, 1]) {
        expect(percentile(Float64Array.from(values), q)).toBeCloseTo(sortedPercentile(values, q), 9);
      }
    }
  });

  test('meanBetween averages the non-null values inside the time range only', () => {
    const series = { t: [0, 1000, 2000, 3000], values: { bitrate: [10, null, 30, 50] } };
    expect(meanBetween(series, 'bitrate', 0, 2000)).toBe(20);
    expect(meanBetween(series, 'bitrate', 5000, 6000)).toBeNull();
    expect(meanBetween(series, 'nope', 0, 6000)).toBeNull();
  });
});
