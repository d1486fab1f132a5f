import { describe, expect, test } from 'vitest';
import { downsample, sliceSeries } from './downsample';
import type { Series } from './types';

function series(n: number, f: (i: number) => number | null): Series {
  const t: number[] = [];
  const v: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    t.push(1000 * i);
    v.push(f(i));
  }
  return { t, values: { bitrate: v, jitterMs: v.map((x) => (x === null ? null : -x)) } };
}

describe('downsample (min/max per bucket)', () => {
  test('keeps a one-sample spike and a one-sample dip among 10 000 points', () => {
    const s = series(10_000, (i) => (i === 4321 ? 900 : i === 7777 ? -50 : 100 + (i % 7)));
    const d = downsample(s, 200);
    expect(d.t.length).toBeLessThanOrEqual(200);
    const b = d.values.bitrate as number[];
    expect(Math.max(...b)).toBe(900);
    expect(Math.min(...b)).toBe(-50);
    // Each metric keeps its own extremes (jitterMs is the mirror image).
    const j = d.values.jitterMs as number[];
    expect(Math.min(...j)).toBe(-900);
    expect(Math.max(...j)).toBe(50);
    // Columns stay aligned with t, and time stays sorted.
    expect(b).toHaveLength(d.t.length);
    for (let i = 1; i < d.t.length; i++) expect(d.t[i]).toBeGreaterThanOrEqual(d.t[i - 1]);
    expect(d.t[0]).toBe(0);
    expect(d.t[d.t.length - 1]).toBe(9_999_000);
  });

  test('min and max are emitted in the order they happened', () => {
    const s = series(4, (i) => [5, 1, 9, 3][i]);
    const d = downsample(s, 2); // one bucket
    expect(d.values.bitrate).toEqual([1, 9]);
    const r = downsample(series(4, (i) => [5, 9, 1, 3][i]), 2);
    expect(r.values.bitrate).toEqual([9, 1]);
  });

  test('an all-null bucket stays null (gaps survive)', () => {
    const s = series(100, (i) => (i >= 40 && i < 60 ? null : 1));
    const d = downsample(s, 10); // buckets of 20 rows: rows 40..59 are one bucket
    expect(d.values.bitrate?.slice(4, 6)).toEqual([null, null]);
  });

  test('small series are returned unchanged', () => {
    const s = series(10, (i) => i);
    expect(downsample(s, 100)).toBe(s);
  });

  test('sliceSeries keeps rows with from ≤ t ≤ to', () => {
    const s = series(10, (i) => i);
    const cut = sliceSeries(s, 2000, 4000);
    expect(cut.t).toEqual([2000, 3000, 4000]);
    expect(cut.values.bitrate).toEqual([2, 3, 4]);
  });
});
