/**
 * A column's summary kept as its values arrive, for live snapshots of long calls: count, sum, min and max exactly as
 * `summarize` (summary.ts) computes them over the whole column (the same additions in the same order), p50 and p95
 * from a log-bucketed histogram (DDSketch's mapping: each value within RELATIVE_ERROR of its bucket's estimate), so
 * a snapshot's summary costs the buckets, not the call's length. The final analysis still summarises every column
 * exactly (`summarize`).
 */

import type { MetricSummary } from './types';

/** Relative accuracy of p50 / p95 (0.5 %): a 1,000 kbit/s median reads between 995 and 1,005. */
export const RELATIVE_ERROR = 0.005;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);

interface Ranks {
  values: number[];
  upTo: number[];
}

export class RunningSummary {
  count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private zeros = 0;
  /** Bucket index → count; a positive value v is in bucket ceil(log_γ v), a negative one by its magnitude. */
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();

  add(v: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v === 0) {
      this.zeros++;
      return;
    }
    const buckets = v > 0 ? this.positive : this.negative;
    const index = Math.ceil(Math.log(Math.abs(v)) / LOG_GAMMA);
    buckets.set(index, (buckets.get(index) ?? 0) + 1);
  }

  summary(): MetricSummary | null {
    if (this.count === 0) return null;
    const ranks = this.ranks();
    return {
      avg: this.sum / this.count,
      p50: this.percentile(ranks, 0.5),
      p95: this.percentile(ranks, 0.95),
      min: this.min,
      max: this.max,
      count: this.count,
    };
  }

  /** The q-quantile as `percentile` (summary.ts) defines it, each of its two ranks read off the buckets. */
  private percentile(ranks: Ranks, q: number): number {
    const pos = (this.count - 1) * q;
    const lo = Math.floor(pos);
    const a = this.rank(ranks, lo);
    if (lo + 1 >= this.count || pos === lo) return a;
    return a + (this.rank(ranks, lo + 1) - a) * (pos - lo);
  }

  /** Every bucket in ascending order of its values: the value it stands for and the count up to and with it. */
  private ranks(): Ranks {
    const values: number[] = [];
    const upTo: number[] = [];
    let seen = 0;
    // Most negative first: the larger a negative bucket's index, the smaller its values.
    for (const index of [...this.negative.keys()].sort((x, y) => y - x)) {
      seen += this.negative.get(index) as number;
      values.push(this.clamp(-estimate(index)));
      upTo.push(seen);
    }
    if (this.zeros > 0) {
      seen += this.zeros;
      values.push(0);
      upTo.push(seen);
    }
    for (const index of [...this.positive.keys()].sort((x, y) => x - y)) {
      seen += this.positive.get(index) as number;
      values.push(this.clamp(estimate(index)));
      upTo.push(seen);
    }
    return { values, upTo };
  }

  /** The value of rank r (0-based, ascending): the extremes exactly, the rest their bucket's estimate. */
  private rank(ranks: Ranks, r: number): number {
    if (r <= 0) return this.min;
    if (r >= this.count - 1) return this.max;
    let lo = 0;
    let hi = ranks.upTo.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ranks.upTo[mid] > r) hi = mid;
      else lo = mid + 1;
    }
    return ranks.values[lo];
  }

  private clamp(v: number): number {
    return Math.min(this.max, Math.max(this.min, v));
  }
}

/** The value a bucket stands for: within RELATIVE_ERROR of every magnitude in (γ^(i-1), γ^i]. */
function estimate(index: number): number {
  return (2 * GAMMA ** index) / (GAMMA + 1);
}
