/**
 * A running summary against `summarize` over the same values: count, avg, min and max identical, p50 and p95 within
 * the stated relative error (the values a live snapshot of a long call shows; its final analysis is exact).
 */

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { RELATIVE_ERROR, RunningSummary } from './running-summary';
import { percentile, summarize } from './summary';

function running(values: readonly number[]): RunningSummary {
  const r = new RunningSummary();
  for (const v of values) r.add(v);
  return r;
}

/** Within the relative error of the exact quantile's two ranks (what R-7 interpolates between). */
function expectClose(estimate: number, values: readonly number[], q: number) {
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = sorted[Math.floor(pos)];
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(pos) + 1)];
  const exact = percentile(Float64Array.from(values), q);
  const slack = RELATIVE_ERROR * Math.max(Math.abs(lo), Math.abs(hi)) * (1 + 1e-9) + 1e-12;
  expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(slack);
}

const value = fc.oneof(
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.constantFrom(0, 1, 100, 1280, 720),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
);

describe('RunningSummary', () => {
  test('count, avg, min and max equal summarize; p50 and p95 within the relative error', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 600 }), (values) => {
        const exact = summarize(values);
        const live = running(values).summary();
        expect(live).not.toBeNull();
        if (!live || !exact) return;
        expect({ count: live.count, avg: live.avg, min: live.min, max: live.max }).toEqual({
          count: exact.count,
          avg: exact.avg,
          min: exact.min,
          max: exact.max,
        });
        expectClose(live.p50, values, 0.5);
        expectClose(live.p95, values, 0.95);
      }),
      { numRuns: 300 },
    );
  });

  test('a column of few distinct values (loss 0 %, a fixed resolution) is exact', () => {
    const values = [...Array(500).fill(0), ...Array(30).fill(2.5)];
    const live = running(values).summary();
    expect(live?.p50).toBe(0);
    expect(live?.p95).toBeCloseTo(2.5, 1);
    expect(running(Array(300).fill(720)).summary()).toEqual(summarize(Array(300).fill(720)));
  });

  test('no values: no summary', () => {
    expect(new RunningSummary().summary()).toBeNull();
  });
});
