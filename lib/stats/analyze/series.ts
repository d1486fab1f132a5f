import { RunningSummary } from './running-summary';
import { summarizeSeries } from './summary';
import type { MetricSummary, Series } from './types';

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
/**
 * Live snapshots summarise a series this short exactly; past it, from running summaries (running-summary.ts), so
 * a snapshot of a long call costs what arrived since the previous one. Short calls (most) never hold them.
 */
const EXACT_LIVE_ROWS = 128;

export class SeriesBuilder<M extends string> {
  private readonly metrics: readonly M[];
  private readonly slot: Partial<Record<M, number>> = {};
  private t = new Float64Array(INITIAL_ROWS);
  private columns: Float64Array[];
  private rows = 0;
  /** Each column's running summary, once a live snapshot found the series longer than EXACT_LIVE_ROWS. */
  private running: RunningSummary[] | null = null;
  /** Rows the running summaries hold. */
  private summarizedRows = 0;

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

  /**
   * Every column's summary (`series` is this builder's `toSeries()`): of a final analysis, and of a live snapshot
   * while the series is short, exact; of a longer live snapshot (`final` false) from running summaries: avg / min /
   * max / count exact, p50 / p95 within RELATIVE_ERROR. Rows are read when a snapshot is taken, never while a sample
   * is being added, so each is complete.
   */
  summaries(series: Series<M>, final: boolean): Partial<Record<M, MetricSummary>> {
    if (final || this.rows <= EXACT_LIVE_ROWS) return summarizeSeries(series);
    if (this.running === null) this.running = this.metrics.map(() => new RunningSummary());
    const running = this.running;
    for (let i = 0; i < running.length; i++) {
      const col = this.columns[i];
      const summary = running[i];
      for (let r = this.summarizedRows; r < this.rows; r++) if (!Number.isNaN(col[r])) summary.add(col[r]);
    }
    this.summarizedRows = this.rows;
    const out: Partial<Record<M, MetricSummary>> = {};
    this.metrics.forEach((m, i) => {
      const s = running[i].summary();
      if (s !== null) out[m] = s;
    });
    return out;
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
