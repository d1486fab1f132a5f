import type { Series } from './types';

/**
 * Builds a columnar series row by row. Columns are growable Float64Arrays with NaN for "no value": a JS array
 * mixing null and doubles would box every number (one heap object per value per sample, which dominated GC
 * for an hour-long session). `toSeries()` converts to the JSON shape (null for NaN) once, at the end.
 *
 * Every row starts with all metrics NaN, so a metric that cannot be computed at that row (gap, reset, missing
 * field) simply stays null and all columns keep the length of `t`.
 */
/**
 * Capacity: 64 rows (about a minute of 1 s polling, 512 B per column), then ×4: an hour is 4 reallocations of every
 * column instead of 12 when doubling (each a zeroed off-heap buffer plus a copy, which showed in profiles of long
 * sessions). Thousands of short live sessions each hold their columns: 256 rows to start made a one-minute call's
 * series 100 KB, four times what it used.
 */
const INITIAL_ROWS = 64;
const GROWTH = 4;

export class SeriesBuilder<M extends string> {
  private readonly metrics: readonly M[];
  private readonly slot: Partial<Record<M, number>> = {};
  private t = new Float64Array(INITIAL_ROWS);
  private columns: Float64Array[];
  private rows = 0;

  constructor(metrics: readonly M[]) {
    this.metrics = metrics;
    metrics.forEach((m, i) => {
      this.slot[m] = i;
    });
    this.columns = metrics.map(() => new Float64Array(INITIAL_ROWS));
  }

  /** Appends a row at time `t` (all metrics null). */
  addRow(t: number): void {
    if (this.rows === this.t.length) this.grow();
    const row = this.rows++;
    this.t[row] = t;
    for (const col of this.columns) col[row] = Number.NaN;
  }

  /** Sets a metric on the last row; null and non-finite values stay null. Metrics the series lacks are ignored. */
  set(metric: M, value: number | null): void {
    const i = this.slot[metric];
    if (i === undefined || value === null || !Number.isFinite(value)) return;
    this.columns[i][this.rows - 1] = value;
  }

  toSeries(): Series<M> {
    const n = this.rows;
    const t = Array.from(this.t.subarray(0, n));
    const values: Partial<Record<M, (number | null)[]>> = {};
    this.metrics.forEach((m, i) => {
      const col = this.columns[i];
      const out = new Array<number | null>(n);
      for (let r = 0; r < n; r++) {
        const v = col[r];
        out[r] = Number.isNaN(v) ? null : v;
      }
      values[m] = out;
    });
    return { t, values };
  }

  private grow(): void {
    const size = this.t.length * GROWTH;
    const t = new Float64Array(size);
    t.set(this.t);
    this.t = t;
    this.columns = this.columns.map((col) => {
      const bigger = new Float64Array(size);
      bigger.set(col);
      return bigger;
    });
  }
}
